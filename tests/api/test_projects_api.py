"""Funded projects under /api/v1/projects/: read-only, authenticated; each account reads
the projects the reporting pages show it (``reporting.permissions.projects_visible_to``):
its organisations' and its authorities' calls', contracted, in progress or closed, never a
dossier before; each filter, both paginations, ETag; queries pinned; amounts to the cent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
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

PROJECTS = "/api/v1/projects/"


def references(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["reference"] for row in response.json()["results"]]


def as_user(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def funded(call, *, status=S.IN_PROGRESS, **fields) -> Application:
    """A funded project of ``call`` (in progress by default), as ``make_dossier`` makes
    dossiers."""
    return make_dossier(call, status=status, **fields)


@pytest.fixture
def projects_world(call, other_authority, org_a, org_b, org_c, alice, olivia, ada):
    """A's project in progress (with B), A's draft and A's dossier selected (not yet
    projects), C's project contracted, a closed project of the other authority; Ada
    assesses C's."""
    make_dossier(call, reference="A-DRAFT", status=S.DRAFT, lead=org_a)
    make_dossier(call, reference="A-SELECTED", status=S.SELECTED, lead=org_a)
    a_project = funded(call, reference="A-PROJECT", lead=org_a, partners=[org_b])
    c_project = funded(call, reference="C-PROJECT", status=S.CONTRACTED, lead=org_c)
    funded(
        f.CallFactory(authority=other_authority),
        reference="OTHER-PROJECT",
        status=S.CLOSED,
    )
    Assessment.objects.create(
        application=c_project,
        assessor=ada,
        assigned_by=olivia,
        status=AssessmentStatus.SUBMITTED,
        no_conflict_declared_at=timezone.now(),
    )
    return a_project


PERSONAS = {
    "alice": ["A-PROJECT"],
    "bob": ["A-PROJECT"],
    "charlie": ["C-PROJECT"],
    "olivia": ["A-PROJECT", "C-PROJECT"],
    "oscar": ["OTHER-PROJECT"],
    "ada": [],
    "anonymous": None,
}
EVERY = ["A-DRAFT", "A-SELECTED", "A-PROJECT", "C-PROJECT", "OTHER-PROJECT"]


@pytest.mark.parametrize(("persona", "expected"), PERSONAS.items())
def test_each_persona_reads_exactly_the_projects_its_pages_show(
    request, projects_world, persona, expected
):
    client = APIClient()
    if persona != "anonymous":
        client.force_authenticate(request.getfixturevalue(persona))

    listed = client.get(PROJECTS, {"ordering": "reference"})
    if expected is None:
        assert listed.status_code == 401
        assert listed.json()["code"] == "not_authenticated"
        for reference in EVERY:
            assert client.get(f"{PROJECTS}{reference}/").status_code == 401
        return

    assert references(listed) == expected
    assert listed.json()["count"] == len(expected)
    for reference in EVERY:
        detail = client.get(f"{PROJECTS}{reference}/")
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


def test_the_api_is_read_only(projects_world, alice):
    assert as_user(alice).post(PROJECTS, {"title": "X"}).status_code == 405
    assert as_user(alice).delete(f"{PROJECTS}A-PROJECT/").status_code == 405


def test_a_project_reads_with_its_consortium_contract_and_amount_granted(
    call, org_a, org_b, alice, olivia
):
    measure = f.MeasureFactory(axis=f.AxisFactory(programme=call.programme))
    application = funded(
        call, reference="PRJ-1", lead=org_a, partners=[org_b], measure=measure,
        acronym="MOBI", title="Mobilité", contract_reference="CONV-2026-7",
        contract_signed_on=dt.date(2026, 9, 1),
    )  # fmt: skip
    Decision.objects.create(
        application=application,
        outcome=DecisionOutcome.SELECTED,
        amount_granted=Decimal("123456.78"),
        decided_on=dt.date(2026, 6, 15),
        reasons="Projet solide.",
        decided_by=olivia,
    )
    body = as_user(alice).get(f"{PROJECTS}PRJ-1/").json()
    assert body == {
        "reference": "PRJ-1",
        "acronym": "MOBI",
        "title": "Mobilité",
        "status": "in_progress",
        "status_label": "En cours de réalisation",
        "call": call.reference,
        "programme": call.programme.code,
        "fund": call.programme.fund.code,
        "authority": "authority-main",
        "measure": measure.code,
        "start_date": "2027-01-01",
        "end_date": "2028-12-31",
        "contract_reference": "CONV-2026-7",
        "contract_signed_on": "2026-09-01",
        "amount_granted": "123456.78",
        "lead": {"name": "Organisation A", "country": "FR"},
        "partners": [
            {"number": 1, "role": "lead", "organisation": "Organisation A", "country": "FR"},
            {"number": 2, "role": "partner", "organisation": "Organisation B", "country": "BE"},
        ],
        "updated_at": body["updated_at"],
    }
    assert body["updated_at"]


def test_a_project_without_decision_has_no_amount(call, org_a, alice):
    funded(call, reference="PRJ-1", lead=org_a)
    assert as_user(alice).get(f"{PROJECTS}PRJ-1/").json()["amount_granted"] is None


def test_a_detail_has_an_etag_and_an_unchanged_one_is_a_304(projects_world, alice):
    client = as_user(alice)
    url = f"{PROJECTS}A-PROJECT/"
    etag = client.get(url)["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    Application.objects.filter(reference="A-PROJECT").update(title="Autre intitulé")
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200


# --- filters -----------------------------------------------------------------------------


@pytest.fixture
def officer_client(olivia):
    return as_user(olivia)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("call", lambda call: call.reference),
        ("programme", lambda call: call.programme.code),
        ("fund", lambda call: call.programme.fund.code),
    ],
)
def test_the_call_programme_and_fund_filters(officer_client, call, authority, name, value):
    wanted = funded(call)
    funded(f.CallFactory(authority=authority))
    assert references(officer_client.get(PROJECTS, {name: value(call)})) == [wanted.reference]


def test_the_authority_filter(call, other_authority, authority):
    both = f.UserFactory()
    for each in (authority, other_authority):
        f.AuthorityMemberFactory(user=both, authority=each, role=AuthorityRole.OFFICER)
    wanted = funded(call)
    funded(f.CallFactory(authority=other_authority))
    client = as_user(both)
    assert len(references(client.get(PROJECTS))) == 2
    assert references(client.get(PROJECTS, {"authority": "authority-main"})) == [wanted.reference]


def test_the_measure_filter(officer_client, call):
    measure = f.MeasureFactory(axis=f.AxisFactory(programme=call.programme))
    wanted = funded(call, measure=measure)
    funded(call)
    assert references(officer_client.get(PROJECTS, {"measure": measure.code})) == [wanted.reference]


def test_the_status_filter_knows_only_the_projects_states(officer_client, call):
    wanted = funded(call, status=S.CLOSED)
    funded(call)
    assert references(officer_client.get(PROJECTS, {"status": "closed"})) == [wanted.reference]
    response = officer_client.get(PROJECTS, {"status": "draft"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["status"]


def test_the_country_filter_is_the_leads(officer_client, call, org_a, org_b):
    wanted = funded(call, lead=org_b, partners=[org_a])
    funded(call, lead=org_a, partners=[org_b])
    assert references(officer_client.get(PROJECTS, {"country": "BE"})) == [wanted.reference]


def test_the_organisation_filter_looks_in_every_partner(officer_client, call, org_a, org_b, org_c):
    led_by_b = funded(call, lead=org_b)
    with_b = funded(call, lead=org_a, partners=[org_b])
    funded(call, lead=org_c)
    assert sorted(references(officer_client.get(PROJECTS, {"organisation": "ation b"}))) == (
        sorted([led_by_b.reference, with_b.reference])
    )


def test_starts_after_and_ends_before(officer_client, call):
    early = funded(call, start_date=dt.date(2026, 1, 1), end_date=dt.date(2026, 12, 31))
    late = funded(call, start_date=dt.date(2027, 1, 1), end_date=dt.date(2028, 12, 31))
    assert references(officer_client.get(PROJECTS, {"starts_after": "2026-06-01"})) == [
        late.reference
    ]
    assert references(officer_client.get(PROJECTS, {"ends_before": "2026-12-31"})) == [
        early.reference
    ]
    assert officer_client.get(PROJECTS, {"starts_after": "demain"}).status_code == 400


def test_updated_since(officer_client, call):
    old = funded(call)
    recent = funded(call)
    Application.objects.filter(pk=old.pk).update(updated_at=timezone.now() - dt.timedelta(days=10))
    since = (timezone.now() - dt.timedelta(days=1)).isoformat()
    assert references(officer_client.get(PROJECTS, {"updated_since": since})) == [recent.reference]


def test_q_searches_reference_acronym_title_and_contract(officer_client, call):
    funded(call, reference="REF-ZZ-1")
    funded(call, acronym="MOBILAB")
    funded(call, contract_reference="CONV-XY-9")
    assert references(officer_client.get(PROJECTS, {"q": "ref-zz"})) == ["REF-ZZ-1"]
    assert len(references(officer_client.get(PROJECTS, {"q": "mobilab"}))) == 1
    assert len(references(officer_client.get(PROJECTS, {"q": "conv-xy"}))) == 1


def test_the_filters_never_reach_beyond_what_is_visible(projects_world, charlie):
    assert references(as_user(charlie).get(PROJECTS, {"organisation": "Organisation A"})) == []
    assert references(as_user(charlie).get(PROJECTS, {"q": "A-PROJECT"})) == []


def test_ordering_follows_the_whitelist(officer_client, call):
    for reference in ("B", "A", "C"):
        funded(call, reference=f"PRJ-{reference}")
    assert references(officer_client.get(PROJECTS, {"ordering": "reference"})) == [
        "PRJ-A",
        "PRJ-B",
        "PRJ-C",
    ]
    assert references(officer_client.get(PROJECTS, {"ordering": "-reference"}))[0] == "PRJ-C"
    response = officer_client.get(PROJECTS, {"ordering": "summary"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["ordering"]


# --- pagination and queries --------------------------------------------------------------


def many_projects(call, rows: int) -> list[Application]:
    """``rows`` projects in progress of ``call``, each with its lead and a partner."""
    creator = f.UserFactory()
    applications = Application.objects.bulk_create(
        Application(
            call=call,
            reference=f"BULK-{n:03d}",
            title=f"Projet {n}",
            status=S.IN_PROGRESS,
            created_by=creator,
        )
        for n in range(rows)
    )
    organisations = Organisation.objects.bulk_create(
        Organisation(legal_name=f"Structure {n:03d}", legal_type="association", country="FR")
        for n in range(rows * 2)
    )
    Partner.objects.bulk_create(
        [
            Partner(application=a, organisation=organisations[2 * n], role=PartnerRole.LEAD)
            for n, a in enumerate(applications)
        ]
        + [
            Partner(
                application=a,
                organisation=organisations[2 * n + 1],
                role=PartnerRole.PARTNER,
                number=2,
            )
            for n, a in enumerate(applications)
        ]
    )
    return applications


def walk(client, first: dict) -> list[str]:
    response = client.get(PROJECTS, first).json()
    seen = []
    while True:
        seen += [row["reference"] for row in response["results"]]
        if not response["next"]:
            return seen
        response = client.get(response["next"]).json()


def test_pages_by_number_and_the_cursor_return_every_project_once(officer_client, call):
    many_projects(call, 7)
    Application.objects.update(updated_at=timezone.now())
    expected = [f"BULK-{n:03d}" for n in range(7)]
    assert officer_client.get(PROJECTS, {"page_size": 3}).json()["count"] == 7
    assert sorted(walk(officer_client, {"page_size": 3})) == expected
    assert "count" not in officer_client.get(PROJECTS, {"cursor": "", "page_size": 3}).json()
    assert sorted(walk(officer_client, {"cursor": "", "page_size": 3})) == expected


@pytest.mark.parametrize("rows", [2, 100])
def test_the_list_queries_do_not_grow_with_the_projects(
    officer_client, call, django_assert_num_queries, rows
):
    many_projects(call, rows)
    # count; the projects with call, programme, fund, authority, measure and decision;
    # their partners with organisations.
    with django_assert_num_queries(3):
        response = officer_client.get(PROJECTS, {"page_size": 100})
    results = response.json()["results"]
    assert len(results) == rows
    assert {len(row["partners"]) for row in results} == {2}
    with django_assert_num_queries(2):
        officer_client.get(PROJECTS, {"cursor": "", "page_size": 100})


def test_the_detail_queries_are_pinned(projects_world, officer_client, django_assert_num_queries):
    # The project with its joins; its partners with organisations.
    with django_assert_num_queries(2):
        response = officer_client.get(f"{PROJECTS}A-PROJECT/")
    assert len(response.json()["partners"]) == 2


def test_the_schema_documents_the_projects(api):
    schema = api.get("/api/v1/schema/", {"format": "json"}).json()
    listing = schema["paths"]["/api/v1/projects/"]["get"]
    names = {parameter["name"] for parameter in listing["parameters"]}
    assert {
        "q", "ordering", "page", "page_size", "cursor", "call", "programme", "fund",
        "authority", "measure", "status", "country", "organisation", "starts_after",
        "ends_before", "updated_since",
    } <= names  # fmt: skip
    detail = schema["paths"]["/api/v1/projects/{reference}/"]["get"]
    assert {"304", "401", "403", "404"} <= set(detail["responses"])
    amount = schema["components"]["schemas"]["Project"]["properties"]["amount_granted"]
    assert amount["type"] == "string" and amount["format"] == "decimal"
