"""Decisions under /api/v1/decisions/: read-only, authenticated; applicants read the
decision of their organisations' dossiers once the dossier is decided (as its page shows
it), officers every decision of their authorities' dossiers, assessors none; each filter,
both paginations, ETag; queries pinned; amounts to the cent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from applications.choices import ApplicationStatus as S
from applications.choices import AssessmentStatus, DecisionOutcome
from applications.models import Application, Assessment, Decision
from calls.choices import AuthorityRole
from partners.choices import PartnerRole
from partners.models import Organisation, Partner
from tests import factories as f
from tests.review.test_queue import make_dossier

pytestmark = pytest.mark.django_db

DECISIONS = "/api/v1/decisions/"


def references(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["reference"] for row in response.json()["results"]]


def as_user(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def decided(
    call,
    *,
    status=S.SELECTED,
    outcome=None,
    amount=None,
    decided_on=dt.date(2026, 6, 15),
    by=None,
    **fields,
) -> Application:
    """A dossier of ``call`` in ``status`` with its decision (the outcome its status says
    unless given; 1000.00 granted to a selected one unless given)."""
    application = make_dossier(call, status=status, **fields)
    outcome = outcome or (status if status in DecisionOutcome.values else DecisionOutcome.SELECTED)
    if amount is None and outcome == DecisionOutcome.SELECTED:
        amount = "1000.00"
    Decision.objects.create(
        application=application,
        outcome=outcome,
        amount_granted=None if amount is None else Decimal(amount),
        decided_on=decided_on,
        committee="Comité de programmation",
        reasons="Projet solide.",
        decided_by=by or application.created_by,
    )
    return application


@pytest.fixture
def world(call, other_authority, org_a, org_b, org_c, alice, bob, charlie, olivia, oscar, ada):
    """A's dossier selected (with B), A's dossier withdrawn after its decision, C's dossier
    rejected, a dossier of the other authority on its reserve list; Ada assesses A's."""
    selected = decided(call, reference="A-SELECTED", lead=org_a, partners=[org_b])
    decided(call, reference="A-WITHDRAWN", lead=org_a, status=S.WITHDRAWN, outcome="reserve")
    decided(call, reference="C-REJECTED", lead=org_c, status=S.REJECTED)
    decided(
        f.CallFactory(authority=other_authority),
        reference="OTHER-RESERVE",
        status=S.RESERVE,
    )
    Assessment.objects.create(
        application=selected,
        assessor=ada,
        assigned_by=olivia,
        status=AssessmentStatus.SUBMITTED,
        no_conflict_declared_at=dt.datetime(2026, 5, 1, tzinfo=dt.UTC),
    )
    return selected


# --- who reads what ----------------------------------------------------------------------

PERSONAS = {
    "alice": ["A-SELECTED"],
    "bob": ["A-SELECTED"],
    "charlie": ["C-REJECTED"],
    "olivia": ["A-SELECTED", "A-WITHDRAWN", "C-REJECTED"],
    "oscar": ["OTHER-RESERVE"],
    "ada": [],
    "anonymous": None,
}
EVERY = ["A-SELECTED", "A-WITHDRAWN", "C-REJECTED", "OTHER-RESERVE"]


@pytest.mark.parametrize(("persona", "expected"), PERSONAS.items())
def test_each_persona_reads_exactly_the_decisions_its_pages_show(request, world, persona, expected):
    client = APIClient()
    if persona != "anonymous":
        client.force_authenticate(request.getfixturevalue(persona))

    listed = client.get(DECISIONS, {"ordering": "reference"})
    if expected is None:
        assert listed.status_code == 401
        assert listed.json()["code"] == "not_authenticated"
        for reference in EVERY:
            assert client.get(f"{DECISIONS}{reference}/").status_code == 401
        return

    assert references(listed) == expected
    assert listed.json()["count"] == len(expected)
    for reference in EVERY:
        detail = client.get(f"{DECISIONS}{reference}/")
        if reference in expected:
            assert detail.status_code == 200
            assert detail.json()["reference"] == reference
        else:
            assert detail.status_code == 404
            assert detail.json() == {
                "code": "not_found",
                "message": detail.json()["message"],
                "errors": {},
            }


@pytest.mark.parametrize("status", [S.SELECTED, S.RESERVE, S.CONTRACTED, S.IN_PROGRESS, S.CLOSED])
def test_the_applicant_reads_the_decision_in_every_decided_state(call, org_a, alice, status):
    decided(call, reference="DEC-1", lead=org_a, status=status)
    assert references(as_user(alice).get(DECISIONS)) == ["DEC-1"]


def test_the_applicant_does_not_read_a_decision_before_the_dossier_carries_it(
    call, org_a, alice, olivia
):
    # Recorded on a dossier still under assessment (the transition not yet made).
    decided(call, reference="DEC-1", lead=org_a, status=S.UNDER_ASSESSMENT)
    assert references(as_user(alice).get(DECISIONS)) == []
    assert as_user(alice).get(f"{DECISIONS}DEC-1/").status_code == 404
    assert references(as_user(olivia).get(DECISIONS)) == ["DEC-1"]


def test_the_api_is_read_only(world, olivia):
    assert as_user(olivia).post(DECISIONS, {"outcome": "selected"}).status_code == 405
    assert as_user(olivia).delete(f"{DECISIONS}A-SELECTED/").status_code == 405


# --- what a decision says ----------------------------------------------------------------


def test_a_decision_reads_as_on_the_pages(call, org_a, org_b, alice, olivia):
    application = decided(
        call,
        reference="DEC-1",
        lead=org_a,
        partners=[org_b],
        amount="123456.78",
        acronym="MOBI",
        title="Mobilité",
        by=olivia,
    )
    Decision.objects.filter(application=application).update(conditions="Rapport annuel.")
    body = as_user(alice).get(f"{DECISIONS}DEC-1/").json()
    assert body == {
        "reference": "DEC-1",
        "acronym": "MOBI",
        "title": "Mobilité",
        "lead": {"name": "Organisation A", "country": "FR"},
        "call": call.reference,
        "programme": call.programme.code,
        "fund": call.programme.fund.code,
        "authority": "authority-main",
        "outcome": "selected",
        "outcome_label": "Retenu",
        "amount_granted": "123456.78",
        "committee": "Comité de programmation",
        "decided_on": "2026-06-15",
        "reasons": "Projet solide.",
        "conditions": "Rapport annuel.",
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
    }
    assert body["created_at"]
    assert body["updated_at"] >= body["created_at"]
    assert "decided_by" not in body and olivia.email not in str(body)


def test_a_rejection_has_no_amount(call, org_c, charlie):
    decided(call, reference="DEC-1", lead=org_c, status=S.REJECTED)
    [row] = as_user(charlie).get(DECISIONS).json()["results"]
    assert row["amount_granted"] is None
    assert row["outcome_label"] == "Rejeté"


def test_a_detail_has_an_etag_and_an_unchanged_one_is_a_304(world, olivia):
    client = as_user(olivia)
    url = f"{DECISIONS}A-SELECTED/"
    etag = client.get(url)["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    Decision.objects.filter(application=world).update(amount_granted=Decimal("999.99"))
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200


# --- filters -----------------------------------------------------------------------------


@pytest.fixture
def officer_client(olivia):
    return as_user(olivia)


def test_the_call_filter(officer_client, call, authority):
    wanted = decided(call)
    decided(f.CallFactory(authority=authority))
    assert references(officer_client.get(DECISIONS, {"call": call.reference})) == [wanted.reference]


def test_the_programme_filter(officer_client, call, authority):
    wanted = decided(call)
    decided(f.CallFactory(authority=authority))
    assert references(officer_client.get(DECISIONS, {"programme": call.programme.code})) == [
        wanted.reference
    ]


def test_the_fund_filter(officer_client, call, authority):
    wanted = decided(call)
    decided(f.CallFactory(authority=authority))
    fund = call.programme.fund.code
    assert references(officer_client.get(DECISIONS, {"fund": fund})) == [wanted.reference]


def test_the_authority_filter(call, authority, other_authority):
    both = f.UserFactory()
    for each in (authority, other_authority):
        f.AuthorityMemberFactory(user=both, authority=each, role=AuthorityRole.OFFICER)
    wanted = decided(call)
    decided(f.CallFactory(authority=other_authority))
    client = as_user(both)
    assert len(references(client.get(DECISIONS))) == 2
    assert references(client.get(DECISIONS, {"authority": "authority-main"})) == [wanted.reference]


def test_the_outcome_filter(officer_client, call):
    decided(call)
    wanted = decided(call, status=S.RESERVE)
    assert references(officer_client.get(DECISIONS, {"outcome": "reserve"})) == [wanted.reference]
    response = officer_client.get(DECISIONS, {"outcome": "maybe"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["outcome"]


def test_decided_after_and_before_are_days(officer_client, call):
    early = decided(call, decided_on=dt.date(2026, 3, 1))
    late = decided(call, decided_on=dt.date(2026, 3, 20))
    after = officer_client.get(DECISIONS, {"decided_after": "2026-03-20"})
    assert references(after) == [late.reference]
    before = officer_client.get(DECISIONS, {"decided_before": "2026-03-01"})
    assert references(before) == [early.reference]
    assert officer_client.get(DECISIONS, {"decided_after": "mars"}).status_code == 400


def test_q_searches_reference_acronym_title_and_committee(officer_client, call):
    decided(call, reference="REF-ZZ-1")
    decided(call, acronym="MOBILAB")
    other = decided(call, title="Tiers-lieux ruraux")
    Decision.objects.filter(application=other).update(committee="Comité régional Hainaut")
    assert references(officer_client.get(DECISIONS, {"q": "ref-zz"})) == ["REF-ZZ-1"]
    assert len(references(officer_client.get(DECISIONS, {"q": "mobilab"}))) == 1
    assert references(officer_client.get(DECISIONS, {"q": "TIERS-LIEUX"})) == [other.reference]
    assert references(officer_client.get(DECISIONS, {"q": "hainaut"})) == [other.reference]


def test_the_search_never_reaches_beyond_what_is_visible(world, charlie):
    assert references(as_user(charlie).get(DECISIONS, {"q": "A-SELECTED"})) == []


def test_ordering_follows_the_whitelist(officer_client, call):
    decided(call, reference="DEC-B", amount="30.00")
    decided(call, reference="DEC-A", amount="200.00")
    decided(call, reference="DEC-C", amount="100.00")
    assert references(officer_client.get(DECISIONS, {"ordering": "reference"})) == [
        "DEC-A",
        "DEC-B",
        "DEC-C",
    ]
    assert references(officer_client.get(DECISIONS, {"ordering": "-amount_granted"})) == [
        "DEC-A",
        "DEC-C",
        "DEC-B",
    ]
    response = officer_client.get(DECISIONS, {"ordering": "reasons"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["ordering"]


# --- pagination and queries --------------------------------------------------------------


def many_decisions(call, rows: int, *, by) -> None:
    """``rows`` selected dossiers of ``call``, each with its lead and its decision."""
    applications = Application.objects.bulk_create(
        Application(
            call=call,
            reference=f"BULK-{n:03d}",
            title=f"Projet {n}",
            status=S.SELECTED,
            created_by=by,
        )
        for n in range(rows)
    )
    organisations = Organisation.objects.bulk_create(
        Organisation(legal_name=f"Structure {n:03d}", legal_type="association", country="BE")
        for n in range(rows)
    )
    Partner.objects.bulk_create(
        Partner(application=a, organisation=o, role=PartnerRole.LEAD, number=1)
        for a, o in zip(applications, organisations, strict=True)
    )
    Decision.objects.bulk_create(
        Decision(
            application=a,
            outcome=DecisionOutcome.SELECTED,
            amount_granted=Decimal("1000.05"),
            decided_on=dt.date(2026, 6, 1),
            reasons="Retenu.",
            decided_by=by,
        )
        for a in applications
    )


def walk(client, first: dict) -> list[str]:
    response = client.get(DECISIONS, first).json()
    seen = []
    while True:
        seen += [row["reference"] for row in response["results"]]
        if not response["next"]:
            return seen
        response = client.get(response["next"]).json()


def test_pages_by_number_and_the_cursor_return_every_decision_once(officer_client, call, olivia):
    many_decisions(call, 7, by=olivia)
    expected = [f"BULK-{n:03d}" for n in range(7)]
    assert officer_client.get(DECISIONS, {"page_size": 3}).json()["count"] == 7
    assert sorted(walk(officer_client, {"page_size": 3})) == expected
    assert "count" not in officer_client.get(DECISIONS, {"cursor": "", "page_size": 3}).json()
    assert walk(officer_client, {"cursor": "", "page_size": 3}) == expected


@pytest.mark.parametrize("rows", [2, 100])
def test_the_list_queries_do_not_grow_with_the_decisions(
    officer_client, call, olivia, django_assert_num_queries, rows
):
    many_decisions(call, rows, by=olivia)
    # count; the decisions with dossier, call, programme, fund, authority and lead.
    with django_assert_num_queries(2):
        response = officer_client.get(DECISIONS, {"page_size": 100})
    results = response.json()["results"]
    assert len(results) == rows
    assert {row["amount_granted"] for row in results} == {"1000.05"}
    assert {row["lead"]["country"] for row in results} == {"BE"}
    with django_assert_num_queries(1):
        officer_client.get(DECISIONS, {"cursor": "", "page_size": 100})


def test_the_detail_queries_are_pinned(world, officer_client, django_assert_num_queries):
    # The decision with its joins and its lead.
    with django_assert_num_queries(1):
        response = officer_client.get(f"{DECISIONS}A-SELECTED/")
    assert response.json()["amount_granted"] == "1000.00"


def test_a_revised_decision_comes_back_with_updated_since(world, officer_client):
    """The committee moves a reserve to selected: the decision's row is rewritten, and a
    client that synchronised before sees it again (and only it)."""
    first_pass = officer_client.get(DECISIONS, {"cursor": ""}).json()["results"]
    high_water = max(row["updated_at"] for row in first_pass)
    revised = Decision.objects.get(application__reference="C-REJECTED")
    revised.outcome = DecisionOutcome.SELECTED
    revised.amount_granted = Decimal("2500.50")
    revised.save()

    changed = officer_client.get(DECISIONS, {"updated_since": high_water}).json()["results"]
    assert [row["reference"] for row in changed if row["updated_at"] > high_water] == ["C-REJECTED"]
    assert [row["amount_granted"] for row in changed if row["reference"] == "C-REJECTED"] == [
        "2500.50"
    ]


def test_the_migration_dates_existing_decisions_from_when_they_were_recorded(world):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("applications.migrations.0008_decision_updated_at")
    Decision.objects.update(updated_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    migration.recorded_is_changed(apps, None)
    assert all(d.updated_at == d.created_at for d in Decision.objects.all())


# --- schema ------------------------------------------------------------------------------


def test_the_schema_documents_the_decisions(api):
    schema = api.get("/api/v1/schema/", {"format": "json"}).json()
    listing = schema["paths"]["/api/v1/decisions/"]["get"]
    names = {parameter["name"] for parameter in listing["parameters"]}
    assert {
        "q", "ordering", "page", "page_size", "cursor", "call", "programme", "fund",
        "authority", "outcome", "decided_after", "decided_before", "updated_since",
    } <= names  # fmt: skip
    detail = schema["paths"]["/api/v1/decisions/{reference}/"]["get"]
    assert {"304", "401", "403", "404"} <= set(detail["responses"])
    amount = schema["components"]["schemas"]["Decision"]["properties"]["amount_granted"]
    assert amount["type"] == "string" and amount["format"] == "decimal"
