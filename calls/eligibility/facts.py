"""What the rules read from a dossier, loaded with a constant number of queries.

:func:`load_facts` takes a queryset of applications (one dossier or ten thousand) and runs
the same twelve queries whatever its size (five when its calls' facts
are already in the process's cache): the batch is narrowed by a subquery, never by a
list of ids, and every read uses ``values_list`` so that no model instance is built. The
rules then run on these frozen dataclasses in pure Python.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import BigIntegerField, CharField, QuerySet, Sum, Value
from django.db.models.functions import Cast

from applications.choices import FundingSource
from applications.models import Application, Attachment, BudgetLine, Cofinancing, months_between
from partners.choices import PartnerRole
from partners.models import Partner
from partners.validators import (
    validate_be_enterprise_number,
    validate_oid,
    validate_pic,
    validate_siren,
    validate_siret,
    validate_vat,
)

from ..models import Call, CallLumpSum, DocumentType, EligibilityRule

ZERO = Decimal("0.00")
LITERAL_IDS_UP_TO = 500


@dataclass(frozen=True)
class PartnerFacts:
    """One organisation of the consortium, with its totals."""

    id: int
    number: int
    role: str
    organisation_id: int
    name: str
    legal_type: str
    country: str
    nuts_code: str
    identifier: str  # the national identifier's name ("SIRET") or "" when it has none valid
    commitment_signed: bool
    budget: Decimal
    resources: dict[str, Decimal]

    @property
    def is_lead(self) -> bool:
        return self.role == PartnerRole.LEAD

    @property
    def is_associated(self) -> bool:
        return self.role == PartnerRole.ASSOCIATED

    @property
    def eu(self) -> Decimal:
        return self.resources.get(FundingSource.EU, ZERO)

    @property
    def own_funds(self) -> Decimal:
        return self.resources.get(FundingSource.OWN_FUNDS, ZERO)


@dataclass(frozen=True)
class RuleSpec:
    """An active rule of a call with its parameters already checked and parsed."""

    id: int
    kind: str
    severity: str
    position: int
    explanation: str
    parameters: dict


@dataclass(frozen=True)
class CallFacts:
    id: int
    reference: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    cost_model: str
    max_cofinancing_rate: Decimal
    max_grant: Decimal | None
    lump_sums: tuple[Decimal, ...]
    priority_ids: frozenset[int]
    target_group_ids: frozenset[int]
    required_documents: tuple[str, ...]  # codes of the document types the call requires
    document_types: dict[str, tuple[str, bool]]  # every type: code -> (name, per partner)
    rules: tuple[RuleSpec, ...]


@dataclass(frozen=True)
class DossierFacts:
    """Everything the rules read from one dossier."""

    id: int
    reference: str
    status: str
    call: CallFacts
    start_date: dt.date | None
    end_date: dt.date | None
    lump_sum: Decimal | None
    submitted_at: dt.datetime | None
    partners: tuple[PartnerFacts, ...]
    priority_ids: frozenset[int]
    target_group_ids: frozenset[int]
    attachments: frozenset[tuple[str, int | None]] = field(default_factory=frozenset)

    @property
    def lead(self) -> PartnerFacts | None:
        return next((partner for partner in self.partners if partner.is_lead), None)

    @property
    def duration_months(self) -> int | None:
        if self.start_date is None or self.end_date is None or self.end_date < self.start_date:
            return None
        return months_between(self.start_date, self.end_date)

    @property
    def total_cost(self) -> Decimal:
        return sum((partner.budget for partner in self.partners), ZERO)

    @property
    def eu_total(self) -> Decimal:
        return sum((partner.eu for partner in self.partners), ZERO)

    @property
    def own_funds_total(self) -> Decimal:
        return sum((partner.own_funds for partner in self.partners), ZERO)


_IDENTIFIERS_BY_COUNTRY = {
    "FR": (("siret", "SIRET", validate_siret), ("siren", "SIREN", validate_siren)),
    "BE": (("enterprise_number", "BCE/KBO", validate_be_enterprise_number),),
}
_OTHER_IDENTIFIERS = (
    ("vat_number", "TVA", validate_vat),
    ("pic", "PIC", validate_pic),
    ("oid", "OID", validate_oid),
)


def valid_identifier(country: str, values: dict[str, str]) -> str:
    """The name of the first valid identifier of an organisation of ``country`` (its
    national register's in France and Belgium; VAT, PIC or OID elsewhere), or ""."""
    for attribute, name, validator in _IDENTIFIERS_BY_COUNTRY.get(country, _OTHER_IDENTIFIERS):
        value = values.get(attribute) or ""
        if not value:
            continue
        try:
            validator(value)
        except ValidationError:
            continue
        return name
    return ""


# Call facts per process, keyed by call id with the call's ``updated_at`` as the stamp:
# every change to a call's rules, lump sums or lists touches the call (calls/signals.py),
# so a stale entry is never used, in this process or another.
_CALL_CACHE: dict[int, tuple[dt.datetime, CallFacts]] = {}


def clear_call_cache() -> None:
    _CALL_CACHE.clear()


def _cached_call_facts(stamps: dict[int, dt.datetime], rule_parser) -> dict[int, CallFacts]:
    """The facts of the calls, loaded only for those whose stamp is not cached."""
    found = {}
    for call_id, stamp in stamps.items():
        entry = _CALL_CACHE.get(call_id)
        if entry is not None and entry[0] == stamp:
            found[call_id] = entry[1]
    missing = set(stamps) - set(found)
    if missing:
        loaded = _call_facts(missing, rule_parser)
        for call_id, facts in loaded.items():
            _CALL_CACHE[call_id] = (stamps[call_id], facts)
        found.update(loaded)
    return found


def _call_facts(call_ids, rule_parser) -> dict[int, CallFacts]:
    """Calls of the batch with their rules, lump sums, priority and target-group lists,
    required documents and the document types' names: seven queries whatever the number
    of calls."""
    rules: dict[int, list[RuleSpec]] = defaultdict(list)
    for rule_id, call_id, kind, severity, position, explanation, parameters in (
        EligibilityRule.objects.filter(call__in=call_ids, is_active=True)
        .order_by("position", "id")
        .values_list("id", "call_id", "kind", "severity", "position", "explanation", "parameters")
    ):
        rules[call_id].append(
            RuleSpec(
                id=rule_id,
                kind=kind,
                severity=severity,
                position=position,
                explanation=explanation,
                parameters=rule_parser(kind, parameters),
            )
        )
    lump_sums: dict[int, list[Decimal]] = defaultdict(list)
    for call_id, amount in CallLumpSum.objects.filter(call__in=call_ids).values_list(
        "call_id", "amount"
    ):
        lump_sums[call_id].append(amount)
    priorities: dict[int, set[int]] = defaultdict(set)
    for call_id, priority_id in Call.priorities.through.objects.filter(
        call__in=call_ids
    ).values_list("call_id", "priority_id"):
        priorities[call_id].add(priority_id)
    target_groups: dict[int, set[int]] = defaultdict(set)
    for call_id, group_id in Call.target_groups.through.objects.filter(
        call__in=call_ids
    ).values_list("call_id", "targetgroup_id"):
        target_groups[call_id].add(group_id)
    documents: dict[int, list[str]] = defaultdict(list)
    for call_id, code in (
        Call.required_document_types.through.objects.filter(call__in=call_ids)
        .order_by("documenttype__name")
        .values_list("call_id", "documenttype__code")
    ):
        documents[call_id].append(code)
    document_types = {
        code: (name, per_partner)
        for code, name, per_partner in DocumentType.objects.values_list(
            "code", "name", "per_partner"
        )
    }
    return {
        call_id: CallFacts(
            id=call_id,
            reference=reference,
            opens_at=opens_at,
            closes_at=closes_at,
            cost_model=cost_model,
            max_cofinancing_rate=rate,
            max_grant=max_grant,
            lump_sums=tuple(sorted(lump_sums[call_id])),
            priority_ids=frozenset(priorities[call_id]),
            target_group_ids=frozenset(target_groups[call_id]),
            required_documents=tuple(documents[call_id]),
            document_types=document_types,
            rules=tuple(rules[call_id]),
        )
        for call_id, reference, opens_at, closes_at, cost_model, rate, max_grant in (
            Call.objects.filter(pk__in=call_ids).values_list(
                "id",
                "reference",
                "opens_at",
                "closes_at",
                "cost_model",
                "max_cofinancing_rate",
                "max_grant",
            )
        )
    }


def load_facts(applications: QuerySet[Application], *, rule_parser) -> list[DossierFacts]:
    """The facts of every application of the queryset, in its order. Twelve queries
    whatever the number of applications (and of calls among them)."""
    # The batch narrows every query as a subquery; a page sliced from a list keeps its order.
    rows = list(
        applications.values_list(
            "id",
            "reference",
            "status",
            "call_id",
            "start_date",
            "end_date",
            "lump_sum",
            "submitted_at",
            "call__updated_at",
        )
    )
    # The next reads are narrowed by the dossiers' ids when there are few (index lookups, the
    # checklist of one dossier), by the queryset as a subquery when there are many (no
    # thousands of parameters). A page sliced from a list keeps its order either way.
    if len(rows) <= LITERAL_IDS_UP_TO:
        selection = [row[0] for row in rows]
    elif applications.query.is_sliced:
        selection = applications.values("pk")
    else:
        selection = applications.order_by().values("pk")
    calls = _cached_call_facts({row[3]: row[8] for row in rows}, rule_parser)

    budgets = dict(
        BudgetLine.objects.filter(partner__application__in=selection)
        .order_by()
        .values("partner")
        .annotate(total=Sum("amount"))
        .values_list("partner", "total")
    )
    resources: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for partner_id, source, total in (
        Cofinancing.objects.filter(partner__application__in=selection)
        .order_by()
        .values("partner", "source")
        .annotate(total=Sum("amount"))
        .values_list("partner", "source", "total")
    ):
        resources[partner_id][source] = total

    partners: dict[int, list[PartnerFacts]] = defaultdict(list)
    identified: dict[int, str] = {}  # check digits checked once per organisation
    for (
        partner_id,
        application_id,
        number,
        role,
        signed_at,
        organisation_id,
        name,
        legal_type,
        country,
        nuts_code,
        siret,
        siren,
        enterprise_number,
        vat_number,
        pic,
        oid,
    ) in (
        Partner.objects.filter(application__in=selection)
        .order_by("application_id", "number")
        .values_list(
            "id",
            "application_id",
            "number",
            "role",
            "commitment_signed_at",
            "organisation_id",
            "organisation__legal_name",
            "organisation__legal_type",
            "organisation__country",
            "organisation__nuts_code",
            "organisation__siret",
            "organisation__siren",
            "organisation__enterprise_number",
            "organisation__vat_number",
            "organisation__pic",
            "organisation__oid",
        )
    ):
        if organisation_id not in identified:
            identified[organisation_id] = valid_identifier(
                country,
                {
                    "siret": siret,
                    "siren": siren,
                    "enterprise_number": enterprise_number,
                    "vat_number": vat_number,
                    "pic": pic,
                    "oid": oid,
                },
            )
        partners[application_id].append(
            PartnerFacts(
                id=partner_id,
                number=number,
                role=role,
                organisation_id=organisation_id,
                name=name,
                legal_type=legal_type,
                country=country,
                nuts_code=nuts_code,
                identifier=identified[organisation_id],
                commitment_signed=signed_at is not None,
                budget=budgets.get(partner_id, ZERO),
                resources=resources.get(partner_id, {}),
            )
        )

    # The dossier's choices and attachments in one query: a UNION of three reads, each row
    # tagged with what it is.
    chosen_priorities: dict[int, set[int]] = defaultdict(set)
    chosen_groups: dict[int, set[int]] = defaultdict(set)
    attachments: dict[int, set[tuple[str, int | None]]] = defaultdict(set)
    text = CharField()
    priorities_read = (
        Application.priorities.through.objects.filter(application__in=selection)
        .order_by()
        .values_list(
            Value("p", output_field=text),
            "application_id",
            Cast("priority_id", text),
            Cast(Value(None), output_field=BigIntegerField()),
        )
    )
    groups_read = (
        Application.target_groups.through.objects.filter(application__in=selection)
        .order_by()
        .values_list(
            Value("g", output_field=text),
            "application_id",
            Cast("targetgroup_id", text),
            Cast(Value(None), output_field=BigIntegerField()),
        )
    )
    attachments_read = (
        Attachment.objects.filter(application__in=selection)
        .order_by()
        .values_list(
            Value("a", output_field=text), "application_id", "document_type__code", "partner_id"
        )
    )
    for tag, application_id, value, partner_id in priorities_read.union(
        groups_read, attachments_read, all=True
    ):
        if tag == "p":
            chosen_priorities[application_id].add(int(value))
        elif tag == "g":
            chosen_groups[application_id].add(int(value))
        else:
            attachments[application_id].add((value, partner_id))

    return [
        DossierFacts(
            id=application_id,
            reference=reference,
            status=status,
            call=calls[call_id],
            start_date=start_date,
            end_date=end_date,
            lump_sum=lump_sum,
            submitted_at=submitted_at,
            partners=tuple(partners[application_id]),
            priority_ids=frozenset(chosen_priorities[application_id]),
            target_group_ids=frozenset(chosen_groups[application_id]),
            attachments=frozenset(attachments[application_id]),
        )
        for (
            application_id,
            reference,
            status,
            call_id,
            start_date,
            end_date,
            lump_sum,
            submitted_at,
            _call_stamp,
        ) in rows
    ]
