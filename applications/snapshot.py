"""The whole dossier as plain data, frozen at submission, and its fingerprint.

The data is JSON with a stable shape and order (amounts as decimal strings, dates in ISO
format), so the same dossier always gives the same sha256 and a PDF or an officer's page
can show exactly what was submitted.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal

from django.db.models import Prefetch

from partners.models import Partner

from .choices import FrozenVerdict, FundingSource
from .models import Application, WorkPackage

ZERO = Decimal("0.00")


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def dossier_as_data(application: Application) -> dict:
    """Everything the applicant filled in, as plain data. A constant number of queries."""
    application = (
        Application.objects.select_related("call", "measure")
        .prefetch_related(
            Prefetch(
                "partners",
                queryset=Partner.objects.select_related("organisation")
                .prefetch_related("budget_lines", "cofinancings")
                .order_by("number"),
            ),
            Prefetch(
                "work_packages",
                queryset=WorkPackage.objects.select_related("lead_partner")
                .prefetch_related("activities", "deliverables")
                .order_by("number"),
            ),
            "indicators",
            "attachments__document_type",
            "priorities",
            "target_groups",
        )
        .get(pk=application.pk)
    )
    partner_numbers = {partner.pk: partner.number for partner in application.partners.all()}
    package_numbers = {package.pk: package.number for package in application.work_packages.all()}
    organisation_fields = (
        "legal_name", "acronym", "legal_type", "country", "nuts_code", "street", "postcode",
        "city", "email", "phone", "website", "siret", "siren", "enterprise_number", "vat_number",
        "pic", "oid",
    )  # fmt: skip
    return {
        "reference": application.reference,
        "call": application.call.reference,
        "measure": application.measure.code if application.measure else None,
        "acronym": application.acronym,
        "title": application.title,
        "summary": application.summary,
        "context": application.context,
        "objectives": application.objectives,
        "cross_border_added_value": application.cross_border_added_value,
        "start_date": _plain(application.start_date),
        "end_date": _plain(application.end_date),
        "duration_months": application.duration_months,
        "lump_sum": _plain(application.lump_sum),
        "priorities": sorted(priority.code for priority in application.priorities.all()),
        "target_groups": sorted(group.code for group in application.target_groups.all()),
        "partners": [
            {
                "number": partner.number,
                "role": partner.role,
                "organisation": {
                    name: _plain(getattr(partner.organisation, name))
                    for name in organisation_fields
                },
                "contact": {
                    "name": partner.contact_name,
                    "email": partner.contact_email,
                    "phone": partner.contact_phone,
                },
                "commitment_signed_at": _plain(partner.commitment_signed_at),
                "budget": [
                    {
                        "cost_category": line.cost_category,
                        "year": line.year,
                        "work_package": package_numbers.get(line.work_package_id),
                        "description": line.description,
                        "amount": _plain(line.amount),
                    }
                    for line in sorted(
                        partner.budget_lines.all(),
                        key=lambda row: (row.year, row.cost_category, row.pk),
                    )
                ],
                "cofinancing": [
                    {
                        "source": item.source,
                        "funder": item.funder,
                        "amount": _plain(item.amount),
                        "is_secured": item.is_secured,
                    }
                    for item in sorted(partner.cofinancings.all(), key=lambda c: (c.source, c.pk))
                ],
            }
            for partner in application.partners.all()
        ],
        "work_packages": [
            {
                "number": package.number,
                "title": package.title,
                "description": package.description,
                "lead_partner": package.lead_partner.number if package.lead_partner else None,
                "start_month": package.start_month,
                "end_month": package.end_month,
                "activities": [
                    {
                        "title": activity.title,
                        "description": activity.description,
                        "start_month": activity.start_month,
                        "end_month": activity.end_month,
                    }
                    for activity in package.activities.all()
                ],
                "deliverables": [
                    {
                        "title": deliverable.title,
                        "description": deliverable.description,
                        "due_month": deliverable.due_month,
                    }
                    for deliverable in package.deliverables.all()
                ],
            }
            for package in application.work_packages.all()
        ],
        "indicators": [
            {
                "code": indicator.code,
                "name": indicator.name,
                "kind": indicator.kind,
                "unit": indicator.unit,
                "target_value": _plain(indicator.target_value),
            }
            for indicator in sorted(application.indicators.all(), key=lambda i: (i.code, i.pk))
        ],
        "attachments": [
            {
                "document_type": attachment.document_type.code,
                "partner": partner_numbers.get(attachment.partner_id),
                "name": attachment.original_name,
                "content_type": attachment.content_type,
                "size": attachment.size,
                "sha256": attachment.sha256,
            }
            for attachment in sorted(
                application.attachments.all(), key=lambda a: (a.document_type.code, a.pk)
            )
        ],
    }


def fingerprint(data: dict) -> str:
    """The sha256 of the canonical JSON of ``data``: the same dossier, the same print."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def frozen_verdict(results: list[dict]) -> str:
    """The verdict of frozen eligibility results (``calls.eligibility.freeze``): ``fail``
    when a blocking rule failed, ``warning`` when a rule warned or failed without blocking,
    ``pass`` otherwise (no rule included): the engine's ``Outcome.verdict``, read back."""
    if any(item["status"] == "fail" and item["blocking"] for item in results):
        return FrozenVerdict.FAIL
    if any(item["status"] in ("warning", "fail") for item in results):
        return FrozenVerdict.WARNING
    return FrozenVerdict.PASS


def frozen_totals(data: dict, *, lump_sum_call: bool) -> tuple[Decimal, Decimal]:
    """The total budget and the EU amount requested of a frozen dossier: its lump sum on a
    lump-sum call (both), else the sum of its partners' budget lines and of their EU
    co-financing."""
    if lump_sum_call:
        amount = Decimal(data["lump_sum"]) if data.get("lump_sum") else ZERO
        return amount, amount
    partners = data.get("partners", [])
    budget = sum(
        (Decimal(line["amount"]) for partner in partners for line in partner.get("budget", [])),
        ZERO,
    )
    eu = sum(
        (
            Decimal(item["amount"])
            for partner in partners
            for item in partner.get("cofinancing", [])
            if item.get("source") == FundingSource.EU
        ),
        ZERO,
    )
    return budget, eu
