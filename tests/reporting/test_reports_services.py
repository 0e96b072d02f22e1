"""The services of the progress reports: opening the report of a period of the calendar,
saving its sections (the lead's; each partner its own expenditure), submitting it, and the
officer's acceptance or request for changes, with the e-mails sent once committed, each in
its recipient's language.

The fixtures here (a project in progress since 7 months, its first report) are shared by the
other modules of this folder."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.utils import timezone, translation

from applications.choices import CostCategory
from applications.models import Application
from calls.choices import AuthorityRole
from partners.choices import PartnerRole
from reporting import services
from reporting.choices import ReportStatus as R
from reporting.models import (
    Expenditure,
    IndicatorProgress,
    ProgressReport,
    ReportStatusChange,
    WorkPackageProgress,
)
from reporting.services import (
    ExpenditureEntry,
    IndicatorEntry,
    ReportRefused,
    WorkPackageEntry,
    report_accept,
    report_open,
    report_request_changes,
    report_save_expenditure,
    report_save_general,
    report_save_indicators,
    report_save_work_packages,
    report_submit,
)
from review.decisions import add_months
from tests import factories as f
from tests.conftest import require

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """The personas' passwords hashed fast: every test here builds them anew."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def project_start() -> dt.date:
    """The first day of the month, 7 months ago: periods 1 and 2 have started."""
    return add_months(TODAY().replace(day=1), -7)


@pytest.fixture
def running(call, org_a, org_b, alice, bob, olivia):
    """Alice's organisation A leads a project in progress for 24 months since the first of
    the month 7 months ago, with a report every 6 months (periods 1 and 2 have started);
    Bob's organisation B is its partner. Two work packages, two indicators, a budget."""
    programme = call.programme
    programme.report_interval_months = 6
    programme.save(update_fields=["report_interval_months"])
    start = project_start()
    application = f.project(
        call=call,
        organisation=org_a,
        created_by=alice,
        officer=olivia,
        reference="FWVL-2026-0001",
        acronym="PASS",
        start_date=start,
        end_date=add_months(start, 24) - dt.timedelta(days=1),
    )
    f.PartnerFactory(
        application=application, organisation=org_b, role=PartnerRole.PARTNER, number=2
    )
    f.WorkPackageFactory(application=application, number=1, title="Ingénierie de formation")
    f.WorkPackageFactory(application=application, number=2, title="Accès à l'emploi")
    f.IndicatorFactory(
        application=application, code="I1", name="Demandeurs d'emploi formés", target_value=60
    )
    f.IndicatorFactory(application=application, code="I2", name="Modules créés", target_value=5)
    lead, partner = application.partners.order_by("number")
    f.BudgetLineFactory(partner=lead, cost_category=CostCategory.STAFF, amount=Decimal("40000"))
    f.BudgetLineFactory(partner=lead, cost_category=CostCategory.TRAVEL, amount=Decimal("5000"))
    f.BudgetLineFactory(partner=partner, cost_category=CostCategory.STAFF, amount=Decimal("30000"))
    return application


@pytest.fixture
def draft(running, alice):
    """The report of period 1, just opened by Alice."""
    return report_open(application=running, period_number=1, actor=alice)


def fill(report, alice, *, states=("done", "in_progress")) -> ProgressReport:
    """The report's general part and every work package's state, as the lead fills them."""
    report_save_general(
        report=report,
        actor=alice,
        report_date=None,
        overall_progress="Tous les modules sont mis en œuvre selon le plan de travail.",
        results="Cinq modules complémentaires construits.",
        added_value="Une formation commune aux deux versants.",
    )
    packages = report.application.work_packages.order_by("number")
    report_save_work_packages(
        report=report,
        actor=alice,
        entries=[
            WorkPackageEntry(work_package_id=wp.pk, state=state, narrative="Fait.")
            for wp, state in zip(packages, states, strict=True)
        ],
    )
    return report


@pytest.fixture
def complete(draft, alice):
    return fill(draft, alice)


@pytest.fixture
def submitted(complete, alice):
    report_submit(report=complete, actor=alice)
    return complete


def outcome(report) -> str:
    return ProgressReport.objects.get(pk=report.pk).status


# --- opening a report ---------------------------------------------------------------------


def test_opening_a_period_creates_its_draft_with_the_calendars_number_and_dates(running, alice):
    report = report_open(application=running, period_number=2, actor=alice)
    start = project_start()
    assert report.number == 2
    assert report.period_start == add_months(start, 6)
    assert report.period_end == add_months(start, 12) - dt.timedelta(days=1)
    assert report.due_date == report.period_end
    assert report.status == R.DRAFT
    assert not report.is_final
    assert report.created_by == alice


def test_the_last_period_of_the_calendar_is_the_final_report(running, alice):
    report = report_open(application=running, period_number=4, actor=alice, today=running.end_date)
    assert report.is_final
    assert report.period_end == running.end_date


def test_a_period_already_opened_is_refused_as_a_conflict(draft, running, alice):
    with pytest.raises(ReportRefused) as refused:
        report_open(application=running, period_number=1, actor=alice)
    assert refused.value.conflict
    assert "déjà ouvert" in refused.value.message
    assert ProgressReport.objects.filter(application=running).count() == 1


def test_a_report_cannot_be_opened_before_the_project_is_in_progress(call, org_a, alice):
    call.programme.report_interval_months = 6
    call.programme.save()
    contracted = f.project(
        call=call,
        organisation=org_a,
        created_by=alice,
        to_status="contracted",
        start_date=project_start(),
        end_date=add_months(project_start(), 24) - dt.timedelta(days=1),
    )
    with pytest.raises(ReportRefused) as refused:
        report_open(application=contracted, period_number=1, actor=alice)
    assert "Conventionné" in refused.value.message
    assert not ProgressReport.objects.exists()


def test_a_period_that_has_not_started_cannot_be_opened(running, alice):
    with pytest.raises(ReportRefused) as refused:
        report_open(application=running, period_number=3, actor=alice)
    assert "ne peut pas encore être ouvert" in refused.value.message
    assert not ProgressReport.objects.exists()


def test_a_period_outside_the_calendar_is_refused(running, alice):
    with pytest.raises(ReportRefused) as refused:
        report_open(application=running, period_number=9, actor=alice)
    assert "pas de période n° 9" in refused.value.message


def test_a_programme_without_a_rhythm_has_no_report_to_open(running, alice):
    running.call.programme.report_interval_months = None
    running.call.programme.save()
    with pytest.raises(ReportRefused) as refused:
        report_open(application=running, period_number=1, actor=alice)
    assert "calendrier" in refused.value.message


@pytest.mark.parametrize("persona", ["bob", "olivia", "charlie"])
def test_only_the_leads_members_open_a_report(request, running, persona):
    with pytest.raises(ReportRefused):
        report_open(application=running, period_number=1, actor=request.getfixturevalue(persona))
    assert not ProgressReport.objects.exists()


# --- saving the sections ------------------------------------------------------------------


def test_the_lead_saves_the_general_part(draft, alice):
    day = TODAY()
    report_save_general(
        report=draft,
        actor=alice,
        report_date=day,
        overall_progress="  Avancement conforme.  ",
        results="Résultats.",
        added_value="Plus-value.",
    )
    saved = ProgressReport.objects.get(pk=draft.pk)
    assert saved.report_date == day
    assert saved.overall_progress == "Avancement conforme."
    assert (saved.results, saved.added_value) == ("Résultats.", "Plus-value.")


@pytest.mark.parametrize(
    "offset, message",
    [(dt.timedelta(days=1), "dans le futur"), (dt.timedelta(days=-400), "précéder le début")],
)
def test_a_report_date_in_the_future_or_before_the_period_is_refused(draft, alice, offset, message):
    with pytest.raises(ReportRefused) as refused:
        report_save_general(
            report=draft,
            actor=alice,
            report_date=TODAY() + offset,
            overall_progress="Rien ne doit être enregistré.",
            results="",
            added_value="",
        )
    assert message in refused.value.errors["report_date"]
    assert ProgressReport.objects.get(pk=draft.pk).overall_progress == ""


@pytest.mark.parametrize("persona", ["bob", "olivia"])
def test_only_the_leads_members_save_the_reports_own_sections(request, draft, persona):
    actor = request.getfixturevalue(persona)
    with pytest.raises(ReportRefused):
        report_save_general(
            report=draft,
            actor=actor,
            report_date=None,
            overall_progress="Non.",
            results="",
            added_value="",
        )
    with pytest.raises(ReportRefused):
        report_save_work_packages(report=draft, actor=actor, entries=[])
    with pytest.raises(ReportRefused):
        report_save_indicators(report=draft, actor=actor, entries=[])
    assert ProgressReport.objects.get(pk=draft.pk).overall_progress == ""


def test_a_late_or_not_started_work_package_must_say_why(draft, alice):
    wp1, wp2 = draft.application.work_packages.order_by("number")
    with pytest.raises(ReportRefused) as refused:
        report_save_work_packages(
            report=draft,
            actor=alice,
            entries=[
                WorkPackageEntry(wp1.pk, "done", "Référentiels comparés."),
                WorkPackageEntry(wp2.pk, "not_started", "  "),
            ],
        )
    assert "Expliquez pourquoi" in refused.value.errors[(wp2.pk, "narrative")]
    assert not WorkPackageProgress.objects.exists()


def test_a_narrative_needs_the_state_it_describes(draft, alice):
    wp1 = draft.application.work_packages.get(number=1)
    with pytest.raises(ReportRefused) as refused:
        report_save_work_packages(
            report=draft, actor=alice, entries=[WorkPackageEntry(wp1.pk, "", "Un récit.")]
        )
    assert (wp1.pk, "state") in refused.value.errors


def test_work_packages_are_saved_updated_and_cleared(draft, alice):
    wp1, wp2 = draft.application.work_packages.order_by("number")
    report_save_work_packages(
        report=draft,
        actor=alice,
        entries=[
            WorkPackageEntry(wp1.pk, "done", "Fait."),
            WorkPackageEntry(wp2.pk, "late", "Les stages commencent après la formation."),
        ],
    )
    report_save_work_packages(
        report=draft,
        actor=alice,
        entries=[WorkPackageEntry(wp1.pk, "", ""), WorkPackageEntry(wp2.pk, "in_progress", "")],
    )
    assert dict(
        WorkPackageProgress.objects.filter(report=draft).values_list(
            "work_package__number", "state"
        )
    ) == {2: "in_progress"}


def test_a_work_package_of_another_project_is_refused(draft, alice):
    stranger = f.WorkPackageFactory()
    with pytest.raises(ReportRefused):
        report_save_work_packages(
            report=draft, actor=alice, entries=[WorkPackageEntry(stranger.pk, "done", "")]
        )
    assert not WorkPackageProgress.objects.exists()


def test_indicators_reached_are_saved_and_a_comment_needs_a_value(draft, alice):
    i1, i2 = draft.application.indicators.order_by("code")
    with pytest.raises(ReportRefused) as refused:
        report_save_indicators(
            report=draft,
            actor=alice,
            entries=[
                IndicatorEntry(i1.pk, Decimal("18"), "Première session."),
                IndicatorEntry(i2.pk, None, "Deux modules sur cinq."),
            ],
        )
    assert (i2.pk, "value") in refused.value.errors
    assert not IndicatorProgress.objects.exists()
    report_save_indicators(
        report=draft,
        actor=alice,
        entries=[
            IndicatorEntry(i1.pk, Decimal("18"), "Première session."),
            IndicatorEntry(i2.pk, None),
        ],
    )
    row = IndicatorProgress.objects.get()
    assert (row.indicator, row.value_reached, row.comment) == (
        i1,
        Decimal("18"),
        "Première session.",
    )


def test_a_partners_members_declare_their_own_expenditure_only(draft, alice, bob):
    lead, partner = draft.application.partners.order_by("number")
    report_save_expenditure(
        report=draft,
        partner=partner,
        actor=bob,
        entries=[ExpenditureEntry(CostCategory.STAFF, Decimal("12500.50"), "Formatrices")],
    )
    report_save_expenditure(
        report=draft,
        partner=lead,
        actor=alice,
        entries=[ExpenditureEntry(CostCategory.TRAVEL, Decimal("310.20"))],
    )
    # Alice leads the project, yet only B's members declare what B paid; and the reverse.
    with pytest.raises(ReportRefused) as refused:
        report_save_expenditure(report=draft, partner=partner, actor=alice, entries=[])
    assert "Seuls les membres de Organisation B" in refused.value.message
    with pytest.raises(ReportRefused):
        report_save_expenditure(report=draft, partner=lead, actor=bob, entries=[])
    assert sorted(Expenditure.objects.values_list("partner__number", "amount")) == [
        (1, Decimal("310.20")),
        (2, Decimal("12500.50")),
    ]


def test_saving_a_partners_expenditure_replaces_its_lines(draft, bob):
    partner = draft.application.partners.get(number=2)
    entries = [
        ExpenditureEntry(CostCategory.STAFF, Decimal("1000")),
        ExpenditureEntry(CostCategory.STAFF, Decimal("2000")),
    ]
    report_save_expenditure(report=draft, partner=partner, actor=bob, entries=entries)
    report_save_expenditure(
        report=draft,
        partner=partner,
        actor=bob,
        entries=[ExpenditureEntry(CostCategory.STAFF, Decimal("2500"))],
    )
    assert list(Expenditure.objects.values_list("amount", flat=True)) == [Decimal("2500.00")]


def test_a_wrong_expenditure_line_saves_nothing(draft, bob):
    partner = draft.application.partners.get(number=2)
    with pytest.raises(ReportRefused) as refused:
        report_save_expenditure(
            report=draft,
            partner=partner,
            actor=bob,
            entries=[
                ExpenditureEntry(CostCategory.STAFF, Decimal("100")),
                ExpenditureEntry(CostCategory.LUMP_SUM, Decimal("-5")),
            ],
        )
    assert set(refused.value.errors) == {(1, "cost_category"), (1, "amount")}
    assert not Expenditure.objects.exists()


def test_nothing_is_saved_once_the_report_is_submitted(submitted, alice, bob):
    partner = submitted.application.partners.get(number=2)
    with pytest.raises(ReportRefused) as refused:
        report_save_general(
            report=submitted,
            actor=alice,
            report_date=None,
            overall_progress="Changé après la remise.",
            results="",
            added_value="",
        )
    assert refused.value.conflict
    assert "Remis" in refused.value.message
    with pytest.raises(ReportRefused):
        report_save_expenditure(
            report=submitted,
            partner=partner,
            actor=bob,
            entries=[ExpenditureEntry(CostCategory.STAFF, Decimal("1"))],
        )
    assert ProgressReport.objects.get(pk=submitted.pk).overall_progress.startswith("Tous")
    assert not Expenditure.objects.exists()


# --- submission ---------------------------------------------------------------------------


def test_an_incomplete_report_is_not_submitted_and_says_what_is_missing(draft, alice):
    with pytest.raises(ReportRefused) as refused:
        report_submit(report=draft, actor=alice)
    problems = refused.value.errors["__all__"]
    assert problems[0] == "Décrivez l'état d'avancement général du projet."
    assert "Indiquez l'état du module 1 « Ingénierie de formation »." in problems
    assert "Indiquez l'état du module 2 « Accès à l'emploi »." in problems
    assert outcome(draft) == R.DRAFT
    assert not ReportStatusChange.objects.exists()


def test_submitting_dates_the_report_and_tells_the_officers_in_their_language(
    complete, alice, olivia, oscar, authority, monkeypatch, django_capture_on_commit_callbacks
):
    olivia.preferred_language = "nl"
    olivia.save()
    retired = f.UserFactory(email="retired@authority.example.org", is_active=False)
    f.AuthorityMemberFactory(user=retired, authority=authority, role=AuthorityRole.OFFICER)
    assessor = f.UserFactory(email="assessor@authority.example.org")
    f.AuthorityMemberFactory(user=assessor, authority=authority, role=AuthorityRole.ASSESSOR)
    sent, languages = [], []
    render = services.render_to_string

    def render_to_string(template, context):
        languages.append(translation.get_language())
        return render(template, context)

    def send_mail(subject, body, sender, recipients):
        sent.append((recipients, languages[-1], subject, body))
        return 1

    monkeypatch.setattr(services, "render_to_string", render_to_string)
    monkeypatch.setattr(services, "send_mail", send_mail)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        change = report_submit(report=complete, actor=alice)
        assert sent == []  # nothing leaves before the commit
    assert len(callbacks) == 1
    assert complete.status == R.SUBMITTED
    assert complete.report_date == TODAY()
    assert complete.submitted_at == change.created_at
    assert (change.from_status, change.to_status, change.actor) == (R.DRAFT, R.SUBMITTED, alice)
    assert [(to, language) for to, language, _subject, _body in sent] == [([olivia.email], "nl")]
    subject, body = sent[0][2], sent[0][3]
    assert subject == "Voortgangsrapport nr. 1 ingediend: FWVL-2026-0001"  # in Dutch
    assert "FWVL-2026-0001" in body and "nr. 1" in body


def test_a_submitted_report_is_not_submitted_twice(submitted, alice):
    with pytest.raises(ReportRefused) as refused:
        report_submit(report=submitted, actor=alice)
    assert refused.value.conflict
    assert ReportStatusChange.objects.filter(to_status=R.SUBMITTED).count() == 1


def test_a_partners_member_does_not_submit_the_report(complete, bob):
    with pytest.raises(ReportRefused):
        report_submit(report=complete, actor=bob)
    assert outcome(complete) == R.DRAFT


def test_a_stale_page_is_told_someone_else_submitted_first(complete, alice):
    stale = ProgressReport.objects.get(pk=complete.pk)
    report_submit(report=complete, actor=alice)
    with pytest.raises(ReportRefused) as refused:
        report_submit(report=stale, actor=alice, from_status=R.DRAFT)
    assert refused.value.conflict
    assert "a changé d'état entre-temps" in refused.value.message


# --- the officer's answer -----------------------------------------------------------------


def test_an_officer_accepts_and_the_leads_members_are_told(
    submitted, olivia, alice, bob, mailoutbox, django_capture_on_commit_callbacks
):
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        change = report_accept(report=submitted, actor=olivia, comment="Conforme.")
    assert outcome(submitted) == R.ACCEPTED
    assert (change.from_status, change.to_status, change.comment) == (
        R.SUBMITTED,
        R.ACCEPTED,
        "Conforme.",
    )
    assert [message.to for message in mailoutbox] == [[alice.email]]
    assert "accepté" in mailoutbox[0].subject
    assert "Conforme." in mailoutbox[0].body


@pytest.mark.parametrize("persona", ["alice", "bob", "oscar", "ada"])
def test_only_an_officer_of_the_calls_authority_accepts_or_asks_for_changes(
    request, submitted, persona
):
    actor = request.getfixturevalue(persona)
    with pytest.raises(ReportRefused):
        report_accept(report=submitted, actor=actor)
    with pytest.raises(ReportRefused):
        report_request_changes(report=submitted, actor=actor, comment="Non.")
    assert outcome(submitted) == R.SUBMITTED


def test_changes_are_asked_with_a_reason(submitted, olivia):
    with pytest.raises(ReportRefused) as refused:
        report_request_changes(report=submitted, actor=olivia, comment="   ")
    assert "comment" in refused.value.errors
    assert outcome(submitted) == R.SUBMITTED


def test_a_draft_is_neither_accepted_nor_sent_back(complete, olivia):
    with pytest.raises(ReportRefused) as refused:
        report_accept(report=complete, actor=olivia)
    assert refused.value.conflict
    assert outcome(complete) == R.DRAFT


def test_after_changes_requested_the_lead_corrects_and_submits_again(
    submitted, olivia, alice, bob, mailoutbox, django_capture_on_commit_callbacks
):
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        report_request_changes(
            report=submitted, actor=olivia, comment="Détaillez le module 2, s'il vous plaît."
        )
    assert outcome(submitted) == R.CHANGES_REQUESTED
    assert [message.to for message in mailoutbox] == [[alice.email]]
    assert "Détaillez le module 2" in mailoutbox[0].body
    # The report is open again: the lead and each partner change their parts.
    partner = submitted.application.partners.get(number=2)
    report_save_expenditure(
        report=submitted,
        partner=partner,
        actor=bob,
        entries=[ExpenditureEntry(CostCategory.STAFF, Decimal("800"))],
    )
    fill(submitted, alice, states=("done", "late"))
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        report_submit(report=submitted, actor=alice, from_status=R.CHANGES_REQUESTED)
    assert outcome(submitted) == R.SUBMITTED
    assert [message.to for message in mailoutbox] == [[olivia.email]]
    assert "remis à nouveau" in mailoutbox[0].subject
    assert list(
        ReportStatusChange.objects.filter(report=submitted)
        .order_by("created_at", "pk")
        .values_list("to_status", flat=True)
    ) == [R.SUBMITTED, R.CHANGES_REQUESTED, R.SUBMITTED]


def test_an_officer_acting_on_a_stale_page_is_told_someone_else_answered_first(
    submitted, olivia, authority
):
    olga = f.UserFactory(email="olga@authority.example.org")
    f.AuthorityMemberFactory(user=olga, authority=authority, role=AuthorityRole.OFFICER)
    report_request_changes(report=submitted, actor=olga, comment="Complétez.")
    with pytest.raises(ReportRefused) as refused:
        report_accept(report=submitted, actor=olivia, from_status=R.SUBMITTED)
    assert refused.value.conflict
    assert outcome(submitted) == R.CHANGES_REQUESTED
    assert ReportStatusChange.objects.filter(to_status=R.ACCEPTED).count() == 0


@pytest.mark.django_db(transaction=True)
def test_two_members_opening_the_same_period_at_once_on_postgresql(running, alice, org_a):
    require(connection.vendor == "postgresql", "the race is tested on PostgreSQL (as in CI)")
    colleague = f.UserFactory(email="colleague@a.example.org")
    f.MembershipFactory(user=colleague, organisation=org_a)
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def open_period(actor):
        try:
            mine = Application.objects.select_related("call__programme").get(pk=running.pk)
            barrier.wait()
            outcomes[actor.email] = report_open(application=mine, period_number=1, actor=actor)
        except ReportRefused as refused:
            outcomes[actor.email] = refused
        finally:
            connections.close_all()

    threads = [threading.Thread(target=open_period, args=(actor,)) for actor in (alice, colleague)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    refused = [v for v in outcomes.values() if isinstance(v, ReportRefused)]
    opened = [v for v in outcomes.values() if isinstance(v, ProgressReport)]
    assert len(refused) == 1 and len(opened) == 1, outcomes
    assert refused[0].conflict
    assert ProgressReport.objects.filter(application=running).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_partners_save_never_slips_into_a_submission_on_postgresql(complete, alice, bob):
    require(connection.vendor == "postgresql", "row locks are tested on PostgreSQL (as in CI)")
    partner = complete.application.partners.get(number=2)
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def submit():
        try:
            barrier.wait()
            outcomes["submit"] = report_submit(
                report=ProgressReport.objects.get(pk=complete.pk), actor=alice
            )
        finally:
            connections.close_all()

    def save():
        try:
            barrier.wait()
            report_save_expenditure(
                report=ProgressReport.objects.get(pk=complete.pk),
                partner=partner,
                actor=bob,
                entries=[ExpenditureEntry(CostCategory.STAFF, Decimal("700"))],
            )
            outcomes["save"] = "saved"
        except ReportRefused as refused:
            outcomes["save"] = refused
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit), threading.Thread(target=save)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert outcome(complete) == R.SUBMITTED
    if outcomes["save"] == "saved":
        # Saved before the submission took the lock: the report was handed in with it.
        assert Expenditure.objects.filter(report=complete).count() == 1
    else:
        # Submitted first: the save waited for the lock, then found the report read-only.
        assert outcomes["save"].conflict
        assert not Expenditure.objects.exists()
