"""Exports: the rules every spreadsheet export follows (a text a spreadsheet would take for
a formula is escaped, amounts keep their cents), and the public list of operations that EU
rules require (Regulation (EU) 2021/1060, art. 49(3)): its selection, filters, date of last
change and CSV lines.

The public list holds every operation selected and beyond (selected, contracted, in
progress, closed), never a dossier that was not selected, one row each. It is read by
anyone, without login, at ``reporting:public_operations_csv``.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import F, FilteredRelation, Max, Prefetch, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from applications.choices import ApplicationStatus
from applications.models import Application
from calls.models import Fund, Programme
from partners.choices import COUNTRY_CHOICES, PartnerRole
from partners.models import Partner

S = ApplicationStatus

# --- the rules of every export -----------------------------------------------------------

# What a spreadsheet may read as the start of a formula (or of a DDE payload).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Amounts in an XLSX: real numbers shown with their cents and the euro sign. The sign is
# quoted: a number format's literal characters other than a few ($, -, +, space...) must be.
XLSX_MONEY_FORMAT = '#,##0.00 "€"'
XLSX_DATETIME_FORMAT = "DD/MM/YYYY HH:MM"
# Deadlines and submissions are instants of the authorities' clock (Paris and Brussels).
PARIS = ZoneInfo(settings.TIME_ZONE)


def looks_like_formula(value: str) -> bool:
    """Whether a spreadsheet would take this text for a formula."""
    return (value or "")[:1] in FORMULA_STARTS


def _text(value: str | None) -> str:
    """A CSV text cell that a spreadsheet will not take for a formula (a leading quote)."""
    value = value or ""
    return f"'{value}" if looks_like_formula(value) else value


def _amount(value: Decimal | None) -> str:
    """An amount as French Excel reads it: no thousands separator, a decimal comma."""
    if value is None:
        return ""
    return f"{value:.2f}".replace(".", ",")


def xlsx_cell(sheet, value, *, number_format: str | None = None) -> WriteOnlyCell:
    """A cell of a write-only ``sheet``: a text is always stored as text, never as a
    formula, and one a spreadsheet would take for a formula keeps Excel's quote prefix (it
    stays text when edited); characters XML cannot hold are dropped. Decimals are stored
    with their digits (no float on the way); an aware datetime as the local time of Paris
    (a spreadsheet has no time zones)."""
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell = WriteOnlyCell(sheet, value=None)
        cell.value = text
        cell.data_type = "s"  # never "f", whatever the text starts with
        if looks_like_formula(text):
            cell.quotePrefix = True
        return cell
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = value.astimezone(PARIS).replace(tzinfo=None)
    cell = WriteOnlyCell(sheet, value=value)
    if number_format:
        cell.number_format = number_format
    return cell


class _Echo:
    """A file-like object whose ``write`` returns the line: csv.writer then yields lines."""

    def write(self, value):
        return value


def csv_writer():
    """A writer of CSV lines for French Excel: ``;`` between cells."""
    return csv.writer(_Echo(), delimiter=";")


# --- the public list of operations -------------------------------------------------------

PUBLIC_STATUSES = (S.SELECTED, S.CONTRACTED, S.IN_PROGRESS, S.CLOSED)
SUMMARY_LIMIT = 500
COUNTRY_CODES = frozenset(code for code, _label in COUNTRY_CHOICES)
CENT = Decimal("0.01")
HUNDRED = Decimal("100")

# The columns of the public file: its header (in French, whatever the reader's language:
# the file's columns are an interface that scripts rely on) and what each holds (shown on
# the page that explains the file, in the reader's language).
PUBLIC_COLUMNS: tuple[tuple[str, str], ...] = (
    ("Bénéficiaire", _("Raison sociale de l'organisation chef de file.")),
    ("Pays du bénéficiaire", _("Pays du chef de file, code ISO 3166-1 à deux lettres (FR, BE…).")),
    ("Partenaires", _("Raisons sociales des autres bénéficiaires, séparées par « | ».")),
    ("Référence de l'opération", _("Référence du dossier sur le portail.")),
    ("Acronyme", _("Acronyme de l'opération.")),
    ("Intitulé", _("Intitulé de l'opération.")),
    (
        "Objet de l'opération",
        _("Résumé de l'opération, limité à 500 caractères (« … » s'il est coupé)."),
    ),
    ("Date de début", _("Date de début de l'opération (AAAA-MM-JJ).")),
    ("Date de fin", _("Date de fin prévue ou effective (AAAA-MM-JJ).")),
    ("Coût total (EUR)", _("Coût total de l'opération tel que déposé et instruit.")),
    ("Montant UE (EUR)", _("Montant de l'aide européenne accordé par la décision.")),
    (
        "Taux de cofinancement UE (%)",
        _("Montant UE divisé par le coût total, en pourcentage, à deux décimales."),
    ),
    ("Code postal", _("Code postal du chef de file (localisation de l'opération).")),
    ("Commune", _("Commune du chef de file.")),
    ("Code NUTS", _("Région du chef de file (nomenclature NUTS).")),
    ("Fonds", _("Fonds européen concerné.")),
    ("Programme", _("Programme qui finance l'opération.")),
    ("Code de la mesure", _("Mesure (ou objectif spécifique) du programme.")),
    ("Référence de l'appel", _("Appel à projets auquel l'opération a répondu.")),
    ("État", _("Retenu, Conventionné, En cours de réalisation ou Clôturé.")),
)
PUBLIC_HEADER = [name for name, _description in PUBLIC_COLUMNS]


class InvalidFilter(ValueError):
    """A filter of the public list that names nothing: the message says which and why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class OperationFilters:
    """The filters of the public list: a fund's code, a programme's code, the lead's
    country (ISO code). Empty: not applied."""

    fund: str = ""
    programme: str = ""
    country: str = ""


def operation_filters(query) -> OperationFilters:
    """The filters read from a query string (``fund``, ``programme``, ``country``), or
    ``InvalidFilter``. One query per fund or programme given (does it exist?); none
    otherwise. Other keys are ignored."""
    fund = (query.get("fund") or "").strip()
    programme = (query.get("programme") or "").strip()
    country = (query.get("country") or "").strip().upper()
    if fund and not Fund.objects.filter(code=fund).exists():
        raise InvalidFilter(
            f"Filtre « fund » non valide : aucun fonds n'a le code « {fund} ». "
            f"Les codes des fonds sont indiqués sur la page des données ouvertes."
        )
    if programme and not Programme.objects.filter(code=programme).exists():
        raise InvalidFilter(
            f"Filtre « programme » non valide : aucun programme n'a le code « {programme} ». "
            f"Les codes des programmes sont indiqués sur la page des données ouvertes."
        )
    if country and country not in COUNTRY_CODES:
        raise InvalidFilter(
            f"Filtre « country » non valide : « {country} » n'est pas un code de pays "
            f"à deux lettres connu du portail (par exemple FR ou BE)."
        )
    return OperationFilters(fund=fund, programme=programme, country=country)


def _filtered(queryset: QuerySet[Application], filters: OperationFilters | None):
    queryset = queryset.filter(status__in=PUBLIC_STATUSES)
    if filters is None:
        return queryset
    if filters.fund:
        queryset = queryset.filter(call__programme__fund__code=filters.fund)
    if filters.programme:
        queryset = queryset.filter(call__programme__code=filters.programme)
    if filters.country:
        led_from = Partner.objects.filter(
            role=PartnerRole.LEAD, organisation__country=filters.country
        ).values("application_id")
        queryset = queryset.filter(pk__in=led_from)
    return queryset


def public_operations(filters: OperationFilters | None = None) -> QuerySet[Application]:
    """The operations of the public list, by reference: two queries, whatever their number
    (the operations with their call, programme, fund, measure, lead, version under review
    and decision; their other beneficiaries)."""
    return (
        _filtered(Application.objects.all(), filters)
        .alias(lead=FilteredRelation("partners", condition=Q(partners__role=PartnerRole.LEAD)))
        .select_related("call__programme__fund", "measure")
        .only(
            "call",
            "call__programme",
            "call__programme__fund",
            "measure",
            "reference",
            "acronym",
            "title",
            "summary",
            "start_date",
            "end_date",
            "status",
            "call__reference",
            "call__programme__name",
            "call__programme__fund__short_name",
            "measure__code",
        )
        .annotate(
            lead_name=F("lead__organisation__legal_name"),
            lead_country=F("lead__organisation__country"),
            lead_postcode=F("lead__organisation__postcode"),
            lead_city=F("lead__organisation__city"),
            lead_nuts=F("lead__organisation__nuts_code"),
            total_cost=F("current_snapshot__total_budget"),
            eu_amount=F("decision__amount_granted"),
        )
        .prefetch_related(
            Prefetch(
                "partners",
                queryset=Partner.objects.filter(role=PartnerRole.PARTNER)
                .select_related("organisation")
                .only("application_id", "number", "organisation__legal_name")
                .order_by("number"),
                to_attr="beneficiary_partners",
            )
        )
        .order_by("reference")
    )


def operations_last_modified(filters: OperationFilters | None = None) -> dt.datetime | None:
    """The latest change to what the public list shows (one query): a dossier's (status,
    dates, texts: ``Application.updated_at``), its decision's, its organisations' or its
    call's. None when the list is empty."""
    latest = (
        _filtered(Application.objects.all(), filters)
        .order_by()
        .aggregate(
            application=Max("updated_at"),
            decision=Max("decision__created_at"),
            organisation=Max("partners__organisation__updated_at"),
            call=Max("call__updated_at"),
        )
    )
    instants = [instant for instant in latest.values() if instant is not None]
    return max(instants) if instants else None


def cofinancing_rate(eu_amount: Decimal | None, total_cost: Decimal | None) -> Decimal | None:
    """The EU amount as a percentage of the total cost, to 2 decimals (half up)."""
    if eu_amount is None or not total_cost:
        return None
    return (eu_amount * HUNDRED / total_cost).quantize(CENT, rounding=ROUND_HALF_UP)


def purpose(summary: str) -> str:
    """The summary on one line, cut to ``SUMMARY_LIMIT`` characters (the last one "…")."""
    text = " ".join((summary or "").split())
    if len(text) > SUMMARY_LIMIT:
        return text[: SUMMARY_LIMIT - 1] + "…"
    return text


def operation_values(operation: Application, status_labels: dict[str, str]) -> list:
    """One operation's values in the order of ``PUBLIC_COLUMNS``: texts, dates, Decimals."""
    call = operation.call
    return [
        operation.lead_name or "",
        operation.lead_country or "",
        " | ".join(p.organisation.legal_name for p in operation.beneficiary_partners),
        operation.reference,
        operation.acronym,
        operation.title,
        purpose(operation.summary),
        operation.start_date,
        operation.end_date,
        operation.total_cost,
        operation.eu_amount,
        cofinancing_rate(operation.eu_amount, operation.total_cost),
        operation.lead_postcode or "",
        operation.lead_city or "",
        operation.lead_nuts or "",
        call.programme.fund.short_name,
        call.programme.name,
        operation.measure.code if operation.measure else "",
        call.reference,
        status_labels.get(operation.status, operation.status),
    ]


def csv_value(value) -> str:
    """A value as a cell of a French CSV: texts escaped, Decimals with a decimal comma,
    dates in ISO 8601."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return _amount(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return _text(str(value))


def operation_csv_lines(operations: Iterable[Application]) -> Iterator[str]:
    """The public list as CSV lines for Excel: a byte order mark, the French header, one
    line per operation."""
    writer = csv_writer()
    with translation.override("fr"):
        status_labels = {value: str(label) for value, label in S.choices}
    yield "\ufeff"
    yield writer.writerow(PUBLIC_HEADER)
    for operation in operations:
        yield writer.writerow([csv_value(v) for v in operation_values(operation, status_labels)])
