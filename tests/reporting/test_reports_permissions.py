# ruff: noqa: F811 (pytest fixtures imported from test_reports_services are test arguments)
"""The permission matrix of the progress reports, as one parametrised test: every page and
action of ``reporting.report_urls`` against each persona (a member of the lead, a member of
a partner, an officer of the call's authority, an officer of another authority, an
assessor, an applicant of an unrelated organisation, a visitor), with the expected answer.
Those for whom the project does not exist get 404, never 403; nothing is written by a
refused request.

The fixtures (a project in progress, its report) are those of the services' tests."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reporting import report_urls
from reporting.choices import ReportStatus as R
from reporting.models import Expenditure, ProgressReport, ReportAttachment, ReportStatusChange
from reporting.permissions import (
    project_access,
    projects_visible_to,
    report_access,
    reports_visible_to,
)
from reporting.services import report_open, report_request_changes, report_submit
from review.decisions import add_months
from tests import factories as f
from tests.reporting.test_reports_services import _fast_passwords, fill, running  # noqa: F401

pytestmark = pytest.mark.django_db

PERSONAS = ["lead", "partner", "officer", "other_officer", "assessor", "unrelated", "anonymous"]
FIXTURE_OF = {
    "lead": "alice",
    "partner": "bob",
    "officer": "olivia",
    "other_officer": "oscar",
    "assessor": "ada",
    "unrelated": "charlie",
}

# (url name, method, target, partner number): the target is the report read and filled
# (sent back for changes: the officer reads it, the lead and partners fill it) or the one
# submitted for the officer's answer; ``report_open`` opens period 3.
CASES = [
    ("report_list", "GET", None, None),
    ("report_open", "POST", "period", None),
    ("report_open", "GET", "period", None),
    ("report_detail", "GET", "filled", None),
    ("report_general", "GET", "filled", None),
    ("report_general", "POST", "filled", None),
    ("report_work_packages", "GET", "filled", None),
    ("report_work_packages", "POST", "filled", None),
    ("report_indicators", "GET", "filled", None),
    ("report_indicators", "POST", "filled", None),
    ("report_expenditure", "GET", "filled", 1),
    ("report_expenditure", "POST", "filled", 1),
    ("report_expenditure", "GET", "filled", 2),
    ("report_expenditure", "POST", "filled", 2),
    ("report_submit", "POST", "filled", None),
    ("report_submit", "GET", "filled", None),
    ("report_accept", "POST", "submitted", None),
    ("report_accept", "GET", "submitted", None),
    ("report_request_changes", "POST", "submitted", None),
    ("report_request_changes", "GET", "submitted", None),
    ("report_attachment_join", "GET", "filled", None),
    ("report_attachment_join", "POST", "filled", None),
    ("report_attachment", "GET", "filled", "attachment"),
    ("report_attachment_remove", "POST", "filled", "attachment"),
    ("report_attachment_remove", "GET", "filled", "attachment"),
]

READER = {"lead": 200, "partner": 200, "officer": 200}
ACTION_GET = {"lead": 405, "partner": 405, "officer": 405}
# The answers to those who see the project; everyone else gets 404, a visitor the login page.
EXPECTED = {
    ("report_list", "GET", None): READER,
    ("report_open", "POST", None): {"lead": 302, "partner": 403, "officer": 403},
    ("report_open", "GET", None): ACTION_GET,
    ("report_detail", "GET", None): READER,
    ("report_general", "GET", None): READER,
    ("report_general", "POST", None): {"lead": 302, "partner": 403, "officer": 403},
    ("report_work_packages", "GET", None): READER,
    ("report_work_packages", "POST", None): {"lead": 302, "partner": 403, "officer": 403},
    ("report_indicators", "GET", None): READER,
    ("report_indicators", "POST", None): {"lead": 302, "partner": 403, "officer": 403},
    ("report_expenditure", "GET", 1): READER,
    ("report_expenditure", "POST", 1): {"lead": 302, "partner": 403, "officer": 403},
    ("report_expenditure", "GET", 2): READER,
    ("report_expenditure", "POST", 2): {"lead": 403, "partner": 302, "officer": 403},
    ("report_submit", "POST", None): {"lead": 302, "partner": 403, "officer": 403},
    ("report_submit", "GET", None): ACTION_GET,
    ("report_accept", "POST", None): {"lead": 403, "partner": 403, "officer": 302},
    ("report_accept", "GET", None): ACTION_GET,
    ("report_request_changes", "POST", None): {"lead": 403, "partner": 403, "officer": 302},
    ("report_request_changes", "GET", None): ACTION_GET,
    # Members of the consortium join documents while the report is open to changes; the
    # lead (or whoever joined it) removes one; every reader downloads them.
    ("report_attachment_join", "GET", None): {"lead": 200, "partner": 200, "officer": 403},
    ("report_attachment_join", "POST", None): {"lead": 302, "partner": 302, "officer": 403},
    ("report_attachment", "GET", "attachment"): READER,
    ("report_attachment_remove", "POST", "attachment"): {
        "lead": 302,
        "partner": 403,
        "officer": 403,
    },
    ("report_attachment_remove", "GET", "attachment"): ACTION_GET,
}


def post_data(name: str, world) -> dict:
    packages = world["filled"].application.work_packages.order_by("number")
    return {
        "report_general": {"overall_progress": "Avancement réécrit."},
        "report_work_packages": {
            **{f"wp-{wp.pk}-state": "done" for wp in packages},
            **{f"wp-{wp.pk}-narrative": "Réalisé." for wp in packages},
        },
        "report_expenditure": {
            "expenditure-TOTAL_FORMS": "1",
            "expenditure-INITIAL_FORMS": "0",
            "expenditure-0-cost_category": "staff",
            "expenditure-0-amount": "99,99",
        },
        "report_submit": {"from_status": R.CHANGES_REQUESTED, "confirm": "on"},
        "report_accept": {"accept-from_status": R.SUBMITTED},
        "report_request_changes": {
            "changes-from_status": R.SUBMITTED,
            "changes-comment": "Détaillez les dépenses.",
        },
        "report_attachment_join": {
            "title": "Feuilles d'émargement",
            "file": SimpleUploadedFile("emargement.pdf", f.pdf_bytes()),
        },
    }.get(name, {})


@pytest.fixture
def world(request, running, alice, olivia):
    """The project started 13 months ago (periods 1 to 3 have started): report 1 submitted,
    waiting for the officer; report 2 filled, submitted, and sent back for changes."""
    start = add_months(running.start_date, -6)
    running.start_date, running.end_date = start, add_months(start, 24) - dt.timedelta(days=1)
    running.save(update_fields=["start_date", "end_date"])
    submitted = fill(report_open(application=running, period_number=1, actor=alice), alice)
    report_submit(report=submitted, actor=alice)
    filled = fill(report_open(application=running, period_number=2, actor=alice), alice)
    report_submit(report=filled, actor=alice)
    report_request_changes(report=filled, actor=olivia, comment="Complétez.")
    people = {persona: request.getfixturevalue(name) for persona, name in FIXTURE_OF.items()}
    attachment = ReportAttachment.objects.create(
        report=filled,
        title="Programme de la session",
        file=SimpleUploadedFile("programme.pdf", b"%PDF-1.4\n%%EOF\n"),
        original_name="programme.pdf",
        content_type="application/pdf",
        size=15,
        sha256="0" * 64,
        uploaded_by=alice,
    )
    return {
        "project": running,
        "submitted": submitted,
        "filled": filled,
        "people": people,
        "attachment": attachment,
    }


def _url(name, target, partner, world) -> str:
    reference = world["project"].reference
    if target is None:
        return reverse(f"reporting:{name}", args=[reference])
    if target == "period":
        return reverse(f"reporting:{name}", args=[reference, 3])
    args = [reference, world[target].number]
    if partner == "attachment":
        args.append(world["attachment"].pk)
    elif partner is not None:
        args.append(partner)
    return reverse(f"reporting:{name}", args=args)


def state(world) -> list:
    """What a refused request must leave as it was."""
    return [
        list(ProgressReport.objects.order_by("number").values_list("number", "status")),
        list(ProgressReport.objects.order_by("number").values_list("overall_progress", flat=True)),
        Expenditure.objects.count(),
        ReportStatusChange.objects.count(),
        list(ReportAttachment.objects.order_by("pk").values_list("pk", flat=True)),
    ]


def test_the_matrix_covers_every_page_and_action_of_the_reports():
    assert {name for name, *_rest in CASES} == {p.name for p in report_urls.urlpatterns}
    assert {(name, method, partner) for name, method, _target, partner in CASES} == set(EXPECTED)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    "name, method, target, partner", CASES, ids=[f"{c[0]}-{c[1]}-{c[3] or ''}" for c in CASES]
)
def test_each_persona_gets_the_expected_answer(
    client, world, name, method, target, partner, persona
):
    address = _url(name, target, partner, world)
    if persona != "anonymous":
        client.force_login(world["people"][persona])
    before = state(world)
    if method == "POST":
        response = client.post(address, post_data(name, world))
    else:
        response = client.get(address)
    if persona == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login")), address
        assert state(world) == before
        return
    expected = EXPECTED[(name, method, partner)].get(persona, 404)
    assert response.status_code == expected, (address, persona, method)
    if expected != 302:
        assert state(world) == before, (address, persona)


def test_the_report_functions_agree_with_the_pages(world):
    people = world["people"]
    filled, submitted = world["filled"], world["submitted"]
    for persona in ("lead", "partner", "officer"):
        assert set(reports_visible_to(people[persona])) == {filled, submitted}
        assert list(projects_visible_to(people[persona])) == [world["project"]]
        access = report_access(people[persona], filled)
        assert access.report == filled
        assert access.can_edit_report is (persona == "lead")
        assert access.can_submit is (persona == "lead")
        assert access.can_review is False
        assert report_access(people[persona], submitted.pk).can_review is (persona == "officer")
        assert project_access(people[persona], world["project"].reference).can_open is (
            persona == "lead"
        )
    for persona in ("other_officer", "assessor", "unrelated"):
        assert not reports_visible_to(people[persona]).exists()
        assert not projects_visible_to(people[persona]).exists()
        with pytest.raises(Exception) as refused:
            report_access(people[persona], filled)
        assert refused.type.__name__ == "Http404"


def test_a_draft_is_seen_by_the_consortium_only(world):
    people = world["people"]
    draft = report_open(application=world["project"], period_number=3, actor=people["lead"])
    assert draft in reports_visible_to(people["lead"])
    assert draft in reports_visible_to(people["partner"])
    assert draft not in reports_visible_to(people["officer"])
    partner_access = report_access(people["partner"], draft)
    bob_partner = next(p for p in partner_access.partners if p.number == 2)
    lead_partner = next(p for p in partner_access.partners if p.number == 1)
    assert partner_access.can_edit_expenditure(bob_partner)
    assert not partner_access.can_edit_expenditure(lead_partner)
    assert not partner_access.can_edit_report
