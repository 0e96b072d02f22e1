"""Celery tasks of the reporting app: thin adapters that take an id and call a service.

``render_document`` is acknowledged late and rejected (so delivered again) when its worker
dies; transient errors (the database or the storage unreachable for a moment) are retried
with an exponential backoff, then the document is marked failed with the reason; permanent
errors are recorded by the service itself. Time limits stop a render that would never end.
"""

from __future__ import annotations

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils.translation import gettext as _

from . import documents

TRANSIENT_ERRORS = (OperationalError, InterfaceError, ConnectionError, TimeoutError)


@shared_task(
    bind=True,
    name="reporting.render_document",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    max_retries=settings.DOCUMENTS_MAX_RETRIES,
    soft_time_limit=settings.DOCUMENTS_SOFT_TIME_LIMIT,
    time_limit=settings.DOCUMENTS_TIME_LIMIT,
)
def render_document(self, document_id: int) -> str:
    try:
        return documents.document_render(document_id=document_id)
    except SoftTimeLimitExceeded:
        documents.document_fail(
            document_id=document_id,
            reason=_("Le rendu a dépassé le temps permis (%(seconds)s s).")
            % {"seconds": settings.DOCUMENTS_SOFT_TIME_LIMIT},
        )
        return "failed"
    except TRANSIENT_ERRORS as error:
        if self.request.retries >= self.max_retries:
            documents.document_fail(
                document_id=document_id,
                reason=_("Le rendu a échoué après %(count)s essais : %(error)s")
                % {"count": self.request.retries + 1, "error": str(error)[:300]},
            )
            return "failed"
        countdown = min(settings.DOCUMENTS_RETRY_BACKOFF * 2**self.request.retries, 300)
        raise self.retry(exc=error, countdown=countdown) from error
    except Exception as error:
        # A fault of the portal itself: the reader sees the document failed (and may retry
        # once it is mended) rather than pending for ever; the worker's log has the trace.
        documents.document_fail(
            document_id=document_id,
            reason=_("Erreur inattendue du rendu (%(kind)s) : %(error)s")
            % {"kind": type(error).__name__, "error": str(error)[:300]},
        )
        raise


@shared_task(name="reporting.requeue_stalled_documents", ignore_result=True)
def requeue_stalled_documents() -> int:
    """Beat's sweep (every minute): renders whose message was lost are sent again."""
    return len(documents.documents_requeue_stalled())
