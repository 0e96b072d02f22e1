"""Dossiers under /api/v1/applications/: read-only, authenticated; each account reads the
dossiers its pages show it (its organisations', its authorities' submitted ones, those
assigned to it for assessment) and nothing else, not even in a count; each filter, both
paginations, ETag; queries pinned."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from applications.choices import ApplicationStatus as S
from applications.choices import AssessmentStatus, FundingSource
from applications.models import (
    Activity,
    Application,
    Assessment,
    Deliverable,
    StatusChange,
    WorkPackage,
)
from applications.services import snapshot_freeze
from calls.eligibility import check_application, freeze
from tests import factories as f
from tests.review.test_queue import make_dossier

pytestmark = pytest.mark.django_db

APPLICATIONS = "/api/v1/applications/"
# The detail of a draft: 6 queries of its own, 13 of the eligibility engine (its facts).
DRAFT_DETAIL_QUERIES = 19


def references(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["reference"] for row in response.json()["results"]]


def as_user(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def world(call, other_authority, dossier, org_a, org_b, org_c, alice, olivia, ada):
    """A's draft led with B (``dossier``), A's submitted dossier, C's submitted dossier on
    the same call, a dossier submitted to the other authority, and an assessment of A's
    submitted dossier by Ada (declared free of conflict)."""
    dossier.reference = "A-DRAFT"
    dossier.save()
    submitted = make_dossier(call, reference="A-SUBMITTED", lead=org_a, partners=[org_b])
    make_dossier(call, reference="C-SUBMITTED", lead=org_c)
    other_call = f.CallFactory(authority=other_authority)
    make_dossier(other_call, reference="OTHER-AUTHORITY", lead=f.OrganisationFactory())
    Assessment.objects.create(
        application=submitted,
        assessor=ada,
        assigned_by=olivia,
        status=AssessmentStatus.IN_PROGRESS,
        no_conflict_declared_at=timezone.now(),
    )
    return submitted


# --- who reads what ----------------------------------------------------------------------

PERSONAS = {
    "alice": ["A-DRAFT", "A-SUBMITTED"],
    "bob": ["A-DRAFT", "A-SUBMITTED"],
    "charlie": ["C-SUBMITTED"],
    "olivia": ["A-SUBMITTED", "C-SUBMITTED"],
    "oscar": ["OTHER-AUTHORITY"],
    "ada": ["A-SUBMITTED"],
    "anonymous": None,
}
EVERY = ["A-DRAFT", "A-SUBMITTED", "C-SUBMITTED", "OTHER-AUTHORITY"]


@pytest.mark.parametrize(("persona", "expected"), PERSONAS.items())
def test_each_persona_reads_exactly_the_dossiers_its_pages_show(request, world, persona, expected):
    client = APIClient()
    if persona != "anonymous":
        client.force_authenticate(request.getfixturevalue(persona))

    listed = client.get(APPLICATIONS, {"ordering": "reference"})
    if expected is None:
        assert listed.status_code == 401
        assert listed.json()["code"] == "not_authenticated"
        assert set(listed.json()) == {"code", "message", "errors"}
        for reference in EVERY:
            detail = client.get(f"{APPLICATIONS}{reference}/")
            assert detail.status_code == 401
            assert detail.json()["code"] == "not_authenticated"
        return

    assert references(listed) == expected
    assert listed.json()["count"] == len(expected)
    for reference in EVERY:
        detail = client.get(f"{APPLICATIONS}{reference}/")
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


def test_an_assessor_reads_nothing_before_declaring_nor_after_declining(world, ada, olivia, call):
    Assessment.objects.filter(assessor=ada).update(no_conflict_declared_at=None)
    declined = make_dossier(call, reference="DECLINED")
    Assessment.objects.create(
        application=declined,
        assessor=ada,
        assigned_by=olivia,
        status=AssessmentStatus.DECLINED,
        no_conflict_declared_at=timezone.now(),
    )
    assert references(as_user(ada).get(APPLICATIONS)) == []
    assert as_user(ada).get(f"{APPLICATIONS}DECLINED/").status_code == 404


def test_a_token_or_a_session_authenticates(world, alice, client):
    token = APIClient()
    token.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=alice).key}")
    assert sorted(references(token.get(APPLICATIONS))) == ["A-DRAFT", "A-SUBMITTED"]
    client.force_login(alice)
    assert client.get(APPLICATIONS).status_code == 200


def test_a_dossier_is_never_replaced_or_deleted_whole(world, alice):
    """Writes go through the dossier's actions (tests/api/test_application_writes.py); a
    dossier is withdrawn, never deleted, and never replaced in one PUT."""
    client = as_user(alice)
    assert client.delete(f"{APPLICATIONS}A-DRAFT/").status_code == 405
    assert client.put(f"{APPLICATIONS}A-DRAFT/", {"title": "Nouveau"}).status_code == 405
    assert Application.objects.filter(reference="A-DRAFT").exists()


# --- what a dossier says -----------------------------------------------------------------


def test_a_dossier_reads_with_its_consortium_frozen_facts_and_history(call, org_a, org_b, alice):
    measure = f.MeasureFactory(axis=f.AxisFactory(programme=call.programme))
    application = make_dossier(
        call, reference="DOS-1", lead=org_a, partners=[org_b], budget="1234.5", eu="617.25",
        measure=measure, acronym="MOBI", title="Mobilité",
    )  # fmt: skip
    StatusChange.objects.create(
        application=application, from_status=S.DRAFT, to_status=S.SUBMITTED, actor=alice
    )
    body = as_user(alice).get(f"{APPLICATIONS}DOS-1/").json()
    snapshot = application.current_snapshot
    assert body["call"] == call.reference
    assert body["measure"] == measure.code
    assert body["acronym"] == "MOBI" and body["title"] == "Mobilité"
    assert body["status"] == "submitted" and body["status_label"] == "Déposé"
    assert body["start_date"] == "2027-01-01" and body["end_date"] == "2028-12-31"
    assert body["lead"] == {"name": "Organisation A", "country": "FR"}
    assert body["partners"] == [
        {"number": 1, "role": "lead", "organisation": "Organisation A", "country": "FR"},
        {"number": 2, "role": "partner", "organisation": "Organisation B", "country": "BE"},
    ]
    assert body["submitted_version"] == {
        "number": 1,
        "sha256": snapshot.sha256,
        "verdict": snapshot.verdict,
        "total_budget": "1234.50",
        "eu_requested": "617.25",
    }
    [change] = body["status_history"]
    assert change["from"] == "draft" and change["to"] == "submitted"
    assert change["at"]
    for field in ("created_at", "submitted_at", "updated_at"):
        assert body[field]


def test_a_draft_has_no_frozen_version_and_the_list_no_history(dossier, alice):
    body = as_user(alice).get(f"{APPLICATIONS}{dossier.reference}/").json()
    assert body["submitted_version"] is None
    assert body["measure"] is None
    assert body["submitted_at"] is None
    [row] = as_user(alice).get(APPLICATIONS).json()["results"]
    assert "status_history" not in row


def test_a_detail_has_an_etag_and_an_unchanged_one_is_a_304(dossier, alice):
    client = as_user(alice)
    url = f"{APPLICATIONS}{dossier.reference}/"
    etag = client.get(url)["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    Application.objects.filter(pk=dossier.pk).update(title="Autre intitulé")
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200


# --- work plan, budget and eligibility on the detail --------------------------------------


def test_the_detail_has_the_work_packages_with_activities_and_deliverables(dossier, alice):
    partner_b = dossier.partners.get(number=2)
    second = f.WorkPackageFactory(application=dossier, number=2, title="Diffusion")
    first = f.WorkPackageFactory(
        application=dossier,
        number=1,
        title="Coordination",
        description="Pilotage du projet.",
        lead_partner=partner_b,
        start_month=1,
        end_month=24,
    )
    Activity.objects.create(work_package=first, position=2, title="Comités", end_month=24)
    Activity.objects.create(work_package=first, position=1, title="Lancement", end_month=2)
    Deliverable.objects.create(work_package=first, position=1, title="Rapport", due_month=12)
    body = as_user(alice).get(f"{APPLICATIONS}{dossier.reference}/").json()
    assert [wp["number"] for wp in body["work_packages"]] == [1, 2]
    assert body["work_packages"][0] == {
        "number": 1,
        "title": "Coordination",
        "description": "Pilotage du projet.",
        "lead_partner": 2,
        "start_month": 1,
        "end_month": 24,
        "activities": [
            {"position": 1, "title": "Lancement", "description": "", "start_month": 1,
             "end_month": 2},
            {"position": 2, "title": "Comités", "description": "", "start_month": 1,
             "end_month": 24},
        ],
        "deliverables": [
            {"position": 1, "title": "Rapport", "description": "", "due_month": 12},
        ],
    }  # fmt: skip
    assert body["work_packages"][1]["lead_partner"] is None
    assert body["work_packages"][1]["title"] == second.title
    [row] = as_user(alice).get(APPLICATIONS).json()["results"]
    assert "work_packages" not in row and "budget" not in row and "eligibility" not in row


def test_the_budget_and_cofinancing_totals_are_to_the_cent(dossier, alice):
    lead, partner_b = dossier.partners.order_by("number")
    f.BudgetLineFactory(partner=lead, amount=Decimal("1234.56"))
    f.BudgetLineFactory(partner=lead, amount=Decimal("0.11"))
    f.BudgetLineFactory(partner=partner_b, amount=Decimal("765.33"))
    f.CofinancingFactory(partner=lead, source=FundingSource.EU, amount=Decimal("740.80"))
    f.CofinancingFactory(partner=lead, source=FundingSource.OWN_FUNDS, amount=Decimal("493.87"))
    f.CofinancingFactory(partner=partner_b, source=FundingSource.EU, amount=Decimal("459.20"))
    budget = as_user(alice).get(f"{APPLICATIONS}{dossier.reference}/").json()["budget"]
    assert budget == {
        "total_budget": "2000.00",
        "total_cofinancing": "1693.87",
        "eu_amount": "1200.00",
        "eu_rate": "60.00",
        "partners": [
            {"number": 1, "organisation": "Organisation A", "total_budget": "1234.67",
             "total_cofinancing": "1234.67", "eu_amount": "740.80", "eu_rate": "60.00"},
            {"number": 2, "organisation": "Organisation B", "total_budget": "765.33",
             "total_cofinancing": "459.20", "eu_amount": "459.20", "eu_rate": "60.00"},
        ],
    }  # fmt: skip


def test_a_dossier_without_budget_has_zero_totals_and_no_rate(dossier, alice):
    budget = as_user(alice).get(f"{APPLICATIONS}{dossier.reference}/").json()["budget"]
    assert budget["total_budget"] == "0.00" and budget["eu_amount"] == "0.00"
    assert budget["eu_rate"] is None


def test_a_drafts_eligibility_is_the_live_checklist(call, dossier, alice):
    f.EligibilityRuleFactory(call=call, parameters={"minimum": 3})
    client = as_user(alice)
    eligibility = client.get(f"{APPLICATIONS}{dossier.reference}/").json()["eligibility"]
    assert eligibility["source"] == "live"
    assert eligibility["verdict"] == "fail"
    [result] = [r for r in eligibility["results"] if r["kind"] == "min_partners"]
    assert result["status"] == "fail" and result["status_label"] == "Non conforme"
    assert result["blocking"] is True
    assert result["message"]
    # Live: a third partner and the rule passes.
    f.PartnerFactory(application=dossier, number=3)
    eligibility = client.get(f"{APPLICATIONS}{dossier.reference}/").json()["eligibility"]
    [result] = [r for r in eligibility["results"] if r["kind"] == "min_partners"]
    assert result["status"] == "pass"


def test_a_submitted_dossiers_eligibility_is_the_one_frozen_with_its_version(
    call, dossier, alice, olivia
):
    rule = f.EligibilityRuleFactory(call=call, parameters={"minimum": 3})
    results = freeze(check_application(dossier))
    snapshot_freeze(application=dossier, results=results, actor=alice)
    Application.objects.filter(pk=dossier.pk).update(status=S.SUBMITTED)
    # After the submission the dossier would pass: the frozen verdict stands.
    f.PartnerFactory(application=dossier, number=3)
    for reader in (alice, olivia):
        eligibility = (
            as_user(reader).get(f"{APPLICATIONS}{dossier.reference}/").json()["eligibility"]
        )
        assert eligibility["source"] == "submitted"
        assert eligibility["verdict"] == "fail"
        [result] = [r for r in eligibility["results"] if r["rule_id"] == rule.pk]
        assert result["status"] == "fail" and result["blocking"] is True
    english = as_user(olivia).get(f"{APPLICATIONS}{dossier.reference}/", HTTP_ACCEPT_LANGUAGE="en")
    [said_again] = [r for r in english.json()["eligibility"]["results"] if r["rule_id"] == rule.pk]
    assert said_again["status_label"] == "Fail"
    assert said_again["message"] != result["message"]


def test_a_submitted_dossier_without_a_frozen_version_has_no_eligibility(call, olivia):
    application = make_dossier(call, results=None)
    body = as_user(olivia).get(f"{APPLICATIONS}{application.reference}/").json()
    assert body["submitted_version"] is None
    assert body["eligibility"] is None


@pytest.mark.parametrize("rows", [2, 100])
def test_the_detail_queries_do_not_grow_with_the_work_plan(
    officer_client, call, org_b, django_assert_num_queries, rows
):
    application = make_dossier(call, partners=[org_b], budget="100", eu="50")
    StatusChange.objects.create(application=application, from_status=S.DRAFT, to_status=S.SUBMITTED)
    packages = WorkPackage.objects.bulk_create(
        WorkPackage(application=application, number=n + 1, title=f"Module {n}") for n in range(rows)
    )
    Activity.objects.bulk_create(Activity(work_package=wp, title="Activité") for wp in packages)
    Deliverable.objects.bulk_create(
        Deliverable(work_package=wp, title="Livrable") for wp in packages
    )
    # The dossier with its joins and frozen results; its partners; its history; its work
    # packages with their lead partner; their activities; their deliverables; the budget.
    with django_assert_num_queries(7):
        response = officer_client.get(f"{APPLICATIONS}{application.reference}/")
    body = response.json()
    assert len(body["work_packages"]) == rows
    assert body["budget"]["total_budget"] == "100.00"
    assert body["eligibility"]["source"] == "submitted"


@pytest.mark.parametrize("rows", [2, 100])
def test_a_drafts_detail_queries_do_not_grow_with_the_work_plan(
    call, dossier, alice, django_assert_num_queries, rows
):
    f.EligibilityRuleFactory(call=call, parameters={"minimum": 2})
    packages = WorkPackage.objects.bulk_create(
        WorkPackage(application=dossier, number=n + 1, title=f"Module {n}") for n in range(rows)
    )
    Activity.objects.bulk_create(Activity(work_package=wp, title="Activité") for wp in packages)
    client = as_user(alice)
    # As a submitted dossier's (without deliverables: 6), plus the engine's checklist of
    # the draft (a constant number, calls.eligibility.facts).
    with django_assert_num_queries(DRAFT_DETAIL_QUERIES):
        response = client.get(f"{APPLICATIONS}{dossier.reference}/")
    assert len(response.json()["work_packages"]) == rows
    assert response.json()["eligibility"]["source"] == "live"


# --- filters -----------------------------------------------------------------------------


@pytest.fixture
def officer_client(olivia):
    return as_user(olivia)


def test_the_call_filter(officer_client, call, authority):
    wanted = make_dossier(call)
    make_dossier(f.CallFactory(authority=authority))
    assert references(officer_client.get(APPLICATIONS, {"call": call.reference})) == [
        wanted.reference
    ]


def test_the_programme_filter(officer_client, call, authority):
    wanted = make_dossier(call)
    make_dossier(f.CallFactory(authority=authority))
    assert references(officer_client.get(APPLICATIONS, {"programme": call.programme.code})) == [
        wanted.reference
    ]


def test_the_measure_filter(officer_client, call):
    measure = f.MeasureFactory(axis=f.AxisFactory(programme=call.programme))
    wanted = make_dossier(call, measure=measure)
    make_dossier(call)
    assert references(officer_client.get(APPLICATIONS, {"measure": measure.code})) == [
        wanted.reference
    ]


def test_the_status_filter(officer_client, call):
    wanted = make_dossier(call, status=S.ELIGIBILITY_REVIEW)
    make_dossier(call)
    assert references(officer_client.get(APPLICATIONS, {"status": "eligibility_review"})) == [
        wanted.reference
    ]
    response = officer_client.get(APPLICATIONS, {"status": "soon"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["status"]


def test_the_country_filter_is_the_leads(officer_client, call, org_a, org_b):
    led_from_belgium = make_dossier(call, lead=org_b, partners=[org_a])
    make_dossier(call, lead=org_a, partners=[org_b])
    assert references(officer_client.get(APPLICATIONS, {"country": "BE"})) == [
        led_from_belgium.reference
    ]


def test_the_organisation_filter_looks_in_every_partner(officer_client, call, org_a, org_b, org_c):
    led_by_b = make_dossier(call, lead=org_b)
    with_b = make_dossier(call, lead=org_a, partners=[org_b])
    make_dossier(call, lead=org_c)
    assert sorted(references(officer_client.get(APPLICATIONS, {"organisation": "ation b"}))) == (
        sorted([led_by_b.reference, with_b.reference])
    )


def test_the_organisation_filter_never_reaches_beyond_what_is_visible(world, charlie):
    assert references(as_user(charlie).get(APPLICATIONS, {"organisation": "Organisation A"})) == []


def test_submitted_after_and_before_are_days(officer_client, call):
    early = make_dossier(call, submitted_at=dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC))
    late = make_dossier(call, submitted_at=dt.datetime(2026, 3, 20, 12, tzinfo=dt.UTC))
    after = officer_client.get(APPLICATIONS, {"submitted_after": "2026-03-20"})
    assert references(after) == [late.reference]
    before = officer_client.get(APPLICATIONS, {"submitted_before": "2026-03-01"})
    assert references(before) == [early.reference]
    assert officer_client.get(APPLICATIONS, {"submitted_after": "mars"}).status_code == 400


def test_updated_since(officer_client, call):
    old = make_dossier(call)
    recent = make_dossier(call)
    Application.objects.filter(pk=old.pk).update(updated_at=timezone.now() - dt.timedelta(days=10))
    since = (timezone.now() - dt.timedelta(days=1)).isoformat()
    assert references(officer_client.get(APPLICATIONS, {"updated_since": since})) == [
        recent.reference
    ]


def test_q_searches_reference_acronym_and_title(officer_client, call):
    make_dossier(call, reference="REF-ZZ-1")
    make_dossier(call, acronym="MOBILAB")
    make_dossier(call, title="Tiers-lieux ruraux")
    assert references(officer_client.get(APPLICATIONS, {"q": "ref-zz"})) == ["REF-ZZ-1"]
    assert len(references(officer_client.get(APPLICATIONS, {"q": "mobilab"}))) == 1
    assert len(references(officer_client.get(APPLICATIONS, {"q": "TIERS-LIEUX"}))) == 1


def test_ordering_follows_the_whitelist(officer_client, call):
    for reference in ("B", "A", "C"):
        make_dossier(call, reference=f"DOS-{reference}")
    assert references(officer_client.get(APPLICATIONS, {"ordering": "reference"})) == [
        "DOS-A",
        "DOS-B",
        "DOS-C",
    ]
    assert references(officer_client.get(APPLICATIONS, {"ordering": "-reference"})) == [
        "DOS-C",
        "DOS-B",
        "DOS-A",
    ]
    response = officer_client.get(APPLICATIONS, {"ordering": "summary"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["ordering"]


# --- pagination and queries --------------------------------------------------------------


def test_pages_by_number_return_every_dossier_once(officer_client, call):
    made = {make_dossier(call).reference for _ in range(7)}
    response = officer_client.get(APPLICATIONS, {"page_size": 3}).json()
    assert response["count"] == 7
    seen = []
    while True:
        seen += [row["reference"] for row in response["results"]]
        if not response["next"]:
            break
        response = officer_client.get(response["next"]).json()
    assert sorted(seen) == sorted(made)


def test_the_cursor_returns_every_dossier_once_even_with_equal_change_dates(officer_client, call):
    made = [make_dossier(call) for _ in range(7)]
    Application.objects.filter(pk__in=[a.pk for a in made[:3]]).update(updated_at=timezone.now())
    response = officer_client.get(APPLICATIONS, {"cursor": "", "page_size": 2}).json()
    assert "count" not in response
    seen = []
    while True:
        seen += [row["reference"] for row in response["results"]]
        if not response["next"]:
            break
        response = officer_client.get(response["next"]).json()
    assert len(seen) == 7
    assert sorted(seen) == sorted(a.reference for a in made)


@pytest.mark.parametrize("rows", [2, 100])
def test_the_list_queries_do_not_grow_with_the_dossiers(
    officer_client, call, org_b, django_assert_num_queries, rows
):
    for _ in range(rows):
        make_dossier(
            call,
            partners=[org_b],
            measure=f.MeasureFactory(axis=f.AxisFactory(programme=call.programme)),
        )
    # count; dossiers with call, measure and frozen facts; their partners as plain values.
    with django_assert_num_queries(3):
        response = officer_client.get(APPLICATIONS, {"page_size": 100})
    assert len(response.json()["results"]) == rows
    with django_assert_num_queries(2):
        officer_client.get(APPLICATIONS, {"cursor": "", "page_size": 100})


def test_the_detail_queries_are_pinned(officer_client, call, org_b, django_assert_num_queries):
    application = make_dossier(call, partners=[org_b], budget="100", eu="50")
    StatusChange.objects.create(application=application, from_status=S.DRAFT, to_status=S.SUBMITTED)
    # The dossier with its joins; its partners; its history; its work packages (none: no
    # query for their activities and deliverables); the budget's totals per partner.
    with django_assert_num_queries(5):
        response = officer_client.get(f"{APPLICATIONS}{application.reference}/")
    assert response.status_code == 200
    assert response.json()["submitted_version"]["eu_requested"] == "50.00"


# --- schema ------------------------------------------------------------------------------


def test_the_schema_documents_the_dossiers(api):
    from drf_spectacular.validation import validate_schema

    schema = api.get("/api/v1/schema/", {"format": "json"}).json()
    validate_schema(schema)
    listing = schema["paths"]["/api/v1/applications/"]["get"]
    names = {parameter["name"] for parameter in listing["parameters"]}
    assert {
        "q", "ordering", "page", "page_size", "cursor", "call", "programme", "measure",
        "status", "country", "organisation", "submitted_after", "submitted_before",
        "updated_since",
    } <= names  # fmt: skip
    assert {"400", "401", "403", "429"} <= set(listing["responses"])
    detail = schema["paths"]["/api/v1/applications/{reference}/"]["get"]
    assert {"304", "401", "403", "404"} <= set(detail["responses"])
    components = schema["components"]["schemas"]
    assert "status_history" in components["ApplicationDetail"]["properties"]
    assert {"work_packages", "budget", "eligibility"} <= set(
        components["ApplicationDetail"]["properties"]
    )
    budget = components["Budget"]["properties"]
    assert budget["total_budget"]["type"] == "string"
    assert budget["total_budget"]["format"] == "decimal"
    assert "status_history" not in components["Application"]["properties"]
    frozen = components["SubmittedVersion"]["properties"]
    assert frozen["total_budget"]["type"] == "string"
    assert frozen["total_budget"]["format"] == "decimal"


def test_the_lists_direct_rows_say_what_the_documented_serializers_say(world):
    """The list reads its partners as plain values (speed); the serializers the schema
    documents must give the same representation, lead included."""
    from django.db.models import Prefetch

    from applications.api.serializers import (
        ApplicationLeadSerializer,
        ApplicationPartnerSerializer,
        lead_row,
        partner_row,
        partner_rows,
    )
    from applications.api.views import partners_of_dossiers

    dossier = Application.objects.prefetch_related(
        Prefetch("partners", queryset=partners_of_dossiers())
    ).get(pk=world.pk)
    partners = list(dossier.partners.all())
    documented = [ApplicationPartnerSerializer(partner).data for partner in partners]
    assert len(documented) == 2
    assert [partner_row(partner) for partner in partners] == documented
    assert partner_rows([dossier.pk]) == {dossier.pk: documented}
    lead = ApplicationLeadSerializer(dossier.lead_partner).data
    assert lead_row(documented) == lead == {"name": lead["name"], "country": "FR"}
    assert lead["name"] == dossier.lead_partner.organisation.legal_name
