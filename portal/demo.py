"""Loads the demo data set of ``fixtures/demo/``: organisations, logins, calls dated relative
to now, the PASS'EMPLOI project walked through the workflow with its progress report, and a
draft dossier.

Re-running it keeps what exists: organisations are found by their national identifier,
people by e-mail, dossiers by (call, acronym); calls are upserted by reference, so their
dates are refreshed and the demo calls stay open, upcoming or closed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import Permission
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from applications.choices import ApplicationStatus
from applications.models import (
    Application,
    BudgetLine,
    Cofinancing,
    Decision,
    Deliverable,
    Indicator,
    Snapshot,
    StatusChange,
    WorkPackage,
)
from applications.services import application_next_reference, snapshot_freeze
from applications.workflow import transition
from calls.eligibility import check_application, freeze
from calls.models import (
    AssessmentCriterion,
    Authority,
    AuthorityMember,
    Call,
    CallLumpSum,
    DocumentType,
    EligibilityRule,
    Measure,
    Priority,
    Programme,
    TargetGroup,
)
from calls.reference import (
    CREATED,
    UNCHANGED,
    DataFileError,
    Tally,
    as_lines,
    as_paragraphs,
    clean,
    create_once,
    read_json_files,
    upsert,
)
from partners.models import Membership, Organisation, Partner
from portal.models import User
from reporting.choices import ReportStatus
from reporting.models import (
    IndicatorProgress,
    ProgressReport,
    ReportStatusChange,
    WorkPackageProgress,
)
from reporting.workflow import report_transition

DEMO_DIR = Path(settings.BASE_DIR) / "fixtures" / "demo"
PARIS = ZoneInfo("Europe/Paris")


@dataclass
class DemoResult:
    tally: Tally
    password: str
    logins: list[tuple[str, str]] = field(default_factory=list)  # (label, e-mail)


def _sections(directory: Path) -> dict[str, Any]:
    merged: dict[str, Any] = {"organisations": [], "users": [], "calls": [], "applications": []}
    password = None
    for name, content in read_json_files(directory):
        for key, value in content.items():
            if key.startswith("_"):
                continue
            if key == "password":
                password = value
            elif key in merged:
                merged[key].extend(value)
            else:
                raise DataFileError(f"{name} : section inconnue « {key} »")
    if not password:
        raise DataFileError("Aucun mot de passe de démonstration (clé « password »)")
    merged["password"] = password
    return merged


def needed_programme_codes(directory: Path | None = None) -> set[str]:
    data = _sections(Path(directory or DEMO_DIR))
    return {call["programme"] for call in data["calls"]}


def _date(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


def _instant(spec: dict[str, Any], *, now: dt.datetime) -> dt.datetime:
    """``{"days": n, "time": "HH:MM"}`` (today in Paris + n days) or ``{"date": ..., "time":
    ...}``, as an aware datetime in Europe/Paris."""
    if "date" in spec:
        day = _date(spec["date"])
    else:
        day = timezone.localtime(now, PARIS).date() + dt.timedelta(days=spec["days"])
    at = dt.time.fromisoformat(spec.get("time", "00:00"))
    return dt.datetime.combine(day, at, tzinfo=PARIS)


def _noon(day: str) -> dt.datetime:
    return dt.datetime.combine(_date(day), dt.time(12, 0), tzinfo=PARIS)


# Django model permissions of the demo officers: they configure calls in the admin and read
# dossiers and reports.
def officer_permissions():
    configure = ["call", "calllumpsum", "eligibilityrule", "assessmentcriterion"]
    return Permission.objects.filter(
        Q(content_type__app_label="calls", codename__startswith="view_")
        | Q(content_type__app_label="calls", codename__startswith="change_")
        | Q(
            content_type__app_label="calls",
            codename__in=[f"{verb}_{model}" for verb in ("add", "delete") for model in configure],
        )
        | Q(content_type__app_label__in=["applications", "reporting"], codename__startswith="view_")
        | Q(content_type__app_label="partners", codename__startswith="view_")
    )


def _load_organisations(records, tally) -> dict[str, Organisation]:
    organisations = {}
    for record in records:
        values = {k: v for k, v in record.items() if not k.startswith("_") and k != "key"}
        if values.get("siret"):
            lookup = {"siret": values.pop("siret")}
        elif values.get("enterprise_number"):
            lookup = {"enterprise_number": values.pop("enterprise_number")}
        else:
            raise DataFileError(f"Organisation {record['key']} sans identifiant national")
        organisations[record["key"]], _ = create_once(
            Organisation, lookup=lookup, values=values, tally=tally
        )
    return organisations


def _load_users(records, *, organisations, password, tally) -> tuple[dict[str, User], list]:
    users, logins = {}, []
    permissions = None
    for record in records:
        email = record["email"].lower()
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            user = User(
                email=email,
                first_name=record.get("first_name", ""),
                last_name=record.get("last_name", ""),
                preferred_language=record.get("preferred_language", "fr"),
                is_staff=record.get("is_staff", False),
                is_superuser=record.get("is_superuser", False),
            )
            user.set_password(password)
            user.full_clean()
            user.save()
            tally.add(User, CREATED)
        else:
            tally.add(User, UNCHANGED)
        for membership in record.get("memberships", []):
            create_once(
                Membership,
                lookup={"user": user, "organisation": organisations[membership["organisation"]]},
                values={"role": membership["role"]},
                tally=tally,
            )
        for member in record.get("authorities", []):
            create_once(
                AuthorityMember,
                lookup={
                    "user": user,
                    "authority": Authority.objects.get(code=member["authority"]),
                    "role": member["role"],
                },
                values={},
                tally=tally,
            )
        if record.get("officer_permissions"):
            permissions = permissions if permissions is not None else list(officer_permissions())
            user.user_permissions.add(*permissions)
        users[email] = user
        logins.append((record["label"], email))
    return users, logins


def _match_codes(available: dict[str, Any], patterns: list[str]) -> list[Any]:
    chosen = []
    for code, obj in available.items():
        for pattern in patterns:
            if (
                pattern == "*"
                or code == pattern
                or (pattern.endswith("*") and code.startswith(pattern[:-1]))
            ):
                chosen.append(obj)
                break
    return chosen


_CALL_FIELDS = {
    "title",
    "summary",
    "budget_envelope",
    "cost_model",
    "max_cofinancing_rate",
    "min_duration_months",
    "max_duration_months",
    "max_grant",
    "min_total_score",
    "contact_email",
    "application_prefix",
}


def _load_call(record: dict[str, Any], *, now, tally) -> Call:
    programme = Programme.objects.get(code=record["programme"])
    decimals = {"budget_envelope", "max_cofinancing_rate", "max_grant", "min_total_score"}
    values = {
        name: (Decimal(record[name]) if name in decimals and record[name] is not None else value)
        for name, value in record.items()
        if name in _CALL_FIELDS
    }
    values.setdefault("min_duration_months", None)
    values.setdefault("max_duration_months", None)
    call = upsert(
        Call,
        lookup={"reference": record["reference"]},
        values={
            **values,
            "programme": programme,
            "authority": Authority.objects.get(code=record["authority"]),
            "is_published": record.get("is_published", True),
            "opens_at": _instant(record["opens"], now=now),
            "closes_at": _instant(record["closes"], now=now),
        },
        tally=tally,
    )
    call.measures.set(
        [Measure.objects.get(axis__programme=programme, code=code) for code in record["measures"]]
    )
    priorities = {p.code: p for p in Priority.objects.filter(programme=programme)}
    call.priorities.set(_match_codes(priorities, record.get("priorities", [])))
    call.target_groups.set(
        [
            TargetGroup.objects.get(programme=programme, code=code)
            for code in record.get("target_groups", [])
        ]
    )
    call.required_document_types.set(
        [DocumentType.objects.get(code=code) for code in record.get("required_document_types", [])]
    )
    for amount in record.get("lump_sums", []):
        create_once(
            CallLumpSum, lookup={"call": call, "amount": Decimal(amount)}, values={}, tally=tally
        )
    for position, rule in enumerate(record.get("rules", []), start=1):
        upsert(
            EligibilityRule,
            lookup={"call": call, "position": position},
            values={
                "kind": rule["kind"],
                "parameters": rule.get("parameters", {}),
                "severity": rule.get("severity", "blocking"),
                "explanation": rule["explanation"],
                "is_active": True,
            },
            tally=tally,
        )
    for position, criterion in enumerate(record.get("criteria", []), start=1):
        threshold = criterion.get("threshold")
        upsert(
            AssessmentCriterion,
            lookup={"call": call, "code": criterion["code"]},
            values={
                "position": position,
                "name": criterion["name"],
                "description": criterion.get("description", ""),
                "max_score": Decimal(criterion["max_score"]),
                "threshold": Decimal(threshold) if threshold is not None else None,
            },
            tally=tally,
        )
    return call


def _resolve_date(spec, *, call: Call) -> dt.date:
    """An ISO date, or ``{"years_after_call_closes": n, "month": m, "day": d}``."""
    if isinstance(spec, str):
        return _date(spec)
    year = timezone.localtime(call.closes_at, PARIS).year + spec["years_after_call_closes"]
    return dt.date(year, spec["month"], spec["day"])


def _check_totals(record: dict[str, Any]) -> None:
    """The budget lines add up to the declared total, and each partner's financing plan to
    its budget: a typo in the data file fails the load instead of showing a wrong total."""
    lines = record.get("budget_lines", [])
    total = sum((Decimal(line["amount"]) for line in lines), Decimal("0"))
    if total != Decimal(record["total_budget"]):
        raise DataFileError(
            f"{record['acronym']} : les lignes budgétaires totalisent {total}, "
            f"pas {record['total_budget']}"
        )
    for partner in record["partners"]:
        number = partner["number"]
        budget = sum(
            (Decimal(line["amount"]) for line in lines if line["partner"] == number),
            Decimal("0"),
        )
        financing = sum(
            (Decimal(c["amount"]) for c in record.get("cofinancing", []) if c["partner"] == number),
            Decimal("0"),
        )
        if budget != financing:
            raise DataFileError(
                f"{record['acronym']} : le partenaire {number} a un budget de {budget} "
                f"et un plan de financement de {financing}"
            )


def _load_application(record, *, calls, organisations, users, tally) -> Application:
    call = calls[record["call"]]
    existing = Application.objects.filter(call=call, acronym=record["acronym"]).first()
    if existing is not None:
        tally.add(Application, UNCHANGED)
        return existing
    _check_totals(record)
    programme = call.programme
    start = _resolve_date(record["start_date"], call=call)
    application = Application(
        call=call,
        measure=Measure.objects.get(axis__programme=programme, code=record["measure"]),
        reference=application_next_reference(call=call),
        acronym=record["acronym"],
        title=record["title"],
        summary=as_paragraphs(record.get("summary", "")),
        context=as_paragraphs(record.get("context", "")),
        objectives=as_lines(record.get("objectives", "")),
        cross_border_added_value=record.get("cross_border_added_value", ""),
        start_date=start,
        end_date=_resolve_date(record["end_date"], call=call),
        created_by=users[record["created_by"]],
    )
    clean(application)
    application.save()
    tally.add(Application, CREATED)
    application.target_groups.set(
        [
            TargetGroup.objects.get(programme=programme, code=code)
            for code in record.get("target_groups", [])
        ]
    )

    def made(obj):
        clean(obj)
        obj.save()
        tally.add(type(obj), CREATED)
        return obj

    partners = {}
    for item in record["partners"]:
        signed_on = item.get("commitment_signed_on")
        partners[item["number"]] = made(
            Partner(
                application=application,
                organisation=organisations[item["organisation"]],
                role=item["role"],
                number=item["number"],
                contact_name=item.get("contact_name", ""),
                contact_email=item.get("contact_email", ""),
                commitment_signed_at=_noon(signed_on) if signed_on else None,
                commitment_signed_by=users.get(item.get("commitment_signed_by", "")),
            )
        )
    work_packages = {}
    for item in record.get("work_packages", []):
        wp = made(
            WorkPackage(
                application=application,
                number=item["number"],
                title=item["title"],
                description=item.get("description", ""),
                lead_partner=partners.get(item.get("lead_partner")),
                start_month=item["start_month"],
                end_month=item["end_month"],
            )
        )
        work_packages[item["number"]] = wp
        for position, deliverable in enumerate(item.get("deliverables", []), start=1):
            made(
                Deliverable(
                    work_package=wp,
                    position=position,
                    title=deliverable["title"],
                    due_month=deliverable["due_month"],
                )
            )
    for item in record.get("budget_lines", []):
        year = item["year"] if "year" in item else start.year + item["year_offset"]
        made(
            BudgetLine(
                partner=partners[item["partner"]],
                cost_category=item["category"],
                year=year,
                description=item.get("description", ""),
                amount=Decimal(item["amount"]),
            )
        )
    for item in record.get("cofinancing", []):
        made(
            Cofinancing(
                partner=partners[item["partner"]],
                source=item["source"],
                funder=item.get("funder", ""),
                amount=Decimal(item["amount"]),
                is_secured=item.get("is_secured", False),
            )
        )
    indicators = {}
    for item in record.get("indicators", []):
        indicators[item["code"]] = made(
            Indicator(
                application=application,
                code=item["code"],
                name=item["name"],
                kind=item.get("kind", "output"),
                unit=item.get("unit", ""),
                target_value=Decimal(item["target_value"]),
            )
        )

    # The status moves only through the workflow module, one StatusChange per step. The
    # decision is recorded when the dossier is selected, the convention before contracting.
    for step in record.get("workflow", []):
        if step["to"] == ApplicationStatus.CONTRACTED and record.get("contract"):
            Application.objects.filter(pk=application.pk).update(
                contract_reference=record["contract"]["reference"],
                contract_signed_on=_date(record["contract"]["signed_on"]),
            )
        at = _instant(step["at"], now=timezone.now()) if "at" in step else timezone.now()
        if step["to"] == ApplicationStatus.SUBMITTED:
            # Frozen as it was submitted, with the checklist as it stood that day: the
            # version the officers' pages and the dossier's PDF show.
            snapshot_freeze(
                application=application,
                results=freeze(check_application(application, at=at)),
                actor=users[step["actor"]],
                at=at,
            )
            tally.add(Snapshot, CREATED)
        transition(
            application=application,
            to_status=step["to"],
            actor=users[step["actor"]],
            comment=step.get("comment", ""),
            at=at,
        )
        tally.add(StatusChange, CREATED)
        if step["to"] == ApplicationStatus.SELECTED and record.get("decision"):
            decision = record["decision"]
            made(
                Decision(
                    application=application,
                    outcome=decision["outcome"],
                    amount_granted=Decimal(decision["amount_granted"]),
                    committee=decision.get("committee", ""),
                    decided_on=_date(decision["decided_on"]),
                    reasons=decision["reasons"],
                    decided_by=users[decision["decided_by"]],
                )
            )

    for item in record.get("progress_reports", []):
        _load_report(
            item,
            application=application,
            work_packages=work_packages,
            indicators=indicators,
            users=users,
            made=made,
            tally=tally,
        )
    application.refresh_from_db()
    return application


def _load_report(
    item, *, application, work_packages, indicators, users, made, tally
) -> ProgressReport:
    report = made(
        ProgressReport(
            application=application,
            number=item["number"],
            period_start=_date(item["period_start"]),
            period_end=_date(item["period_end"]),
            due_date=_date(item["due_date"]),
            report_date=_date(item["report_date"]),
            is_final=item.get("is_final", False),
            overall_progress=as_lines(item.get("overall_progress", "")),
            results=as_paragraphs(item.get("results", "")),
            added_value=as_paragraphs(item.get("added_value", "")),
        )
    )
    for progress in item.get("work_packages", []):
        made(
            WorkPackageProgress(
                report=report,
                work_package=work_packages[progress["number"]],
                state=progress["state"],
                narrative=progress.get("narrative", ""),
            )
        )
    for progress in item.get("indicators", []):
        made(
            IndicatorProgress(
                report=report,
                indicator=indicators[progress["code"]],
                value_reached=Decimal(progress["value"]),
                comment=progress.get("comment", ""),
            )
        )
    # The status moves only through the reports' workflow module, at the instant the report
    # was handed in (noon on its date), with its ReportStatusChange row.
    if item.get("submitted_by"):
        report_transition(
            report=report,
            to_status=ReportStatus.SUBMITTED,
            actor=users[item["submitted_by"]],
            comment=f"Rapport d'avancement n° {report.number} remis le "
            f"{report.report_date:%d-%m-%Y}.",
            at=_noon(item["report_date"]),
        )
        tally.add(ReportStatusChange, CREATED)
    return report


def load_demo(directory: Path | str | None = None, *, now: dt.datetime | None = None) -> DemoResult:
    """Load the demo data set in one transaction. The reference data must be loaded."""
    now = now or timezone.now()
    data = _sections(Path(directory or DEMO_DIR))
    tally = Tally()
    with transaction.atomic():
        organisations = _load_organisations(data["organisations"], tally)
        users, logins = _load_users(
            data["users"], organisations=organisations, password=data["password"], tally=tally
        )
        calls = {
            record["reference"]: _load_call(record, now=now, tally=tally)
            for record in data["calls"]
        }
        for record in data["applications"]:
            _load_application(
                record, calls=calls, organisations=organisations, users=users, tally=tally
            )
    return DemoResult(tally=tally, password=data["password"], logins=logins)
