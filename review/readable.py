"""A submitted version said readably, from its frozen JSON: labels instead of codes,
amounts as decimals, instants and days as dates, totals per partner. Read by the officer's
dossier page and by the dossier's PDF (``reporting.documents``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.urls import reverse

from applications.choices import CostCategory, FundingSource, IndicatorKind
from applications.models import Application, Attachment, Snapshot
from applications.selectors import eu_rate
from calls.models import DocumentType, Measure, Priority, TargetGroup
from partners.choices import COUNTRY_CHOICES, LegalType, PartnerRole

ZERO = Decimal("0.00")
COUNTRIES = dict(COUNTRY_CHOICES)


def _decimal(value) -> Decimal:
    try:
        return Decimal(str(value)) if value not in (None, "") else ZERO
    except InvalidOperation:
        return ZERO


def _instant(value) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def _day(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value or ""


@dataclass
class ReadablePartner:
    number: int
    role: str
    organisation: dict
    contact: dict
    commitment_signed_at: dt.datetime | None
    budget: list[dict] = field(default_factory=list)
    cofinancing: list[dict] = field(default_factory=list)

    @property
    def budget_total(self) -> Decimal:
        return sum((line["amount"] for line in self.budget), ZERO)

    @property
    def resources_total(self) -> Decimal:
        return sum((item["amount"] for item in self.cofinancing), ZERO)

    @property
    def eu_total(self) -> Decimal:
        return sum(
            (item["amount"] for item in self.cofinancing if item["source"] == FundingSource.EU),
            ZERO,
        )

    @property
    def eu_rate(self) -> Decimal | None:
        return eu_rate(self.eu_total, self.budget_total)


@dataclass
class ReadableDossier:
    """A snapshot's JSON said readably: labels instead of codes, amounts as decimals,
    totals computed from the lines."""

    data: dict
    identification: dict
    partners: list[ReadablePartner]
    work_packages: list[dict]
    indicators: list[dict]
    attachments: list[dict]

    @property
    def budget_total(self) -> Decimal:
        return sum((partner.budget_total for partner in self.partners), ZERO)

    @property
    def resources_total(self) -> Decimal:
        return sum((partner.resources_total for partner in self.partners), ZERO)

    @property
    def eu_total(self) -> Decimal:
        return sum((partner.eu_total for partner in self.partners), ZERO)

    @property
    def eu_rate(self) -> Decimal | None:
        return eu_rate(self.eu_total, self.budget_total)


def readable_dossier(application: Application, snapshot: Snapshot) -> ReadableDossier:
    """Four queries (priorities, target groups and measure named by their codes, document
    types) and one for the files still joined (to download those of this version)."""
    data = snapshot.data or {}
    call = application.call
    priorities = dict(
        Priority.objects.filter(
            programme_id=call.programme_id, code__in=data.get("priorities", [])
        ).values_list("code", "name")
    )
    groups = dict(
        TargetGroup.objects.filter(
            programme_id=call.programme_id, code__in=data.get("target_groups", [])
        ).values_list("code", "name")
    )
    measure = (
        Measure.objects.filter(calls=call, code=data["measure"])
        .values_list("name", flat=True)
        .first()
        if data.get("measure")
        else None
    )
    identification = {
        "reference": data.get("reference", ""),
        "call": data.get("call", ""),
        "measure": f"{data['measure']} — {measure}" if measure else data.get("measure"),
        "acronym": data.get("acronym", ""),
        "title": data.get("title", ""),
        "summary": data.get("summary", ""),
        "context": data.get("context", ""),
        "objectives": data.get("objectives", ""),
        "cross_border_added_value": data.get("cross_border_added_value", ""),
        "start_date": _day(data.get("start_date")),
        "end_date": _day(data.get("end_date")),
        "duration_months": data.get("duration_months"),
        "lump_sum": _decimal(data["lump_sum"]) if data.get("lump_sum") else None,
        "priorities": [priorities.get(code, code) for code in data.get("priorities", [])],
        "target_groups": [groups.get(code, code) for code in data.get("target_groups", [])],
    }
    partners = []
    for item in data.get("partners", []):
        organisation = dict(item.get("organisation", {}))
        organisation["country_label"] = COUNTRIES.get(
            organisation.get("country"), organisation.get("country", "")
        )
        organisation["legal_type_label"] = _label(LegalType, organisation.get("legal_type"))
        partners.append(
            ReadablePartner(
                number=item.get("number"),
                role=_label(PartnerRole, item.get("role")),
                organisation=organisation,
                contact=item.get("contact", {}),
                commitment_signed_at=_instant(item.get("commitment_signed_at")),
                budget=[
                    {
                        **line,
                        "category": _label(CostCategory, line.get("cost_category")),
                        "amount": _decimal(line.get("amount")),
                    }
                    for line in item.get("budget", [])
                ],
                cofinancing=[
                    {
                        **resource,
                        "source_label": _label(FundingSource, resource.get("source")),
                        "amount": _decimal(resource.get("amount")),
                    }
                    for resource in item.get("cofinancing", [])
                ],
            )
        )
    indicators = [
        {
            **indicator,
            "kind_label": _label(IndicatorKind, indicator.get("kind")),
            "target_value": _decimal(indicator.get("target_value")),
        }
        for indicator in data.get("indicators", [])
    ]
    types = dict(
        DocumentType.objects.filter(
            code__in={a.get("document_type") for a in data.get("attachments", [])}
        ).values_list("code", "name")
    )
    # A file of this version can be downloaded while the same file (same fingerprint and
    # name) is still joined to the dossier.
    joined = {
        (sha256, name): pk
        for pk, sha256, name in Attachment.objects.filter(application=application).values_list(
            "pk", "sha256", "original_name"
        )
    }
    attachments = []
    for attachment in data.get("attachments", []):
        pk = joined.get((attachment.get("sha256"), attachment.get("name")))
        attachments.append(
            {
                **attachment,
                "type_label": types.get(
                    attachment.get("document_type"), attachment.get("document_type")
                ),
                "url": reverse("applications:attachment_download", args=[application.reference, pk])
                if pk
                else None,
            }
        )
    return ReadableDossier(
        data=data,
        identification=identification,
        partners=partners,
        work_packages=data.get("work_packages", []),
        indicators=indicators,
        attachments=attachments,
    )
