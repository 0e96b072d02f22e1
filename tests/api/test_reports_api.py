"""Progress reports under /api/v1/reports/: read-only, authenticated; each account reads
the reports the pages show it (``reporting.permissions.reports_visible_to``): every report
of its organisations' projects, its authorities' projects' reports once submitted (never a
draft); each filter, both paginations, ETag; queries pinned; amounts to the cent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from calls.choices import AuthorityRole
from reporting.choices import ReportStatus as R
from reporting.models import Expenditure, ProgressReport, ReportStatusChange
from tests import factories as f
from tests.api import test_projects_api
from tests.api.test_projects_api import funded

pytestmark = pytest.mark.django_db

# The projects of every persona (a fixture shared with the projects' tests).
projects_world = test_projects_api.projects_world

REPORTS = "/api/v1/reports/"


def as_user(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [f"{row['project']}#{row['number']}" for row in response.json()["results"]]


def report(application, number=1, status=R.DRAFT, **fields) -> ProgressReport:
    if status != R.DRAFT:
        fields.setdefault("submitted_at", timezone.now())
    return f.ProgressReportFactory(application=application, number=number, status=status, **fields)


@pytest.fixture
def world(projects_world):
    """A's project: report 1 a draft, report 2 submitted; C's project: report 1 submitted;
    the other authority's project: report 1 sent back for changes."""
    from applications.models import Application

    projects = {a.reference: a for a in Application.objects.all()}
    return {
        "A-PROJECT#1": report(projects["A-PROJECT"], 1),
        "A-PROJECT#2": report(projects["A-PROJECT"], 2, R.SUBMITTED),
        "C-PROJECT#1": report(projects["C-PROJECT"], 1, R.SUBMITTED),
        "OTHER-PROJECT#1": report(projects["OTHER-PROJECT"], 1, R.CHANGES_REQUESTED),
    }


PERSONAS = {
    "alice": ["A-PROJECT#1", "A-PROJECT#2"],
    "bob": ["A-PROJECT#1", "A-PROJECT#2"],
    "charlie": ["C-PROJECT#1"],
    "olivia": ["A-PROJECT#2", "C-PROJECT#1"],
    "oscar": ["OTHER-PROJECT#1"],
    "ada": [],
    "anonymous": None,
}


@pytest.mark.parametrize(("persona", "expected"), PERSONAS.items())
def test_each_persona_reads_exactly_the_reports_its_pages_show(request, world, persona, expected):
    client = APIClient()
    if persona != "anonymous":
        client.force_authenticate(request.getfixturevalue(persona))

    listed = client.get(REPORTS)
    if expected is None:
        assert listed.status_code == 401
        assert listed.json()["code"] == "not_authenticated"
        for each in world.values():
            assert client.get(f"{REPORTS}{each.pk}/").status_code == 401
        return

    assert sorted(names(listed)) == expected
    assert listed.json()["count"] == len(expected)
    for name, each in world.items():
        detail = client.get(f"{REPORTS}{each.pk}/")
        if name in expected:
            assert detail.status_code == 200
            assert detail.json()["id"] == each.pk
        else:
            assert detail.status_code == 404
            assert detail.json()["code"] == "not_found"
            assert set(detail.json()) == {"code", "message", "errors"}


def test_an_officer_never_reads_a_draft_even_one_sent_back_then(world, olivia):
    draft = world["A-PROJECT#1"]
    assert as_user(olivia).get(f"{REPORTS}{draft.pk}/").status_code == 404
    ProgressReport.objects.filter(pk=draft.pk).update(
        status=R.SUBMITTED, submitted_at=timezone.now()
    )
    assert as_user(olivia).get(f"{REPORTS}{draft.pk}/").status_code == 200


def test_the_api_is_read_only(world, alice):
    assert as_user(alice).post(REPORTS, {"number": 3}).status_code == 405
    assert as_user(alice).delete(f"{REPORTS}{world['A-PROJECT#1'].pk}/").status_code == 405


def test_a_report_reads_with_its_expenditure_to_the_cent_and_its_history(world, alice, olivia):
    submitted = world["A-PROJECT#2"]
    partners = list(submitted.application.partners.order_by("number"))
    for partner, amount in (
        (partners[0], "1000.10"),
        (partners[0], "0.01"),
        (partners[1], "234.55"),
    ):
        f.ExpenditureFactory(report=submitted, partner=partner, amount=Decimal(amount))
    ProgressReport.objects.filter(pk=submitted.pk).update(
        overall_progress="Avancement conforme.", results="120 personnes.", is_final=True,
        report_date=dt.date(2027, 7, 15),
    )  # fmt: skip
    ReportStatusChange.objects.create(
        report=submitted, from_status=R.DRAFT, to_status=R.SUBMITTED, actor=alice, comment="Remis."
    )
    body = as_user(olivia).get(f"{REPORTS}{submitted.pk}/").json()
    assert body["project"] == "A-PROJECT" and body["number"] == 2
    assert body["period_start"] == "2027-01-01" and body["period_end"] == "2027-06-30"
    assert body["due_date"] == "2027-08-31" and body["report_date"] == "2027-07-15"
    assert body["is_final"] is True
    assert body["status"] == "submitted" and body["status_label"] == "Remis"
    assert body["expenditure_declared"] == "1234.66"
    assert body["overall_progress"] == "Avancement conforme."
    assert body["results"] == "120 personnes."
    [change] = body["status_history"]
    assert change["from"] == "draft" and change["to"] == "submitted"
    assert change["comment"] == "Remis." and change["at"]
    assert body["submitted_at"] and body["created_at"] and body["updated_at"]
    [row] = [r for r in as_user(olivia).get(REPORTS).json()["results"] if r["id"] == submitted.pk]
    assert row["expenditure_declared"] == "1234.66"
    assert "status_history" not in row and "overall_progress" not in row


def test_a_report_without_expenditure_declares_zero(world, alice):
    body = as_user(alice).get(f"{REPORTS}{world['A-PROJECT#1'].pk}/").json()
    assert body["expenditure_declared"] == "0.00"


def test_a_detail_has_an_etag_and_an_unchanged_one_is_a_304(world, alice):
    client = as_user(alice)
    draft = world["A-PROJECT#1"]
    url = f"{REPORTS}{draft.pk}/"
    etag = client.get(url)["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    ProgressReport.objects.filter(pk=draft.pk).update(results="Nouveau.")
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200


# --- filters -----------------------------------------------------------------------------


@pytest.fixture
def officer_client(olivia):
    return as_user(olivia)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("call", lambda project: project.call.reference),
        ("programme", lambda project: project.call.programme.code),
        ("fund", lambda project: project.call.programme.fund.code),
        ("project", lambda project: project.reference),
    ],
)
def test_the_project_call_programme_and_fund_filters(officer_client, call, authority, name, value):
    wanted = funded(call)
    report(wanted, status=R.SUBMITTED)
    report(funded(f.CallFactory(authority=authority)), status=R.SUBMITTED)
    assert names(officer_client.get(REPORTS, {name: value(wanted)})) == [f"{wanted.reference}#1"]


def test_the_authority_filter(call, authority, other_authority):
    both = f.UserFactory()
    for each in (authority, other_authority):
        f.AuthorityMemberFactory(user=both, authority=each, role=AuthorityRole.OFFICER)
    wanted = funded(call)
    report(wanted, status=R.ACCEPTED)
    report(funded(f.CallFactory(authority=other_authority)), status=R.ACCEPTED)
    client = as_user(both)
    assert len(names(client.get(REPORTS))) == 2
    assert names(client.get(REPORTS, {"authority": "authority-main"})) == [f"{wanted.reference}#1"]


def test_the_status_filter(officer_client, call):
    project = funded(call)
    report(project, 1, R.ACCEPTED)
    report(project, 2, R.SUBMITTED)
    assert names(officer_client.get(REPORTS, {"status": "accepted"})) == [f"{project.reference}#1"]
    response = officer_client.get(REPORTS, {"status": "lost"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["status"]


def test_the_country_and_organisation_filters(officer_client, call, org_a, org_b):
    led_from_belgium = funded(call, lead=org_b)
    with_b = funded(call, lead=org_a, partners=[org_b])
    other = funded(call)
    for project in (led_from_belgium, with_b, other):
        report(project, status=R.SUBMITTED)
    assert names(officer_client.get(REPORTS, {"country": "BE"})) == [
        f"{led_from_belgium.reference}#1"
    ]
    assert sorted(names(officer_client.get(REPORTS, {"organisation": "ation b"}))) == sorted(
        [f"{led_from_belgium.reference}#1", f"{with_b.reference}#1"]
    )


def test_is_final_and_the_due_dates(officer_client, call):
    project = funded(call)
    report(project, 1, R.SUBMITTED, due_date=dt.date(2027, 3, 31))
    report(project, 2, R.SUBMITTED, due_date=dt.date(2027, 9, 30), is_final=True)
    assert names(officer_client.get(REPORTS, {"is_final": "true"})) == [f"{project.reference}#2"]
    assert names(officer_client.get(REPORTS, {"due_after": "2027-09-30"})) == [
        f"{project.reference}#2"
    ]
    assert names(officer_client.get(REPORTS, {"due_before": "2027-03-31"})) == [
        f"{project.reference}#1"
    ]
    assert officer_client.get(REPORTS, {"due_after": "bientôt"}).status_code == 400


def test_updated_since(officer_client, call):
    project = funded(call)
    old = report(project, 1, R.SUBMITTED)
    report(project, 2, R.SUBMITTED)
    ProgressReport.objects.filter(pk=old.pk).update(
        updated_at=timezone.now() - dt.timedelta(days=10)
    )
    since = (timezone.now() - dt.timedelta(days=1)).isoformat()
    assert names(officer_client.get(REPORTS, {"updated_since": since})) == [
        f"{project.reference}#2"
    ]


def test_q_searches_the_projects_reference_acronym_and_title(officer_client, call):
    report(funded(call, reference="REF-ZZ-1"), status=R.SUBMITTED)
    report(funded(call, acronym="MOBILAB"), status=R.SUBMITTED)
    assert names(officer_client.get(REPORTS, {"q": "ref-zz"})) == ["REF-ZZ-1#1"]
    assert len(names(officer_client.get(REPORTS, {"q": "mobilab"}))) == 1


def test_the_filters_never_reach_beyond_what_is_visible(world, olivia, charlie):
    assert names(as_user(olivia).get(REPORTS, {"status": "draft"})) == []
    assert names(as_user(charlie).get(REPORTS, {"project": "A-PROJECT"})) == []


def test_ordering_follows_the_whitelist(officer_client, call):
    project = funded(call)
    for number, due in (
        (1, dt.date(2027, 9, 1)),
        (2, dt.date(2027, 3, 1)),
        (3, dt.date(2028, 1, 1)),
    ):
        report(project, number, R.SUBMITTED, due_date=due)

    def numbers(ordering: str) -> list[str]:
        response = officer_client.get(REPORTS, {"ordering": ordering})
        return [name.split("#")[1] for name in names(response)]

    assert numbers("due_date") == ["2", "1", "3"]
    assert numbers("-number") == ["3", "2", "1"]
    response = officer_client.get(REPORTS, {"ordering": "results"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["ordering"]


# --- pagination and queries --------------------------------------------------------------


def many_reports(project, rows: int) -> None:
    """``rows`` submitted reports of ``project``, each with two expenditure rows."""
    now = timezone.now()
    reports = ProgressReport.objects.bulk_create(
        ProgressReport(
            application=project,
            number=n + 1,
            period_start=dt.date(2027, 1, 1),
            period_end=dt.date(2027, 6, 30),
            due_date=dt.date(2027, 8, 31),
            status=R.SUBMITTED,
            submitted_at=now,
        )
        for n in range(rows)
    )
    lead = project.partners.get(number=1)
    Expenditure.objects.bulk_create(
        Expenditure(report=r, partner=lead, cost_category="staff", amount=Decimal(amount))
        for r in reports
        for amount in ("100.05", "0.10")
    )


def walk(client, first: dict) -> list[str]:
    response = client.get(REPORTS, first).json()
    seen = []
    while True:
        seen += [f"{row['project']}#{row['number']}" for row in response["results"]]
        if not response["next"]:
            return seen
        response = client.get(response["next"]).json()


def test_pages_by_number_and_the_cursor_return_every_report_once(officer_client, call):
    project = funded(call, reference="PRJ")
    many_reports(project, 7)
    expected = sorted(f"PRJ#{n}" for n in range(1, 8))
    assert officer_client.get(REPORTS, {"page_size": 3}).json()["count"] == 7
    assert sorted(walk(officer_client, {"page_size": 3})) == expected
    assert "count" not in officer_client.get(REPORTS, {"cursor": "", "page_size": 3}).json()
    assert sorted(walk(officer_client, {"cursor": "", "page_size": 3})) == expected


@pytest.mark.parametrize("rows", [2, 100])
def test_the_list_queries_do_not_grow_with_the_reports(
    officer_client, call, django_assert_num_queries, rows
):
    many_reports(funded(call), rows)
    # count; the reports with their project and the total declared.
    with django_assert_num_queries(2):
        response = officer_client.get(REPORTS, {"page_size": 100})
    results = response.json()["results"]
    assert len(results) == rows
    assert {row["expenditure_declared"] for row in results} == {"100.15"}
    with django_assert_num_queries(1):
        officer_client.get(REPORTS, {"cursor": "", "page_size": 100})


def test_the_detail_queries_are_pinned(world, alice, django_assert_num_queries):
    # The report with its project and total; its history.
    with django_assert_num_queries(2):
        response = as_user(alice).get(f"{REPORTS}{world['A-PROJECT#2'].pk}/")
    assert response.status_code == 200


def test_the_schema_documents_the_reports(api):
    schema = api.get("/api/v1/schema/", {"format": "json"}).json()
    listing = schema["paths"]["/api/v1/reports/"]["get"]
    parameters = {parameter["name"] for parameter in listing["parameters"]}
    assert {
        "q", "ordering", "page", "page_size", "cursor", "project", "call", "programme", "fund",
        "authority", "status", "country", "organisation", "is_final", "due_after",
        "due_before", "updated_since",
    } <= parameters  # fmt: skip
    detail = schema["paths"]["/api/v1/reports/{id}/"]["get"]
    assert {"304", "401", "403", "404"} <= set(detail["responses"])
    amount = schema["components"]["schemas"]["Report"]["properties"]["expenditure_declared"]
    assert amount["type"] == "string" and amount["format"] == "decimal"
