"""``manage.py screen_call``: every submitted dossier of a call with its lead, its verdict and
the reasons, as a table, JSON or CSV; drafts only when asked, withdrawn dossiers never."""

from __future__ import annotations

import csv
import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from applications.choices import ApplicationStatus
from calls.choices import RuleKind, RuleSeverity
from partners.choices import PartnerRole
from tests import factories as f

REFERENCE = "AAP-CRIBLE-2026"
ARTOIS = "Chantier d'insertion de l'Artois"
TOO_FEW = "Au moins 2 organisations sont requises ; ce consortium en compte 1."
ONE_COUNTRY = (
    "Des organisations d'au moins 2 pays différents sont requises ; "
    "ce consortium compte 2 organisations de 1 pays (France)."
)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _dossier(call, reference, organisations, *, status, submitted):
    application = f.ApplicationFactory(
        call=call,
        created_by=f.UserFactory(email="depositaire@crible.example.org"),
        reference=reference,
        status=status,
        submitted_at=timezone.now() - dt.timedelta(days=1) if submitted else None,
    )
    for number, organisation in enumerate(organisations, start=1):
        f.PartnerFactory(
            application=application,
            organisation=organisation,
            role=PartnerRole.LEAD if number == 1 else PartnerRole.PARTNER,
            number=number,
        )
    return application


@pytest.fixture
def screened(authority):
    """A call with a blocking rule (2 organisations) and a warning one (2 countries), and
    five dossiers: eligible, short of a partner, from one country only, a draft, a
    withdrawn one."""
    call = f.CallFactory(
        reference=REFERENCE,
        title="Inclusion par l'emploi",
        programme=f.ProgrammeFactory(managing_authority=authority),
        authority=authority,
    )
    f.EligibilityRuleFactory(
        call=call, kind=RuleKind.MIN_PARTNERS, parameters={"minimum": 2}, position=1
    )
    f.EligibilityRuleFactory(
        call=call,
        kind=RuleKind.MIN_COUNTRIES,
        parameters={"minimum": 2},
        severity=RuleSeverity.WARNING,
        position=2,
    )
    passerelles = f.OrganisationFactory(legal_name="Association Passerelles")
    artois = f.OrganisationFactory(legal_name=ARTOIS)
    horizons = f.OrganisationFactory(legal_name="Association Horizons")
    hainaut = f.OrganisationFactory(
        legal_name="ASBL Petite Enfance Hainaut", country="BE", legal_type="asbl"
    )
    submitted = {"status": ApplicationStatus.SUBMITTED, "submitted": True}
    _dossier(call, "CRIBLE-0001", [passerelles, hainaut], **submitted)
    _dossier(call, "CRIBLE-0002", [artois], **submitted)
    _dossier(call, "CRIBLE-0003", [horizons, passerelles], **submitted)
    _dossier(call, "CRIBLE-0004", [hainaut], status=ApplicationStatus.DRAFT, submitted=False)
    _dossier(
        call,
        "CRIBLE-0005",
        [passerelles, hainaut],
        status=ApplicationStatus.WITHDRAWN,
        submitted=True,
    )
    return call


def heading(reference, lead, verdict, blocking, warnings) -> str:
    """A dossier's line in the table."""
    return (
        f"{reference}  {lead}  {verdict}  "
        f"(règles bloquantes non respectées : {blocking}, avertissements : {warnings})"
    )


def summary(count, eligible, ineligible) -> str:
    return f"Dossiers : {count} ; conformes : {eligible} ; non conformes : {ineligible}."


def screen(*args) -> str:
    out = StringIO()
    call_command("screen_call", *args, stdout=out)
    return out.getvalue()


def test_the_table_shows_each_submitted_dossier_with_its_lead_verdict_and_reasons(screened):
    lines = screen(REFERENCE).splitlines()

    assert lines[0] == "AAP-CRIBLE-2026 — Inclusion par l'emploi"
    assert heading("CRIBLE-0001", "Association Passerelles", "CONFORME", 0, 0) in lines
    assert heading("CRIBLE-0002", ARTOIS, "NON CONFORME", 1, 1) in lines
    assert heading("CRIBLE-0003", "Association Horizons", "À VÉRIFIER", 0, 1) in lines
    assert f"  ✗ min_partners: {TOO_FEW}" in lines
    assert f"  ! min_countries: {ONE_COUNTRY}" in lines
    assert lines[-1] == summary(3, 2, 1)


def test_the_table_lists_every_rule_of_a_dossier_in_the_calls_order(screened):
    lines = screen(REFERENCE).splitlines()

    start = lines.index(heading("CRIBLE-0001", "Association Passerelles", "CONFORME", 0, 0))
    assert lines[start + 1 : start + 3] == [
        "  ✓ min_partners: Au moins 2 organisations sont requises ; ce consortium en compte 2.",
        "  ✓ min_countries: Des organisations d'au moins 2 pays différents sont requises ; "
        "ce consortium compte 2 organisations de 2 pays (Belgique, France).",
    ]


def test_drafts_are_screened_only_when_asked_and_withdrawn_dossiers_never(screened):
    default = screen(REFERENCE)
    with_drafts = screen(REFERENCE, "--include-drafts")

    assert "CRIBLE-0004" not in default
    assert heading("CRIBLE-0004", "ASBL Petite Enfance Hainaut", "NON CONFORME", 1, 1) in (
        with_drafts.splitlines()
    )
    assert with_drafts.splitlines()[-1] == summary(4, 2, 2)
    assert "CRIBLE-0005" not in default
    assert "CRIBLE-0005" not in with_drafts


def test_the_json_has_every_dossier_with_its_results_and_figures(screened):
    payload = json.loads(screen(REFERENCE, "--format", "json"))

    assert payload["call"] == REFERENCE
    assert dt.datetime.fromisoformat(payload["checked_at"])
    assert [
        (d["reference"], d["lead"], d["verdict"], d["eligible"]) for d in payload["dossiers"]
    ] == [
        ("CRIBLE-0001", "Association Passerelles", "pass", True),
        ("CRIBLE-0002", ARTOIS, "fail", False),
        ("CRIBLE-0003", "Association Horizons", "warning", True),
    ]
    short = payload["dossiers"][1]["results"]
    assert [(r["kind"], r["status"], r["blocking"]) for r in short] == [
        ("min_partners", "fail", True),
        ("min_countries", "warning", False),
    ]
    assert short[0]["figures"] == {"minimum": 2, "count": 1}
    assert short[0]["message"] == TOO_FEW
    assert short[1]["figures"] == {"minimum": 2, "organisations": 1, "countries": ["FR"]}
    assert all(isinstance(r["rule"], int) for d in payload["dossiers"] for r in d["results"])


def test_the_csv_has_a_header_and_a_row_per_dossier_and_rule(screened):
    rows = list(csv.reader(StringIO(screen(REFERENCE, "--format", "csv"))))

    assert rows[0] == [
        "reference",
        "lead",
        "verdict",
        "rule",
        "kind",
        "status",
        "blocking",
        "message",
    ]
    body = rows[1:]
    assert len(body) == 3 * 2
    assert [(row[0], row[4], row[5], row[6]) for row in body] == [
        ("CRIBLE-0001", "min_partners", "pass", "yes"),
        ("CRIBLE-0001", "min_countries", "pass", "no"),
        ("CRIBLE-0002", "min_partners", "fail", "yes"),
        ("CRIBLE-0002", "min_countries", "warning", "no"),
        ("CRIBLE-0003", "min_partners", "pass", "yes"),
        ("CRIBLE-0003", "min_countries", "warning", "no"),
    ]
    assert body[2][1:3] == [ARTOIS, "fail"]
    assert body[2][7] == TOO_FEW
    assert body[5][7] == ONE_COUNTRY


def test_a_call_without_submitted_dossiers_says_so(authority):
    call = f.CallFactory(
        reference="AAP-VIDE-2026", programme=f.ProgrammeFactory(managing_authority=authority)
    )

    lines = screen(call.reference).splitlines()
    payload = json.loads(screen(call.reference, "--format", "json"))

    assert lines[1:] == ["Aucun dossier déposé."]
    assert payload == {"call": "AAP-VIDE-2026", "checked_at": None, "dossiers": []}


def test_an_unknown_reference_is_refused(db):
    with pytest.raises(CommandError, match="Appel inconnu : AAP-INCONNU-2026"):
        screen("AAP-INCONNU-2026")
