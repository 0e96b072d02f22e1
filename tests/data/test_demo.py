"""The demo data set (``manage.py load_demo``): PASS'EMPLOI as the source document describes
it, calls open, upcoming and closed relative to now, valid organisations, working logins; a
re-run creates nothing twice, and the command is refused without debug."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Sum
from django.http import HttpRequest
from django.test import override_settings
from django.utils import timezone
from stdnum.be import vat as be_vat
from stdnum.fr import siret as fr_siret

from applications.models import (
    Application,
    BudgetLine,
    Cofinancing,
    Decision,
    Indicator,
    StatusChange,
    WorkPackage,
)
from calls.choices import RuleKind, RuleSeverity
from calls.models import (
    AssessmentCriterion,
    AuthorityMember,
    Call,
    CallLumpSum,
    EligibilityRule,
    Programme,
)
from partners.models import Membership, Organisation, Partner
from portal.demo import DEMO_DIR, load_demo
from portal.models import User
from reporting.models import ProgressReport, ReportStatusChange, WorkPackageProgress

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEMO_MODELS = [
    User,
    Organisation,
    Membership,
    AuthorityMember,
    Call,
    CallLumpSum,
    EligibilityRule,
    AssessmentCriterion,
    Application,
    Partner,
    WorkPackage,
    BudgetLine,
    Cofinancing,
    Indicator,
    StatusChange,
    Decision,
    ProgressReport,
    WorkPackageProgress,
    ReportStatusChange,
    Programme,
]


def demo_logins() -> tuple[str, list[str]]:
    data = json.loads((DEMO_DIR / "10-organisations-users.json").read_text(encoding="utf-8"))
    return data["password"], [user["email"] for user in data["users"]]


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in DEMO_MODELS}


def test_the_demo_is_refused_without_debug_and_creates_no_user(db, settings):
    settings.DEBUG = False
    before = set(User.objects.values_list("email", flat=True))
    with pytest.raises(CommandError, match="DJANGO_DEBUG"):
        call_command("load_demo", stdout=StringIO())
    assert set(User.objects.values_list("email", flat=True)) == before


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo loaded once for the module (reference included, since it is missing),
    rolled back at its end. Passwords use a fast hasher for the whole module."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHER),
        transaction.atomic(),
    ):
        with override_settings(DEBUG=True):
            call_command("load_demo", stdout=StringIO())
        yield
        transaction.set_rollback(True)


@pytest.fixture
def pass_emploi(demo, db) -> Application:
    return Application.objects.get(acronym="PASS'EMPLOI")


def test_the_demo_loads_the_reference_itself_when_it_is_missing(demo, db):
    assert Programme.objects.count() == 5


def test_pass_emploi_budget_adds_up_to_the_cent(pass_emploi):
    lines = BudgetLine.objects.filter(partner__application=pass_emploi)
    assert lines.aggregate(total=Sum("amount"))["total"] == Decimal("957913.76")
    financing = Cofinancing.objects.filter(partner__application=pass_emploi)
    assert financing.aggregate(total=Sum("amount"))["total"] == Decimal("957913.76")
    erdf = financing.filter(source="eu").aggregate(total=Sum("amount"))["total"]
    assert erdf / Decimal("957913.76") <= Decimal("0.60")


def test_pass_emploi_is_led_by_lillomomes_in_lille(pass_emploi):
    lead = pass_emploi.lead_partner
    assert lead.number == 1
    assert lead.contact_name == "Samir Amor Teba"
    lillomomes = lead.organisation
    assert lillomomes.legal_name == "LILLOMOMES"
    assert (lillomomes.street, lillomomes.postcode, lillomomes.city) == (
        "Rue Courmont 27",
        "59000",
        "Lille",
    )
    assert (lillomomes.country, lillomomes.nuts_code) == ("FR", "FRE11")


def test_pass_emploi_has_a_belgian_partner_in_hainaut(pass_emploi):
    belgians = [
        p.organisation for p in pass_emploi.partners.all() if p.organisation.country == "BE"
    ]
    assert belgians
    assert all(org.nuts_code.startswith("BE32") for org in belgians)


def test_pass_emploi_runs_thirty_months_from_july_2020(pass_emploi):
    assert pass_emploi.start_date == dt.date(2020, 7, 1)
    assert pass_emploi.end_date == dt.date(2022, 12, 31)
    assert pass_emploi.duration_months == 30
    assert pass_emploi.title.startswith("PASS'EMPLOI — Paspoort voor werkgelegenheid")


def test_pass_emploi_went_through_the_workflow_to_in_progress(pass_emploi):
    assert pass_emploi.status == "in_progress"
    history = list(pass_emploi.status_changes.order_by("id"))
    assert [(c.from_status, c.to_status) for c in history] == [
        ("draft", "submitted"),
        ("submitted", "eligibility_review"),
        ("eligibility_review", "admissible"),
        ("admissible", "under_assessment"),
        ("under_assessment", "selected"),
        ("selected", "contracted"),
        ("contracted", "in_progress"),
    ]
    assert all(change.actor is not None for change in history)
    assert history[-1].actor.authority_memberships.filter(role="officer").exists()


def test_pass_emploi_keeps_the_dates_of_its_history_not_the_day_it_was_loaded(pass_emploi):
    paris = ZoneInfo("Europe/Paris")
    assert pass_emploi.submitted_at == dt.datetime(2019, 10, 30, 16, 20, tzinfo=paris)
    instants = [change.created_at for change in pass_emploi.status_changes.order_by("id")]
    assert instants == sorted(instants)
    assert instants[-1] < dt.datetime(2020, 12, 31, tzinfo=paris)


def test_pass_emploi_was_selected_for_at_most_its_total_and_contracted(pass_emploi):
    decision = pass_emploi.decision
    assert decision.outcome == "selected"
    assert Decimal("0") < decision.amount_granted <= Decimal("957913.76")
    assert pass_emploi.contract_reference
    assert pass_emploi.reference.startswith(pass_emploi.call.application_prefix + "-")


def test_pass_emploi_has_its_five_work_modules(pass_emploi):
    titles = list(pass_emploi.work_packages.order_by("number").values_list("title", flat=True))
    assert len(titles) == 5
    assert titles[0].startswith("Identification des compétences des référentiels")
    assert titles[4] == "Accès à l'emploi"


def test_the_report_of_27_04_2021_shows_module_5_not_started(pass_emploi):
    report = pass_emploi.progress_reports.get(number=1)
    assert report.report_date == dt.date(2021, 4, 27)
    states = dict(
        report.work_package_progress.values_list("work_package__number", "state"),
    )
    assert states[5] == "not_started"
    assert all(states[n] in {"done", "in_progress"} for n in (1, 2, 3, 4))
    assert report.work_package_progress.get(work_package__number=5).narrative
    for module in (
        "Législation",
        "Mobilité",
        "Diplômes et évolutions possibles",
        "Emploi",
        "Accueil du jeune enfant",
        "tronc commun",
    ):
        assert module in report.results
    assert "transfrontalière" in report.added_value
    assert report.status == "submitted"
    assert report.status_changes.get().to_status == "submitted"


def test_there_are_open_upcoming_and_closed_calls(demo, db):
    now = timezone.now()
    open_calls = Call.objects.open_at(now)
    assert {c.programme.fund.code for c in open_calls} == {
        "fse",
        "fse-plus",
        "feder",
        "erasmus-plus",
    }
    assert list(Call.objects.upcoming_at(now).values_list("reference", flat=True)) == [
        "KA210-2026-R2"
    ]
    assert "FSE-VM-213-2026" in Call.objects.closed_at(now).values_list("reference", flat=True)


def test_the_ka220_call_offers_three_lump_sums_and_four_criteria(demo, db):
    call = Call.objects.get(reference="KA220-2026-R1")
    assert call.cost_model == "lump_sum"
    assert sorted(call.lump_sums.values_list("amount", flat=True)) == [
        Decimal("120000"),
        Decimal("250000"),
        Decimal("400000"),
    ]
    assert list(call.criteria.values_list("code", "max_score", "threshold")) == [
        ("pertinence", Decimal("25"), Decimal("13")),
        ("qualite", Decimal("30"), Decimal("15")),
        ("partenariat", Decimal("20"), Decimal("10")),
        ("impact", Decimal("25"), Decimal("13")),
    ]
    assert call.min_total_score == Decimal("60")
    assert call.priorities.count() == 33
    assert call.rules.get(kind="min_partners").parameters == {"minimum": 3}


def test_the_interreg_call_requires_both_sides_of_the_border(demo, db):
    call = Call.objects.get(reference="FWVL-A4-2026")
    assert call.max_cofinancing_rate == Decimal("60")
    assert call.max_duration_months == 48
    assert call.rules.get(kind="required_countries").parameters == {"countries": ["FR", "BE"]}
    prefixes = call.rules.get(kind="allowed_nuts").parameters["prefixes"]
    assert {"FRE11", "FRE12", "BE32", "BE25"} <= set(prefixes)


def test_every_rule_is_a_known_kind_explained_with_its_figures(demo, db):
    rules = EligibilityRule.objects.all()
    assert rules.count() > 40
    for rule in rules:
        assert rule.kind in RuleKind.values
        assert rule.severity in RuleSeverity.values
        assert rule.explanation
    assert (
        Call.objects.get(reference="KA220-2026-R1").rules.get(kind="min_partners").explanation
        == "Au moins 3 organisations de 3 pays différents."
    )


def test_every_demo_organisation_has_valid_identifiers(demo, db):
    organisations = Organisation.objects.all()
    assert organisations.count() >= 4
    for organisation in organisations:
        organisation.full_clean()
        if organisation.siret:
            assert fr_siret.is_valid(organisation.siret)
        if organisation.enterprise_number:
            assert be_vat.is_valid(organisation.enterprise_number)


def test_the_applicant_has_a_draft_on_an_open_fse_call(demo, db):
    applicant = User.objects.get(email="candidat@demo.example")
    draft = Application.objects.get(created_by=applicant)
    assert draft.status == "draft"
    assert draft.call in Call.objects.open_at()
    assert draft.call.programme.fund.code == "fse"
    assert draft.lead_partner.organisation.memberships.filter(
        user=applicant, role="legal_representative"
    ).exists()


def test_demo_users_can_log_in(demo, db, client):
    password, emails = demo_logins()
    assert len(emails) >= 6
    for email in emails:
        # django-axes throttles every authentication: it needs the request.
        assert client.login(request=HttpRequest(), username=email, password=password), email
        client.logout()


def test_demo_officers_can_use_the_admin_on_calls(demo, db):
    officer = User.objects.get(email="agent.valenciennes@demo.example")
    assert officer.is_staff
    assert officer.has_perm("calls.change_call")
    assert officer.has_perm("applications.view_application")
    assert officer.authority_memberships.get().authority.code == "valenciennes-metropole"
    assessor = User.objects.get(email="evaluateur@demo.example")
    assert set(assessor.authority_memberships.values_list("role", flat=True)) == {"assessor"}


def test_loading_the_demo_twice_keeps_the_same_rows(demo, db, settings):
    settings.DEBUG = True
    before = counts()
    reference = Application.objects.get(acronym="PASS'EMPLOI").reference
    call_command("load_demo", stdout=StringIO())
    assert counts() == before
    assert Application.objects.get(acronym="PASS'EMPLOI").reference == reference


def test_a_later_load_moves_the_demo_calls_dates_forward(demo, db):
    later = timezone.now() + dt.timedelta(days=100)
    before = counts()
    load_demo(now=later)
    assert counts() == before
    assert "FSE-VM-312-2026" in Call.objects.open_at(later).values_list("reference", flat=True)


def test_every_demo_dossier_opens_on_every_section_for_its_lead(demo, db, client):
    """The demo logins reach their dossiers' pages: each page answers, none fails."""
    from django.urls import reverse

    from applications.sections import SECTIONS

    opened = 0
    for application in Application.objects.all():
        lead = application.partners.get(role="lead")
        member = Membership.objects.filter(organisation=lead.organisation, is_active=True).first()
        if member is None:
            continue
        opened += 1
        client.force_login(member.user)
        names = ["overview", *(section.url_name.split(":")[1] for section in SECTIONS)]
        for name in names:
            url = reverse(f"applications:{name}", args=[application.reference])
            assert client.get(url).status_code == 200, url
        assert client.get(reverse("applications:dashboard")).status_code == 200
    assert opened >= 2  # PASS'EMPLOI (lillomomes@) and the FSE draft (candidat@)
