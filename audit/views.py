"""The officers' journal: the audit events of their authorities' calls and of their own
account, filtered and paged, in Paris time. It only reads: no form of it writes.

Only an active officer sees it: anyone else gets a 404 (as the queue), a visitor the
login page."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from calls.models import Call
from review.permissions import authorities_of

from .choices import AuditAction
from .forms import JournalFilterForm
from .selectors import events_visible_to, filter_events

PER_PAGE = 50
PARIS = ZoneInfo("Europe/Paris")
SUBJECT_LABELS = {
    "application": _("Dossier"),
    "attachment": _("Pièce jointe"),
    "report": _("Rapport d'avancement"),
    "report_attachment": _("Pièce jointe d'un rapport"),
    "document": _("Document"),
    "export": _("Export"),
    "account": _("Compte"),
    "url": _("Adresse"),
    "assessment": _("Évaluation"),
}
DETAIL_LABELS = {
    "status": _("Code de réponse"),
    "method": _("Méthode"),
    "outcome": _("Décision"),
    "amount_granted": _("Montant accordé"),
    "committee": _("Comité"),
    "decided_on": _("Date de la décision"),
    "sections": _("Sections rouvertes"),
    "assessors": _("Évaluateurs"),
    "assessor": _("Évaluateur"),
    "verdicts": _("Verdicts"),
    "contract_reference": _("Convention"),
    "signed_on": _("Signée le"),
    "kind": _("Nature"),
    "format": _("Format"),
    "filters": _("Filtres"),
    "ticked": _("Dossiers cochés"),
    "file": _("Fichier"),
    "replaced": _("Remplace un jeton"),
    "report": _("Rapport"),
    "archive": _("PDF/A"),
}


def _value(value) -> str:
    if isinstance(value, bool):
        return str(_("oui") if value else _("non"))
    if isinstance(value, list | tuple):
        return ", ".join(_value(item) for item in value)
    if isinstance(value, dict):
        return " ; ".join(f"{key} : {_value(item)}" for key, item in value.items())
    return str(value)


def _decorate(events, *, own_calls: set[int]) -> None:
    """What each row shows, worked out once: the instant in Paris (to the second), labels
    of the codes, a link to a dossier of the officer's calls, the details as pairs."""
    action_labels = dict(AuditAction.choices)
    for event in events:
        local = timezone.localtime(event.at, PARIS)
        event.at_label = formats.date_format(local, "SHORT_DATE_FORMAT") + local.strftime(
            " %H:%M:%S"
        )
        event.at_iso = local.isoformat()
        event.action_label = action_labels.get(event.action, event.action)
        event.subject_label = SUBJECT_LABELS.get(event.subject_type, event.subject_type)
        event.subject_url = (
            reverse("review:dossier", args=[event.subject_ref])
            if event.subject_type == "application" and event.call_id in own_calls
            else ""
        )
        event.detail_rows = [
            (DETAIL_LABELS.get(name, name), _value(value))
            for name, value in (event.details or {}).items()
        ]


@login_required
@require_GET
def journal(request):
    """The journal. Its queries are the same in number whatever the number of events
    (tests/audit/test_journal.py pins them): the officer's authorities (none: 404), their
    calls (the filter's choices), the count, the page's rows with their calls."""
    authority_ids = list(authorities_of(request.user).values_list("pk", flat=True))
    if not authority_ids:
        raise Http404
    calls = list(
        Call.objects.filter(authority_id__in=authority_ids).order_by("-opens_at", "reference")
    )
    form = JournalFilterForm(request.GET or None, calls=calls)
    events = filter_events(
        events_visible_to(request.user, authority_ids=authority_ids), **form.filters()
    ).select_related("call")
    page = Paginator(events, PER_PAGE).get_page(request.GET.get("page"))
    _decorate(page.object_list, own_calls={call.pk for call in calls})
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/journal.html",
        {
            "form": form,
            "page_obj": page,
            "events": page.object_list,
            "query_without_page": query.urlencode(),
        },
    )
