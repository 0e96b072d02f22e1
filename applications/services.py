"""Writes on applications that span models."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from calls.models import Call


def application_next_reference(*, call: Call) -> str:
    """The next reference of a dossier in ``call`` (``FSE-213-2026-0007``). Numbers are
    attributed under a row lock on the call, so two dossiers created at the same time never
    share one; a number is never reused."""
    with transaction.atomic():
        Call.objects.filter(pk=call.pk).update(application_sequence=F("application_sequence") + 1)
        number = Call.objects.values_list("application_sequence", flat=True).get(pk=call.pk)
    return f"{call.application_prefix}-{number:04d}"
