"""Decisions (one dossier, or a whole ranking by a committee), the amount rules, two
officers deciding at once, contracting, the start of the project and the report calendar."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from applications.choices import ApplicationStatus as S
from applications.choices import DecisionOutcome, FundingSource
from applications.models import Application, Decision, StatusChange
from applications.workflow import transition
from calls.choices import CostModel
from review.assessment import ReviewRefused, assessment_assign
from review.decisions import (
    application_contract,
    application_start,
    decision_record,
    report_calendar,
    report_periods,
    requested_amount,
)
from tests import factories as f
from tests.conftest import require
from tests.review.test_assessment import (
    assessor_of,
    erasmus_criteria,
    login,
    make_admissible,
    scored,
)

TODAY = timezone.localdate


@pytest.fixture
def criteria(call):
    return erasmus_criteria(call)


@pytest.fixture
def assessed(dossier, alice, olivia, ada, criteria):
    """Alice's dossier requesting 60 000 EUR of EU funds (on its two partners), submitted,
    admissible, assessed by Ada (submitted), and under assessment."""
    lead, partner = dossier.partners.order_by("number")
    f.CofinancingFactory(partner=lead, source=FundingSource.EU, amount=Decimal("40000"))
    f.CofinancingFactory(partner=partner, source=FundingSource.EU, amount=Decimal("20000"))
    f.CofinancingFactory(partner=lead, source=FundingSource.OWN_FUNDS, amount=Decimal("9999"))
    make_admissible(dossier, applicant=alice, officer=olivia)
    (assessment,) = assessment_assign(application=dossier, assessors=[ada], actor=olivia)
    scored(assessment, criteria, [20, 25, 15, 20])
    dossier.refresh_from_db()
    return dossier


def decide_post(outcome="selected", amount="50 000", **extra):
    data = {
        "outcome": outcome,
        "amount_granted": amount,
        "committee": "Comité de sélection",
        "decided_on": TODAY().isoformat(),
        "reasons": "Projet pertinent et bien construit.",
        "conditions": "",
        "from_status": S.UNDER_ASSESSMENT,
    }
    data.update(extra)
    return data


# --- the amount requested --------------------------------------------------------------


def test_the_amount_requested_is_the_eu_share_of_the_latest_snapshot(assessed):
    assert requested_amount(assessed) == Decimal("60000.00")


def test_on_a_lump_sum_call_the_amount_requested_is_the_lump_sum(call, dossier, alice, olivia):
    call.cost_model = CostModel.LUMP_SUM
    call.save(update_fields=["cost_model"])
    Application.objects.filter(pk=dossier.pk).update(lump_sum=Decimal("250000"))
    dossier.refresh_from_db()
    assert requested_amount(dossier) == Decimal("250000")
    make_admissible(dossier, applicant=alice, officer=olivia)
    assert requested_amount(dossier) == Decimal("250000")


# --- one dossier's decision ----------------------------------------------------------------


def test_the_officer_selects_a_dossier_with_an_amount_and_the_applicant_is_told(
    client, assessed, olivia, alice, mailoutbox, django_capture_on_commit_callbacks
):
    login(client, olivia)
    url = reverse("review:decide", args=[assessed.reference])
    page = client.get(url)
    assert page.status_code == 200
    assert "60\u00a0000,00" in page.content.decode()  # the amount requested
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, decide_post(amount="50 000,50"))
    assert response.status_code == 302
    assessed.refresh_from_db()
    assert assessed.status == S.SELECTED
    decision = Decision.objects.get(application=assessed)
    assert decision.outcome == DecisionOutcome.SELECTED
    assert decision.amount_granted == Decimal("50000.50")
    assert decision.decided_by == olivia
    change = StatusChange.objects.get(application=assessed, to_status=S.SELECTED)
    assert change.from_status == S.UNDER_ASSESSMENT and change.actor == olivia
    assert change.comment == "Projet pertinent et bien construit."
    assert [message.to for message in mailoutbox] == [[alice.email]]
    assert "Retenu" in mailoutbox[0].body
    assert "Projet pertinent et bien construit." in mailoutbox[0].body


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("60 000,01", "ne peut pas dépasser le montant demandé"),
        ("", "Indiquez le montant accordé"),
        ("0", "supérieur à zéro"),
    ],
)
def test_a_wrong_amount_is_refused_and_nothing_is_written(
    client, assessed, olivia, amount, message
):
    login(client, olivia)
    response = client.post(
        reverse("review:decide", args=[assessed.reference]), decide_post(amount=amount)
    )
    assert response.status_code == 422
    assert message in response.content.decode()
    assessed.refresh_from_db()
    assert assessed.status == S.UNDER_ASSESSMENT
    assert not Decision.objects.exists()
    assert not StatusChange.objects.filter(to_status=S.SELECTED).exists()


def test_the_amount_cannot_exceed_the_calls_ceiling(client, assessed, olivia):
    call = assessed.call
    call.max_grant = Decimal("45000")
    call.save(update_fields=["max_grant"])
    with pytest.raises(ReviewRefused) as refused:
        decision_record(
            application=assessed,
            outcome=DecisionOutcome.SELECTED,
            amount_granted=Decimal("50000"),
            decided_on=TODAY(),
            reasons="Bien.",
            actor=olivia,
        )
    assert "plafond de l'appel" in refused.value.errors["amount_granted"]
    assert not Decision.objects.exists()


def test_reasons_are_required(client, assessed, olivia):
    login(client, olivia)
    response = client.post(
        reverse("review:decide", args=[assessed.reference]),
        decide_post(outcome="rejected", amount="", reasons=""),
    )
    assert response.status_code == 422
    assert "Motivez la décision" in response.content.decode()
    assert not Decision.objects.exists()


def test_a_reserve_dossier_is_selected_later(assessed, olivia):
    decision_record(
        application=assessed,
        outcome=DecisionOutcome.RESERVE,
        decided_on=TODAY(),
        reasons="En attente de crédits.",
        actor=olivia,
    )
    assert assessed.status == S.RESERVE
    decision_record(
        application=assessed,
        outcome=DecisionOutcome.SELECTED,
        amount_granted=Decimal("30000"),
        decided_on=TODAY(),
        reasons="Crédits libérés.",
        actor=olivia,
        from_status=S.RESERVE,
    )
    assessed.refresh_from_db()
    assert assessed.status == S.SELECTED
    decision = Decision.objects.get(application=assessed)
    assert decision.outcome == DecisionOutcome.SELECTED and decision.reasons == "Crédits libérés."
    assert list(
        StatusChange.objects.filter(application=assessed)
        .order_by("created_at", "id")
        .values_list("to_status", flat=True)
    )[-2:] == [S.RESERVE, S.SELECTED]
    with pytest.raises(ReviewRefused):
        decision_record(
            application=assessed,
            outcome=DecisionOutcome.REJECTED,
            decided_on=TODAY(),
            reasons="Non.",
            actor=olivia,
        )


def test_the_second_of_two_officers_deciding_at_once_is_told_and_nothing_is_written_twice(
    client, assessed, olivia, authority
):
    olga = f.UserFactory(email="olga@authority.example.org", first_name="Olga")
    f.AuthorityMemberFactory(user=olga, authority=authority)
    # Both opened the page while the dossier was under assessment.
    login(client, olivia)
    url = reverse("review:decide", args=[assessed.reference])
    assert client.post(url, decide_post()).status_code == 302
    login(client, olga)
    response = client.post(url, decide_post(outcome="rejected", amount=""))
    assert response.status_code == 409
    assert "entre-temps" in response.content.decode()
    assert Decision.objects.get(application=assessed).outcome == DecisionOutcome.SELECTED
    assert (
        StatusChange.objects.filter(application=assessed, from_status=S.UNDER_ASSESSMENT).count()
        == 1
    )


def test_a_stale_dossier_read_before_the_other_decision_is_a_conflict(assessed, olivia):
    stale = Application.objects.get(pk=assessed.pk)
    decision_record(
        application=assessed,
        outcome=DecisionOutcome.RESERVE,
        decided_on=TODAY(),
        reasons="Réserve.",
        actor=olivia,
    )
    with pytest.raises(ReviewRefused) as refused:
        decision_record(
            application=stale,
            outcome=DecisionOutcome.REJECTED,
            decided_on=TODAY(),
            reasons="Rejet.",
            actor=olivia,
        )
    assert refused.value.conflict
    assert Decision.objects.get().outcome == DecisionOutcome.RESERVE
    assert StatusChange.objects.filter(to_status__in=[S.RESERVE, S.REJECTED]).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_officers_deciding_at_the_same_instant_on_postgresql(call, org_a, alice, olivia, ada):
    require(connection.vendor == "postgresql", "row locks are tested on PostgreSQL (as in CI)")
    criteria = erasmus_criteria(call)
    application = f.lead_application(call=call, organisation=org_a, created_by=alice)
    f.CofinancingFactory(
        partner=application.partners.get(), source=FundingSource.EU, amount=Decimal("10000")
    )
    make_admissible(application, applicant=alice, officer=olivia)
    (assessment,) = assessment_assign(application=application, assessors=[ada], actor=olivia)
    scored(assessment, criteria, [20, 20, 15, 20])
    olga = f.UserFactory(email="olga@authority.example.org")
    f.AuthorityMemberFactory(user=olga, authority=call.authority)
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def decide(actor, outcome):
        try:
            mine = Application.objects.select_related("call").get(pk=application.pk)
            barrier.wait()
            outcomes[outcome] = decision_record(
                application=mine,
                outcome=outcome,
                amount_granted=Decimal("5000") if outcome == DecisionOutcome.SELECTED else None,
                decided_on=TODAY(),
                reasons=f"Décision {outcome}",
                actor=actor,
                from_status=S.UNDER_ASSESSMENT,
            )
        except ReviewRefused as refused:
            outcomes[outcome] = refused
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=decide, args=(olivia, DecisionOutcome.SELECTED)),
        threading.Thread(target=decide, args=(olga, DecisionOutcome.REJECTED)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    refused = [k for k, v in outcomes.items() if isinstance(v, ReviewRefused)]
    won = [k for k, v in outcomes.items() if isinstance(v, Decision)]
    assert len(refused) == 1 and len(won) == 1, outcomes
    assert outcomes[refused[0]].conflict
    application.refresh_from_db()
    assert application.status == won[0]
    assert Decision.objects.filter(application=application).count() == 1
    assert Decision.objects.get(application=application).outcome == won[0]
    assert (
        StatusChange.objects.filter(application=application, from_status=S.UNDER_ASSESSMENT).count()
        == 1
    )


# --- the whole ranking at once -------------------------------------------------------------


def _assessed_dossiers(call, olivia, ada, criteria, totals_values, prefix="RANK"):
    """One dossier per list of scores, under assessment, assessed by Ada; its lead
    organisation has one member."""
    applications = []
    for index, values in enumerate(totals_values):
        application = f.lead_application(call=call, reference=f"{prefix}-{index:03d}")
        f.MembershipFactory(organisation=application.partners.get().organisation)
        f.CofinancingFactory(
            partner=application.partners.get(), source=FundingSource.EU, amount=Decimal("10000")
        )
        transition(application=application, to_status=S.SUBMITTED, actor=application.created_by)
        transition(application=application, to_status=S.ELIGIBILITY_REVIEW, actor=olivia)
        transition(application=application, to_status=S.ADMISSIBLE, actor=olivia)
        (assessment,) = assessment_assign(application=application, assessors=[ada], actor=olivia)
        scored(assessment, criteria, values)
        applications.append(application)
    return applications


def test_the_committee_decides_the_whole_ranking_at_once(
    client, call, olivia, ada, criteria, mailoutbox, django_capture_on_commit_callbacks
):
    first, second, third = _assessed_dossiers(
        call, olivia, ada, criteria, [[25, 30, 20, 25], [20, 20, 15, 15], [10, 10, 5, 10]]
    )
    login(client, olivia)
    url = reverse("review:ranking", args=[call.reference])
    page = client.get(url)
    assert page.status_code == 200
    content = page.content.decode()
    assert content.index("RANK-000") < content.index("RANK-001") < content.index("RANK-002")
    assert "Défavorable" in content and "Favorable" in content
    data = {
        "committee": "Comité de sélection",
        "decided_on": TODAY().isoformat(),
        "reasons": "Classement du comité.",
        f"outcome_{first.pk}": "selected",
        f"amount_{first.pk}": "10 000",
        f"status_{first.pk}": S.UNDER_ASSESSMENT,
        f"outcome_{second.pk}": "reserve",
        f"status_{second.pk}": S.UNDER_ASSESSMENT,
        f"outcome_{third.pk}": "rejected",
        f"reasons_{third.pk}": "Sous les seuils.",
        f"status_{third.pk}": S.UNDER_ASSESSMENT,
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302
    statuses = dict(Application.objects.values_list("reference", "status"))
    assert statuses == {"RANK-000": S.SELECTED, "RANK-001": S.RESERVE, "RANK-002": S.REJECTED}
    decisions = {d.application.reference: d for d in Decision.objects.select_related("application")}
    assert decisions["RANK-000"].amount_granted == Decimal("10000")
    assert decisions["RANK-000"].committee == "Comité de sélection"
    assert decisions["RANK-002"].reasons == "Classement du comité.\n\nSous les seuils."
    assert (
        StatusChange.objects.filter(to_status__in=[S.SELECTED, S.RESERVE, S.REJECTED]).count() == 3
    )
    assert len(mailoutbox) == 3


def test_one_wrong_row_of_the_ranking_writes_nothing(client, call, olivia, ada, criteria):
    first, second = _assessed_dossiers(call, olivia, ada, criteria, [[25, 30, 20, 25]] * 2)
    login(client, olivia)
    response = client.post(
        reverse("review:ranking", args=[call.reference]),
        {
            "committee": "Comité",
            "decided_on": TODAY().isoformat(),
            "reasons": "Classement.",
            f"outcome_{first.pk}": "selected",
            f"amount_{first.pk}": "10 000",
            f"outcome_{second.pk}": "selected",
            f"amount_{second.pk}": "10 000,01",
        },
    )
    assert response.status_code == 422
    assert "ne peut pas dépasser le montant demandé" in response.content.decode()
    assert not Decision.objects.exists()
    assert set(Application.objects.values_list("status", flat=True)) == {S.UNDER_ASSESSMENT}


def test_a_ranking_with_no_outcome_chosen_is_refused(client, call, olivia, ada, criteria):
    _assessed_dossiers(call, olivia, ada, criteria, [[25, 30, 20, 25]])
    login(client, olivia)
    response = client.post(
        reverse("review:ranking", args=[call.reference]),
        {"committee": "Comité", "decided_on": TODAY().isoformat(), "reasons": "R."},
    )
    assert response.status_code == 422
    assert "au moins un dossier" in response.content.decode()


def _ranking_queries(client, call, olivia):
    login(client, olivia)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("review:ranking", args=[call.reference])).status_code == 200
    return len(queries)


RANKING_QUERIES = 8


def test_the_ranking_takes_the_same_queries_for_5_and_for_30_dossiers(
    client, olivia, ada, authority
):
    counts = []
    for size in (5, 30):
        programme = f.ProgrammeFactory(managing_authority=authority)
        call = f.CallFactory(programme=programme, authority=authority)
        criteria = erasmus_criteria(call)
        _assessed_dossiers(
            call, olivia, ada, criteria, [[20, 20, 15, 15]] * size, prefix=f"Q{size}"
        )
        counts.append(_ranking_queries(client, call, olivia))
    # session, user, the call (its authority's officers as a subquery), criteria, the
    # dossiers with their decisions, the submitted scores, the latest snapshots, the live EU
    # co-financing of dossiers without a snapshot (the session is written again once a
    # minute, not here).
    assert counts == [RANKING_QUERIES, RANKING_QUERIES], counts


# --- contracting ------------------------------------------------------------------------


@pytest.fixture
def selected(assessed, olivia):
    decision_record(
        application=assessed,
        outcome=DecisionOutcome.SELECTED,
        amount_granted=Decimal("50000"),
        decided_on=TODAY() - dt.timedelta(days=10),
        reasons="Retenu.",
        actor=olivia,
    )
    return assessed


def test_a_selected_dossier_is_contracted_then_started(
    client, selected, olivia, alice, mailoutbox, django_capture_on_commit_callbacks
):
    programme = selected.call.programme
    programme.report_interval_months = 6
    programme.save(update_fields=["report_interval_months"])
    login(client, olivia)
    url = reverse("review:contract", args=[selected.reference])
    assert client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "action": "contract",
                "contract_reference": "CONV-2026-001",
                "signed_on": TODAY().isoformat(),
                "from_status": S.SELECTED,
            },
        )
    assert response.status_code == 302
    selected.refresh_from_db()
    assert selected.status == S.CONTRACTED
    assert selected.contract_reference == "CONV-2026-001"
    assert selected.contract_signed_on == TODAY()
    page = client.get(url).content.decode()
    assert "Démarrer le projet" in page
    # The dossier runs 1 Jan 2027 - 31 Dec 2028: four semestrial reports.
    assert page.count('<tr><th scope="row">') == 4
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(url, {"action": "start", "from_status": S.CONTRACTED})
    assert started.status_code == 302
    selected.refresh_from_db()
    assert selected.status == S.IN_PROGRESS
    assert list(
        StatusChange.objects.filter(application=selected)
        .order_by("created_at", "id")
        .values_list("to_status", flat=True)
    )[-2:] == [S.CONTRACTED, S.IN_PROGRESS]
    assert [m.to for m in mailoutbox] == [[alice.email], [alice.email]]


def test_a_contract_reference_is_unique(client, selected, olivia, call, alice):
    other = f.lead_application(call=call, reference="OTHER-1", contract_reference="CONV-1")
    assert other.contract_reference == "CONV-1"
    login(client, olivia)
    response = client.post(
        reverse("review:contract", args=[selected.reference]),
        {"action": "contract", "contract_reference": "conv-1", "signed_on": TODAY().isoformat()},
    )
    assert response.status_code == 422
    assert "est déjà celle de la convention" in response.content.decode()
    selected.refresh_from_db()
    assert selected.status == S.SELECTED and selected.contract_reference == ""


def test_a_contract_needs_a_date_not_in_the_future_nor_before_the_decision(selected, olivia):
    for signed_on, message in [
        (None, "Indiquez la date"),
        (TODAY() + dt.timedelta(days=1), "dans le futur"),
        (TODAY() - dt.timedelta(days=11), "avant la décision"),
    ]:
        with pytest.raises(ReviewRefused) as refused:
            application_contract(
                application=selected,
                contract_reference="CONV-9",
                signed_on=signed_on,
                actor=olivia,
            )
        assert message in refused.value.errors["signed_on"]
    selected.refresh_from_db()
    assert selected.status == S.SELECTED


def test_only_a_selected_dossier_is_contracted_and_only_a_contracted_one_started(assessed, olivia):
    with pytest.raises(ReviewRefused):
        application_contract(
            application=assessed, contract_reference="C-1", signed_on=TODAY(), actor=olivia
        )
    with pytest.raises(ReviewRefused):
        application_start(application=assessed, actor=olivia)
    assessed.refresh_from_db()
    assert assessed.status == S.UNDER_ASSESSMENT and assessed.contract_reference == ""


def test_an_officer_of_another_authority_cannot_decide_nor_contract(assessed, oscar):
    with pytest.raises(ReviewRefused):
        decision_record(
            application=assessed,
            outcome=DecisionOutcome.REJECTED,
            decided_on=TODAY(),
            reasons="Non.",
            actor=oscar,
        )
    with pytest.raises(ReviewRefused):
        application_contract(
            application=assessed, contract_reference="C-1", signed_on=TODAY(), actor=oscar
        )
    assert not Decision.objects.exists()


# --- the report calendar ---------------------------------------------------------------------


def test_the_report_calendar_every_six_months():
    assert report_calendar(dt.date(2027, 1, 1), dt.date(2028, 12, 31), 6) == [
        dt.date(2027, 6, 30),
        dt.date(2027, 12, 31),
        dt.date(2028, 6, 30),
        dt.date(2028, 12, 31),
    ]


def test_the_last_report_covers_a_shorter_final_period():
    assert report_calendar(dt.date(2027, 3, 15), dt.date(2028, 1, 31), 6) == [
        dt.date(2027, 9, 14),
        dt.date(2028, 1, 31),
    ]


def test_a_project_shorter_than_the_interval_has_only_its_final_report():
    assert report_calendar(dt.date(2027, 1, 1), dt.date(2027, 4, 30), 6) == [dt.date(2027, 4, 30)]


def test_months_are_clamped_to_their_length():
    assert report_calendar(dt.date(2027, 8, 31), dt.date(2028, 8, 30), 6)[0] == dt.date(2028, 2, 28)


def test_the_report_periods_follow_each_other():
    periods = report_periods(dt.date(2027, 1, 1), dt.date(2028, 12, 31), 12)
    assert [(p.number, p.start, p.end, p.is_final) for p in periods] == [
        (1, dt.date(2027, 1, 1), dt.date(2027, 12, 31), False),
        (2, dt.date(2028, 1, 1), dt.date(2028, 12, 31), True),
    ]


def test_the_report_calendar_refuses_nonsense():
    with pytest.raises(ValueError):
        report_calendar(dt.date(2027, 1, 1), dt.date(2027, 12, 31), 0)
    with pytest.raises(ValueError):
        report_calendar(dt.date(2027, 1, 1), dt.date(2026, 12, 31), 6)


# --- permissions ------------------------------------------------------------------------------


@pytest.fixture
def people(alice, bob, charlie, oscar, ada, authority):
    return {
        "alice": alice,
        "bob": bob,
        "charlie": charlie,
        "oscar": oscar,
        "ada (assigned assessor)": ada,
        "ines (unassigned assessor)": assessor_of(authority, "Ines"),
    }


PERSONAS = [
    "alice",
    "bob",
    "charlie",
    "oscar",
    "ada (assigned assessor)",
    "ines (unassigned assessor)",
]


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_officers_pages_are_a_404_for_everyone_else(client, assessed, people, persona):
    login(client, people[persona])
    urls = [
        reverse("review:ranking", args=[assessed.call.reference]),
        reverse("review:decide", args=[assessed.reference]),
        reverse("review:contract", args=[assessed.reference]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
        assert client.post(url, decide_post(outcome="rejected", amount="")).status_code == 404
    assessed.refresh_from_db()
    assert assessed.status == S.UNDER_ASSESSMENT
    assert not Decision.objects.exists()


def test_anonymous_visitors_are_sent_to_the_login_page(client, assessed):
    for url in (
        reverse("review:ranking", args=[assessed.call.reference]),
        reverse("review:decide", args=[assessed.reference]),
        reverse("review:contract", args=[assessed.reference]),
    ):
        response = client.post(url, decide_post())
        assert response.status_code == 302 and reverse("login") in response["Location"]
    assert not Decision.objects.exists()


def test_the_decision_of_another_authoritys_call_is_never_shown(client, oscar, assessed):
    login(client, oscar)
    response = client.get(reverse("review:ranking", args=[assessed.call.reference]))
    assert response.status_code == 404
    assert assessed.reference not in response.content.decode()
