"""A dossier as the officer sees it: the version submitted exactly as frozen (its content,
fingerprint and instant), the eligibility verdicts frozen at submission beside a fresh run,
the history of its states, the earlier versions, the partners' commitments, the
clarification requests, the screening, the assessments and the decision.

For the officers of the authority running the dossier's call only: for anyone else the
dossier does not exist (404); a visitor is sent to the login page. A constant number of
queries whatever the number of partners, lines or files.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Sum
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from applications.models import Application, Assessment, Decision, Snapshot
from partners.models import Partner
from review.permissions import officer_application_or_404

from ..readable import readable_dossier
from ..screening import screening_rows, section_labels


def _page_context(application: Application, snapshot: Snapshot | None, snapshots) -> dict:
    return {
        "application": application,
        "call": application.call,
        "snapshot": snapshot,
        "snapshots": snapshots,
        "dossier": readable_dossier(application, snapshot) if snapshot else None,
    }


@login_required
def dossier(request, reference):
    """``instruction/dossiers/<ref>/``: the latest version submitted and the whole record
    of the dossier's instruction."""
    application = officer_application_or_404(request.user, reference)
    snapshots = list(application.snapshots.select_related("created_by").order_by("number"))
    snapshot = snapshots[-1] if snapshots else None
    rows = screening_rows(application, snapshot=snapshot)
    clarifications = list(
        application.clarifications.select_related("asked_by", "answered_by").order_by("asked_at")
    )
    for clarification in clarifications:
        clarification.section_labels = section_labels(clarification.sections)
    context = {
        **_page_context(application, snapshot, snapshots),
        "page_title": _("Dossier déposé"),
        "rows": rows,
        "changed_rows": [row for row in rows if row.changed],
        "screened_rows": [row for row in rows if row.is_screened],
        "status_changes": list(
            application.status_changes.select_related("actor").order_by("created_at", "pk")
        ),
        "partners": list(
            Partner.objects.filter(application=application)
            .select_related("organisation", "commitment_signed_by")
            .order_by("number")
        ),
        "clarifications": clarifications,
        "assessments": list(
            Assessment.objects.filter(application=application)
            .select_related("assessor")
            .annotate(total=Sum("scores__score"), n_scores=Count("scores"))
            .order_by("assigned_at", "pk")
        ),
        "decision": Decision.objects.filter(application=application)
        .select_related("decided_by")
        .first(),
    }
    return render(request, "review/dossier.html", context)


@login_required
def snapshot(request, reference, number):
    """``instruction/dossiers/<ref>/versions/<n>/``: one version submitted, as frozen."""
    application = officer_application_or_404(request.user, reference)
    snapshots = list(application.snapshots.select_related("created_by").order_by("number"))
    version = next((item for item in snapshots if item.number == number), None)
    if version is None:
        raise Http404
    rows = screening_rows(application, snapshot=version, fresh=False)
    context = {
        **_page_context(application, version, snapshots),
        "page_title": _("Version déposée n° %(number)s") % {"number": version.number},
        "rows": rows,
        "is_latest": version is snapshots[-1],
    }
    return render(request, "review/snapshot.html", context)
