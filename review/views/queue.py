"""The officers' queue: every dossier of their authorities' calls, filtered, sorted and
paged; counts per status; bulk assignment of assessors; the selection as CSV or XLSX.

Only an active officer sees it: anyone else gets a 404 (the page does not exist for them),
a visitor the login page. Rows, counts and exports all start from
``review.permissions.applications_for_officer``.
"""

from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from applications.choices import ApplicationStatus
from applications.services import ServiceRefused
from applications.workflow import TransitionError
from audit import services as audit
from calls.templatetags.portal_format import money, paris_datetime
from partners.choices import COUNTRY_CHOICES, LegalType
from reporting.exports import (
    XLSX_DATETIME_FORMAT,
    XLSX_MONEY_FORMAT,
    _amount,
    _text,
    csv_writer,
    xlsx_cell,
)

from .. import selectors
from ..assignment import assessments_assign
from ..forms import QUEUE_STATUSES, BulkAssignForm, QueueFilterSet
from ..permissions import is_officer

STATUS_CONFLICT = 409
SORTS = ("reference", "submitted_at", "status", "budget", "lead")
VERDICT_LABELS = dict(selectors.VERDICT_CHOICES)
COUNTRY_LABELS = dict(COUNTRY_CHOICES)
LEGAL_TYPE_LABELS = dict(LegalType.choices)
VERDICT_BADGES = {"fail": "blocking", "warning": "warning", "pass": "open"}
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _officer_or_404(request) -> None:
    if not is_officer(request.user):
        raise Http404


class CountedPaginator(Paginator):
    """A paginator told its count: the queue knows it from its counts per status, which
    saves a second pass of the filters over the officer's dossiers."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self.__dict__["count"] = count


def _query(request, **changes) -> str:
    """The current query string with ``changes`` (a None value removes the key)."""
    query = request.GET.copy()
    for key, value in changes.items():
        query.pop(key, None)
        if value is not None:
            query[key] = value
    return f"?{query.urlencode()}"


def _sort_links(request, current: list[str]) -> dict[str, dict]:
    """For each sortable column: the address that sorts by it (ascending first, then the
    other way when it is already the sort) and its ``aria-sort`` state."""
    first = current[0] if current else "-submitted_at"
    links = {}
    for key in SORTS:
        if first == key:
            ordering, state = f"-{key}", "ascending"
        elif first == f"-{key}":
            ordering, state = key, "descending"
        else:
            ordering, state = key, None
        links[key] = {"url": _query(request, page=None, ordering=ordering), "state": state}
    return links


def _decorate(rows) -> None:
    """What each row shows, worked out once here rather than through template filters (a
    page of 100 rows is rendered faster): its link, labels of its codes, its instant and
    amounts in the reader's language."""
    status_labels = {value: str(label) for value, label in ApplicationStatus.choices}
    verdict_labels = {value: str(label) for value, label in VERDICT_LABELS.items()}
    for row in rows:
        row.url = reverse("review:dossier", args=[row.reference])
        row.select_label = _("Sélectionner le dossier %(reference)s") % {"reference": row.reference}
        row.status_label = status_labels.get(row.status, row.status)
        row.lead_country_label = COUNTRY_LABELS.get(row.lead_country, row.lead_country or "")
        row.lead_legal_type_label = LEGAL_TYPE_LABELS.get(row.lead_legal_type, "")
        row.verdict_label = verdict_labels.get(row.frozen_verdict, "")
        row.verdict_class = VERDICT_BADGES.get(row.frozen_verdict, "")
        row.submitted_iso = row.submitted_at.isoformat() if row.submitted_at else ""
        row.submitted_label = paris_datetime(row.submitted_at)
        row.budget_label = money(row.budget)
        row.eu_label = money(row.eu_amount)
        row.assessor_names = [
            assessment.assessor.get_full_name() or assessment.assessor.email
            for assessment in row.assessments.all()
        ]


@login_required
@require_GET
def queue(request):
    """The queue. Its queries are the same in number whatever the number of dossiers
    (tests/review/test_queue.py pins them): the officer's calls, measures and assessors
    (the filters' choices), the counts per status, the page's ids, its rows, their
    assessors."""
    _officer_or_404(request)
    filterset = QueueFilterSet(request.GET, user=request.user)
    counts = selectors.status_counts(filterset.qs_without("status"))
    status = filterset.form.cleaned_data.get("status")
    total = counts.get(status, 0) if status else sum(counts.values())
    paginator = CountedPaginator(
        filterset.qs.values_list("pk", flat=True), filterset.per_page, count=total
    )
    page = paginator.get_page(request.GET.get("page"))
    rows = selectors.queue_page_rows(request.user, list(page.object_list))
    _decorate(rows)

    status_links = [
        {
            "value": value,
            "label": label,
            "count": counts[value],
            "url": _query(request, page=None, status=value),
            "current": value == status,
        }
        for value, label in QUEUE_STATUSES
        if counts.get(value)
    ]
    page_query = request.GET.copy()
    page_query.pop("page", None)
    return render(
        request,
        "review/queue.html",
        {
            "filterset": filterset,
            "form": filterset.form,
            "page_obj": page,
            "rows": rows,
            "total": total,
            "all_count": sum(counts.values()),
            "status_links": status_links,
            "all_statuses_url": _query(request, page=None, status=None),
            "status": status,
            "sorts": _sort_links(request, filterset.form.cleaned_data.get("ordering") or []),
            "query_without_page": page_query.urlencode(),
            "assessors": filterset.assessors,
            "current_url": request.get_full_path(),
        },
    )


def _back(request) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("review:queue")


@login_required
@require_POST
def bulk_assign(request):
    """Assign the chosen assessors to the ticked dossiers, then back to the queue with
    what was done (and what was not, by reference)."""
    _officer_or_404(request)
    form = BulkAssignForm(request.POST, user=request.user)
    back = _back(request)
    if not form.is_valid():
        if form.refers_to_unknown_dossier:
            raise Http404
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return HttpResponseRedirect(back)
    try:
        result = assessments_assign(
            applications=form.cleaned_data["ids"],
            assessors=form.cleaned_data["assessors"],
            actor=request.user,
        )
    except ServiceRefused as refusal:
        messages.error(request, refusal.message)
        return HttpResponseRedirect(back)
    except TransitionError as error:
        if not error.conflict:
            raise
        return render(
            request,
            "review/_queue_conflict.html",
            {"message": error.message, "back": back},
            status=STATUS_CONFLICT,
        )
    if result.created:
        messages.success(
            request,
            ngettext(
                "%(count)d attribution enregistrée.",
                "%(count)d attributions enregistrées.",
                len(result.created),
            )
            % {"count": len(result.created)},
        )
    if result.existing:
        messages.info(
            request,
            ngettext(
                "%(count)d attribution existait déjà : elle est conservée telle quelle.",
                "%(count)d attributions existaient déjà : elles sont conservées telles quelles.",
                len(result.existing),
            )
            % {"count": len(result.existing)},
        )
    if result.skipped:
        messages.warning(
            request,
            _("Non attribués, car ni recevables ni en évaluation : %(references)s.")
            % {"references": ", ".join(a.reference for a in result.skipped)},
        )
    return HttpResponseRedirect(back)


# --- exports (CSV, XLSX) -----------------------------------------------------------------


def _export_rows(request):
    """The dossiers an export holds, with the columns of the queue's rows: those under the
    queue's filters and sort (GET), or only the ticked ones (``ids``, in the query string
    or posted by the queue's form: a POST keeps the CSRF token out of the address), in the
    queue's sort; never another authority's (the filter set starts from the officer's)."""
    filterset = QueueFilterSet(request.GET, user=request.user)
    given = (request.POST if request.method == "POST" else request.GET).getlist("ids")
    ids = [value for value in given if value.isdigit()]
    if given:
        filterset.errors  # noqa: B018
        queryset = filterset.filters["ordering"].filter(
            filterset.queryset.filter(pk__in=ids), filterset.form.cleaned_data.get("ordering")
        )
    else:
        queryset = filterset.qs
    return selectors.queue_rows(queryset)


def _export_header() -> list[str]:
    return [
        _("Référence"),
        _("Acronyme"),
        _("Intitulé"),
        _("Appel"),
        _("Mesure"),
        _("Chef de file"),
        _("Pays du chef de file"),
        _("Statut juridique du chef de file"),
        _("État"),
        _("Déposé le"),
        _("Budget total (EUR)"),
        _("Montant UE demandé (EUR)"),
        _("Éligibilité au dépôt"),
        _("Évaluateurs"),
    ]


# The XLSX columns' widths (in characters), in the order of the header.
XLSX_WIDTHS = (18, 14, 48, 18, 32, 36, 16, 30, 22, 17, 18, 18, 26, 36)


def _export_values(row, status_labels: dict) -> list:
    """A row's values in the order of the header: texts, the submission as an aware
    datetime, the amounts as Decimals (None when missing)."""
    assessors = [a.assessor.get_full_name() or a.assessor.email for a in row.assessments.all()]
    return [
        row.reference,
        row.acronym,
        row.title,
        row.call.reference,
        f"{row.measure.code} — {row.measure.name}" if row.measure else "",
        row.lead_name or "",
        str(COUNTRY_LABELS.get(row.lead_country, row.lead_country or "")),
        str(LEGAL_TYPE_LABELS.get(row.lead_legal_type, "")),
        str(status_labels.get(row.status, row.status)),
        row.submitted_at,
        row.budget,
        row.eu_amount,
        str(VERDICT_LABELS.get(row.frozen_verdict, "")),
        ", ".join(assessors),
    ]


def _export_filename(extension: str) -> str:
    return f"instruction-{timezone.localtime().strftime('%Y-%m-%d')}.{extension}"


@login_required
@require_http_methods(["GET", "POST"])
def export_csv(request):
    """The queue's selection (``_export_rows``) as CSV for Excel: UTF-8 with BOM, ``;``,
    decimal commas, texts that look like formulas escaped."""
    _officer_or_404(request)
    rows = _export_rows(request)
    audit.record_export(request=request, format="csv")
    status_labels = dict(ApplicationStatus.choices)
    writer = csv_writer()

    def cell(value) -> str:
        if value is None:
            return ""
        if isinstance(value, Decimal):
            return _amount(value)
        if isinstance(value, datetime):
            return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")
        return _text(value)

    def lines():
        yield "\ufeff"
        yield writer.writerow(_export_header())
        for row in rows.iterator(chunk_size=500):
            yield writer.writerow([cell(value) for value in _export_values(row, status_labels)])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_export_filename("csv")}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def export_xlsx(request):
    """The same selection, columns and header as ``export_csv``, as an Excel workbook built
    in write-only mode: amounts as numbers to the cent (Decimals) shown ``1 234,56 €``,
    the submission as a date and time of Paris, the header row frozen, columns sized,
    texts never formulas."""
    _officer_or_404(request)
    rows = _export_rows(request)
    audit.record_export(request=request, format="xlsx")
    status_labels = dict(ApplicationStatus.choices)

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Dossiers"))
    # A write-only sheet takes its view and columns before its first row.
    sheet.freeze_panes = "A2"
    for index, width in enumerate(XLSX_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    bold = Font(bold=True)
    header = []
    for title in _export_header():
        cell = xlsx_cell(sheet, str(title))
        cell.font = bold
        header.append(cell)
    sheet.append(header)

    def cell(value):
        if isinstance(value, Decimal):
            return xlsx_cell(sheet, value, number_format=XLSX_MONEY_FORMAT)
        if isinstance(value, datetime):
            return xlsx_cell(sheet, value, number_format=XLSX_DATETIME_FORMAT)
        return xlsx_cell(sheet, value)

    for row in rows.iterator(chunk_size=500):
        sheet.append([cell(value) for value in _export_values(row, status_labels)])

    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{_export_filename("xlsx")}"'
    return response
