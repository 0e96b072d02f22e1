"""The dossier's sections edited on their pages as lists (formsets) or as one form on a
partner, through /api/v1/applications/{reference}/sections/: work packages, a work
package's activities and deliverables, indicators, a partner's budget lines and financing
plan, the lump sum, a partner's contact. Each goes through the page's view: the API changes
the same rows as the page, refuses the same people with the same messages, and a refused
write changes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from applications import services
from applications.choices import ApplicationStatus, CostCategory, FundingSource
from applications.models import (
    Activity,
    Application,
    BudgetLine,
    Cofinancing,
    Deliverable,
    Indicator,
    WorkPackage,
)
from calls.choices import CostModel
from calls.models import CallLumpSum
from partners.choices import PartnerRole
from tests import factories as f

pytestmark = pytest.mark.django_db

APPLICATIONS = "/api/v1/applications/"
STRANGERS = ("charlie", "olivia")


def as_user(user, language: str | None = None) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    if language:
        client.credentials(HTTP_ACCEPT_LANGUAGE=language)
    return client


def client_of(request, persona: str) -> APIClient:
    if persona == "anonymous":
        return APIClient()
    return as_user(request.getfixturevalue(persona))


def section_url(application, key: str) -> str:
    return f"{APPLICATIONS}{application.reference}/sections/{key}/"


def error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "errors"}
    assert body["code"] == code, body
    return body


def version_of(application, key: str) -> int:
    return services.section_version(application=application, key=key)


def budget_rows(partner) -> list[tuple]:
    return sorted(
        BudgetLine.objects.filter(partner=partner).values_list(
            "cost_category", "year", "work_package__number", "description", "amount"
        )
    )


def a_second_dossier(call, org_a, org_b, alice):
    """Another dossier with the same partners, for the page to write what the API wrote."""
    application = f.lead_application(call=call, organisation=org_a, created_by=alice)
    f.PartnerFactory(
        application=application, organisation=org_b, role=PartnerRole.PARTNER, number=2
    )
    return application


@pytest.fixture
def lines(dossier):
    """Bob's partner (number 2) has two budget lines; module 1 exists."""
    partner = dossier.partners.get(number=2)
    wp = f.WorkPackageFactory(application=dossier, number=1, lead_partner=partner)
    staff = f.BudgetLineFactory(
        partner=partner, year=2027, amount=Decimal("10000.00"), description="Chargée"
    )
    travel = f.BudgetLineFactory(
        partner=partner,
        cost_category=CostCategory.TRAVEL,
        year=2028,
        amount=Decimal("1500.00"),
        work_package=wp,
    )
    return partner, staff, travel


# --- budget/{partner number} ----------------------------------------------------------------


def test_a_partners_member_reads_its_budget_lines_with_amounts_as_decimal_strings(
    dossier, lines, bob
):
    partner, staff, travel = lines

    response = as_user(bob).get(section_url(dossier, "budget/2"))

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["section"] == "budget/2"
    assert body["editable"] is True
    assert body["version"] == version_of(dossier, f"budget-{partner.pk}")
    rows = {row["id"]: row for row in body["rows"]}
    assert rows[staff.pk] == {
        "id": staff.pk,
        "cost_category": "staff",
        "year": 2027,
        "work_package": None,
        "description": "Chargée",
        "amount": "10000.00",
    }
    assert rows[travel.pk]["work_package"] == 1
    assert rows[travel.pk]["amount"] == "1500.00"


def test_a_budget_patch_adds_changes_and_deletes_rows_as_the_page_does(
    client, call, dossier, lines, org_a, org_b, alice, bob
):
    partner, staff, travel = lines
    version = version_of(dossier, f"budget-{partner.pk}")

    response = as_user(bob).patch(
        section_url(dossier, "budget/2"),
        {
            "version": version,
            "rows": [
                {"id": staff.pk, "amount": "12500.50"},
                {
                    "id": None,
                    "cost_category": "equipment",
                    "year": 2028,
                    "work_package": 1,
                    "description": "Ordinateurs",
                    "amount": "2400",
                },
            ],
        },
        format="json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["version"] == version + 1
    assert {row["amount"] for row in body["rows"]} == {"12500.50", "2400.00"}
    assert not BudgetLine.objects.filter(pk=travel.pk).exists()
    assert budget_rows(partner) == [
        ("equipment", 2028, 1, "Ordinateurs", Decimal("2400.00")),
        ("staff", 2027, None, "Chargée", Decimal("12500.50")),
    ]
    assert version_of(dossier, f"budget-{partner.pk}") == version + 1

    # The page, given the same change on a dossier in the same state, writes the same rows.
    other = a_second_dossier(call, org_a, org_b, alice)
    other_partner = other.partners.get(number=2)
    other_wp = f.WorkPackageFactory(application=other, number=1, lead_partner=other_partner)
    other_staff = f.BudgetLineFactory(
        partner=other_partner, year=2027, amount=Decimal("10000.00"), description="Chargée"
    )
    other_travel = f.BudgetLineFactory(
        partner=other_partner,
        cost_category=CostCategory.TRAVEL,
        year=2028,
        amount=Decimal("1500.00"),
        work_package=other_wp,
    )
    client.force_login(bob)
    page = client.post(
        reverse("applications:partner_budget", args=[other.reference, 2]),
        {
            "version": version_of(other, f"budget-{other_partner.pk}"),
            "lines-TOTAL_FORMS": "3",
            "lines-INITIAL_FORMS": "2",
            "lines-MIN_NUM_FORMS": "0",
            "lines-MAX_NUM_FORMS": "1000",
            "lines-0-id": str(other_staff.pk),
            "lines-0-cost_category": "staff",
            "lines-0-year": "2027",
            "lines-0-work_package": "",
            "lines-0-description": "Chargée",
            "lines-0-amount": "12 500,50",
            "lines-1-id": str(other_travel.pk),
            "lines-1-cost_category": "travel",
            "lines-1-year": "2028",
            "lines-1-work_package": str(other_wp.pk),
            "lines-1-description": "",
            "lines-1-amount": "1500",
            "lines-1-DELETE": "on",
            "lines-2-cost_category": "equipment",
            "lines-2-year": "2028",
            "lines-2-work_package": str(other_wp.pk),
            "lines-2-description": "Ordinateurs",
            "lines-2-amount": "2400",
        },
    )
    assert page.status_code == 302, page.content.decode()[:2000]
    assert budget_rows(other_partner) == budget_rows(partner)


def test_a_budget_list_not_sent_leaves_the_rows_alone(dossier, lines, bob):
    partner, _staff, _travel = lines
    before = budget_rows(partner)

    response = as_user(bob).patch(
        section_url(dossier, "budget/2"),
        {"version": version_of(dossier, f"budget-{partner.pk}")},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert budget_rows(partner) == before


def test_a_stale_budget_version_is_a_409_and_nothing_changes(dossier, lines, bob):
    partner, staff, _travel = lines
    version = version_of(dossier, f"budget-{partner.pk}")
    client = as_user(bob)
    first = client.patch(
        section_url(dossier, "budget/2"),
        {"version": version, "rows": [{"id": staff.pk}]},
        format="json",
    )
    assert first.status_code == 200, first.content
    before = budget_rows(partner)

    response = client.patch(
        section_url(dossier, "budget/2"),
        {"version": version, "rows": []},
        format="json",
    )

    error(response, 409, "conflict")
    assert budget_rows(partner) == before
    assert version_of(dossier, f"budget-{partner.pk}") == version + 1


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("fr", "Saisissez un montant, par exemple 12 500,50."),
        ("en", "Enter an amount, for example 12,500.50."),
    ],
)
def test_an_invalid_amount_is_a_400_on_the_rows_field_in_the_requests_language(
    dossier, lines, bob, language, message
):
    partner, staff, travel = lines
    before = budget_rows(partner)
    version = version_of(dossier, f"budget-{partner.pk}")

    response = as_user(bob, language).patch(
        section_url(dossier, "budget/2"),
        {
            "version": version,
            "rows": [
                {"id": staff.pk, "amount": "1000"},
                {"id": travel.pk},
                {"id": None, "cost_category": "staff", "year": 2027, "amount": "beaucoup"},
            ],
        },
        format="json",
    )

    body = error(response, 400, "invalid")
    assert body["errors"] == {"rows.2.amount": [message]}
    assert budget_rows(partner) == before
    assert version_of(dossier, f"budget-{partner.pk}") == version


def test_a_float_amount_or_an_unknown_row_is_refused_on_the_row(dossier, lines, bob):
    partner, staff, _travel = lines
    before = budget_rows(partner)

    response = as_user(bob).patch(
        section_url(dossier, "budget/2"),
        {
            "version": version_of(dossier, f"budget-{partner.pk}"),
            "rows": [{"id": staff.pk, "amount": 12.5}, {"id": 999999}, "ligne"],
        },
        format="json",
    )

    body = error(response, 400, "invalid")
    assert set(body["errors"]) == {"rows.0.amount", "rows.1.id", "rows.2.non_field_errors"}
    assert "999999" in body["errors"]["rows.1.id"][0]
    assert budget_rows(partner) == before


def test_a_partners_budget_is_changed_by_its_own_members_only(dossier, lines, alice, bob):
    partner, _staff, _travel = lines
    lead = dossier.partners.get(number=1)
    f.BudgetLineFactory(partner=lead)
    before = (budget_rows(partner), budget_rows(lead))

    # The lead's member reads partner 2's budget but may not change it; nor bob the lead's.
    read = as_user(alice).get(section_url(dossier, "budget/2"))
    assert read.status_code == 200
    assert read.json()["editable"] is False
    for user, number, key in ((alice, 2, partner), (bob, 1, lead)):
        response = as_user(user).patch(
            section_url(dossier, f"budget/{number}"),
            {"version": version_of(dossier, f"budget-{key.pk}"), "rows": []},
            format="json",
        )
        body = error(response, 403, "permission_denied")
        assert "vous pouvez la lire" in body["message"]
    assert (budget_rows(partner), budget_rows(lead)) == before


@pytest.mark.parametrize("persona", [*STRANGERS, "anonymous"])
def test_strangers_do_not_see_a_budget_and_the_anonymous_are_asked_to_log_in(
    request, dossier, lines, persona
):
    partner, _staff, _travel = lines
    before = budget_rows(partner)
    client = client_of(request, persona)

    read = client.get(section_url(dossier, "budget/2"))
    write = client.patch(
        section_url(dossier, "budget/2"),
        {"version": version_of(dossier, f"budget-{partner.pk}"), "rows": []},
        format="json",
    )

    for response in (read, write):
        if persona == "anonymous":
            error(response, 401, "not_authenticated")
        else:
            error(response, 404, "not_found")
    assert budget_rows(partner) == before


def test_a_submitted_dossiers_budget_is_a_409(dossier, lines, bob):
    partner, _staff, _travel = lines
    Application.objects.filter(pk=dossier.pk).update(status=ApplicationStatus.SUBMITTED)
    before = budget_rows(partner)

    response = as_user(bob).patch(
        section_url(dossier, "budget/2"),
        {"version": version_of(dossier, f"budget-{partner.pk}"), "rows": []},
        format="json",
    )

    body = error(response, 409, "invalid_state")
    assert "Déposé" in body["message"] or "il ne se modifie plus" in body["message"]
    assert budget_rows(partner) == before


def test_an_unknown_partner_or_section_is_a_404(dossier, bob):
    error(as_user(bob).get(section_url(dossier, "budget/9")), 404, "not_found")
    error(as_user(bob).get(section_url(dossier, "nothing/2")), 404, "not_found")


# --- cofinancing/{partner number} -----------------------------------------------------------


def test_a_partner_changes_its_financing_plan(dossier, bob, alice):
    partner = dossier.partners.get(number=2)
    eu = f.CofinancingFactory(partner=partner, amount=Decimal("6000.00"))
    url = section_url(dossier, "cofinancing/2")
    read = as_user(bob).get(url).json()
    assert read["rows"] == [
        {"id": eu.pk, "source": "eu", "funder": "", "amount": "6000.00", "is_secured": False}
    ]

    response = as_user(bob).patch(
        url,
        {
            "version": read["version"],
            "rows": [
                {"id": eu.pk, "is_secured": True},
                {"id": None, "source": "own_funds", "funder": "B", "amount": "4000.00"},
            ],
        },
        format="json",
    )

    assert response.status_code == 200, response.content
    assert sorted(
        Cofinancing.objects.filter(partner=partner).values_list(
            "source", "funder", "amount", "is_secured"
        )
    ) == [
        (FundingSource.EU, "", Decimal("6000.00"), True),
        (FundingSource.OWN_FUNDS, "B", Decimal("4000.00"), False),
    ]
    refused = as_user(alice).patch(url, {"version": read["version"] + 1, "rows": []}, format="json")
    error(refused, 403, "permission_denied")
    assert Cofinancing.objects.filter(partner=partner).count() == 2


def test_an_invalid_cofinancing_amount_is_said_on_the_row_and_a_stale_version_is_a_409(
    dossier, bob
):
    partner = dossier.partners.get(number=2)
    url = section_url(dossier, "cofinancing/2")
    version = version_of(dossier, f"cofinancing-{partner.pk}")
    bad = as_user(bob, "en").patch(
        url,
        {"version": version, "rows": [{"id": None, "source": "eu", "amount": "-5"}]},
        format="json",
    )
    assert error(bad, 400, "invalid")["errors"] == {
        "rows.0.amount": ["The amount cannot be negative."]
    }
    stale = as_user(bob).patch(
        url,
        {"version": version + 3, "rows": [{"id": None, "source": "eu", "amount": "5"}]},
        format="json",
    )
    error(stale, 409, "conflict")
    assert not Cofinancing.objects.filter(partner=partner).exists()


# --- work packages, a work package, indicators ---------------------------------------------


def test_the_lead_edits_the_work_packages_with_their_lead_partner_by_number(dossier, alice, bob):
    partner = dossier.partners.get(number=2)
    wp = f.WorkPackageFactory(application=dossier, number=1, lead_partner=partner)
    url = section_url(dossier, "work_packages")
    read = as_user(alice).get(url).json()
    assert read["rows"] == [
        {
            "id": wp.pk,
            "number": 1,
            "title": wp.title,
            "description": "",
            "lead_partner": 2,
            "start_month": 1,
            "end_month": 12,
        }
    ]

    response = as_user(alice).patch(
        url,
        {
            "version": read["version"],
            "rows": [
                {"id": wp.pk, "lead_partner": 1},
                {
                    "id": None,
                    "number": 2,
                    "title": "Diffusion",
                    "lead_partner": 2,
                    "start_month": 6,
                    "end_month": 24,
                },
            ],
        },
        format="json",
    )

    assert response.status_code == 200, response.content
    assert sorted(
        WorkPackage.objects.filter(application=dossier).values_list(
            "number", "lead_partner__number", "start_month", "end_month"
        )
    ) == [(1, 1, 1, 12), (2, 2, 6, 24)]
    duplicate = as_user(alice, "en").patch(
        url,
        {
            "version": response.json()["version"],
            "rows": [
                *response.json()["rows"],
                {
                    "id": None,
                    "number": 2,
                    "title": "X",
                    "lead_partner": 9,
                    "start_month": 1,
                    "end_month": 2,
                },
            ],
        },
        format="json",
    )
    errors = error(duplicate, 400, "invalid")["errors"]
    assert set(errors) == {"rows.2.number", "rows.2.lead_partner"}
    refused = as_user(bob).patch(url, {"version": 0, "rows": []}, format="json")
    error(refused, 403, "permission_denied")
    assert WorkPackage.objects.filter(application=dossier).count() == 2


def test_a_work_packages_lead_partner_edits_its_activities_and_deliverables(dossier, bob, charlie):
    partner = dossier.partners.get(number=2)
    wp = f.WorkPackageFactory(application=dossier, number=1, lead_partner=partner)
    old = Activity.objects.create(work_package=wp, title="Ancienne", start_month=1, end_month=2)
    url = section_url(dossier, "work_package/1")
    read = as_user(bob).get(url).json()
    assert read["section"] == "work_package/1"
    assert [row["id"] for row in read["activities"]] == [old.pk]
    assert read["deliverables"] == []

    response = as_user(bob).patch(
        url,
        {
            "version": read["version"],
            "activities": [],
            "deliverables": [{"id": None, "title": "Guide", "due_month": 12}],
        },
        format="json",
    )

    assert response.status_code == 200, response.content
    assert not Activity.objects.filter(work_package=wp).exists()
    assert list(Deliverable.objects.filter(work_package=wp).values_list("title", "due_month")) == [
        ("Guide", 12)
    ]
    error(as_user(charlie).get(url), 404, "not_found")
    error(as_user(bob).get(section_url(dossier, "work_package/7")), 404, "not_found")


def test_the_lead_edits_the_indicators_and_a_submitted_dossier_is_a_409(dossier, alice):
    indicator = f.IndicatorFactory(application=dossier, target_value=Decimal("100"))
    url = section_url(dossier, "indicators")
    read = as_user(alice).get(url).json()
    assert read["rows"][0]["target_value"] == "100.00"

    response = as_user(alice).patch(
        url,
        {"version": read["version"], "rows": [{"id": indicator.pk, "target_value": "120.5"}]},
        format="json",
    )

    assert response.status_code == 200, response.content
    indicator.refresh_from_db()
    assert indicator.target_value == Decimal("120.50")
    Application.objects.filter(pk=dossier.pk).update(status=ApplicationStatus.SUBMITTED)
    frozen = as_user(alice).patch(
        url, {"version": response.json()["version"], "rows": []}, format="json"
    )
    error(frozen, 409, "invalid_state")
    assert Indicator.objects.filter(application=dossier).count() == 1


# --- lump sum, a partner's contact ----------------------------------------------------------


def test_the_lump_sum_is_one_of_the_calls_amounts_on_lump_sum_calls_only(call, dossier, alice):
    url = section_url(dossier, "lump_sum")
    error(as_user(alice).get(url), 404, "not_found")
    call.cost_model = CostModel.LUMP_SUM
    call.save(update_fields=["cost_model"])
    CallLumpSum.objects.create(call=call, amount=Decimal("60000.00"))
    CallLumpSum.objects.create(call=call, amount=Decimal("120000.00"))
    read = as_user(alice).get(url).json()
    assert read["lump_sum"] is None

    wrong = as_user(alice, "en").patch(
        url, {"version": read["version"], "lump_sum": "70000"}, format="json"
    )
    assert set(error(wrong, 400, "invalid")["errors"]) == {"lump_sum"}
    for nonsense in ("sNaN", "Infinity", 60000.0):
        refused = as_user(alice).patch(
            url, {"version": read["version"], "lump_sum": nonsense}, format="json"
        )
        assert set(error(refused, 400, "invalid")["errors"]) == {"lump_sum"}
    response = as_user(alice).patch(
        url, {"version": read["version"], "lump_sum": "60000"}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["lump_sum"] == "60000.00"
    dossier.refresh_from_db()
    assert dossier.lump_sum == Decimal("60000.00")


def test_a_partner_changes_its_own_contact_only(dossier, alice, bob):
    url = section_url(dossier, "partner/2")
    read = as_user(bob).get(url).json()

    bad = as_user(bob).patch(
        url, {"version": read["version"], "contact_email": "pas-une-adresse"}, format="json"
    )
    assert set(error(bad, 400, "invalid")["errors"]) >= {"contact_email"}
    response = as_user(bob).patch(
        url,
        {
            "version": read["version"],
            "contact_name": "Brigitte Martin",
            "contact_email": "brigitte@b.example",
            "contact_phone": "+33 3 20 00 00 00",
        },
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["contact_name"] == "Brigitte Martin"
    partner = dossier.partners.get(number=2)
    assert (partner.contact_name, partner.contact_email) == (
        "Brigitte Martin",
        "brigitte@b.example",
    )
    refused = as_user(alice).patch(
        section_url(dossier, "partner/2"),
        {"version": response.json()["version"], "contact_name": "Autre"},
        format="json",
    )
    error(refused, 403, "permission_denied")
    partner.refresh_from_db()
    assert partner.contact_name == "Brigitte Martin"


# --- who may change which section, on every section ------------------------------------------

# The section, the persona who may change it in ``dossier`` (alice: the lead, partner 1;
# bob: partner 2) and the one who sees it but may not.
EDITORS = [
    ("work_packages", "alice", "bob"),
    ("indicators", "alice", "bob"),
    ("work_package/1", "alice", "bob"),
    ("budget/2", "bob", "alice"),
    ("cofinancing/2", "bob", "alice"),
    ("partner/2", "bob", "alice"),
    ("lump_sum", "alice", "bob"),
]


@pytest.fixture
def filled(call, dossier):
    """Every section of the dossier has a row; the call is a lump-sum one for ``lump_sum``
    only (a lump-sum call has no partner budget lines)."""
    lead, partner = dossier.partners.get(number=1), dossier.partners.get(number=2)
    wp = f.WorkPackageFactory(application=dossier, number=1, lead_partner=lead)
    Activity.objects.create(work_package=wp, title="Lancement", start_month=1, end_month=2)
    f.IndicatorFactory(application=dossier)
    f.BudgetLineFactory(partner=partner)
    f.CofinancingFactory(partner=partner)
    CallLumpSum.objects.create(call=call, amount=Decimal("60000.00"))
    return dossier


def fingerprint(application) -> tuple:
    """Everything the sections write, to check that a refusal changed nothing."""
    return (
        sorted(application.section_versions.values_list("key", "version")),
        sorted(WorkPackage.objects.filter(application=application).values_list()),
        sorted(Activity.objects.filter(work_package__application=application).values_list()),
        sorted(Indicator.objects.filter(application=application).values_list()),
        sorted(BudgetLine.objects.filter(partner__application=application).values_list()),
        sorted(Cofinancing.objects.filter(partner__application=application).values_list()),
        sorted(application.partners.values_list("contact_name", "contact_email")),
        Application.objects.values_list("lump_sum", flat=True).get(pk=application.pk),
    )


def lump_sum_call_if(key: str, call) -> None:
    if key == "lump_sum":
        call.cost_model = CostModel.LUMP_SUM
        call.save(update_fields=["cost_model"])


@pytest.mark.parametrize(("key", "editor", "reader"), EDITORS)
def test_each_section_is_read_by_the_partners_and_changed_by_its_editor_only(
    request, call, filled, key, editor, reader
):
    lump_sum_call_if(key, call)
    url = section_url(filled, key)
    for persona, editable in ((editor, True), (reader, False)):
        read = client_of(request, persona).get(url)
        assert read.status_code == 200, read.content
        assert read.json()["section"] == key
        assert read.json()["editable"] is editable
    version = read.json()["version"]
    before = fingerprint(filled)

    refused = client_of(request, reader).patch(url, {"version": version, "rows": []}, format="json")

    body = error(refused, 403, "permission_denied")
    assert "vous pouvez l" in body["message"]
    assert fingerprint(filled) == before


@pytest.mark.parametrize(("key", "editor", "reader"), EDITORS)
@pytest.mark.parametrize("persona", ["charlie", "olivia", "anonymous"])
def test_each_section_does_not_exist_for_strangers(
    request, call, filled, key, editor, reader, persona
):
    lump_sum_call_if(key, call)
    url = section_url(filled, key)
    before = fingerprint(filled)
    client = client_of(request, persona)

    for response in (client.get(url), client.patch(url, {"version": 0, "rows": []}, format="json")):
        if persona == "anonymous":
            error(response, 401, "not_authenticated")
        else:
            error(response, 404, "not_found")
    assert fingerprint(filled) == before


@pytest.mark.parametrize(("key", "editor", "reader"), EDITORS)
def test_each_section_of_a_submitted_dossier_is_a_409_and_a_stale_version_too(
    request, call, filled, key, editor, reader
):
    lump_sum_call_if(key, call)
    url = section_url(filled, key)
    client = client_of(request, editor)
    version = client.get(url).json()["version"]
    before = fingerprint(filled)

    valid = {
        "partner/2": {"contact_name": "Brigitte Martin", "contact_email": "b@b.example"},
        "lump_sum": {"lump_sum": "60000"},
        "work_package/1": {"activities": [], "deliverables": []},
    }.get(key, {"rows": []})
    stale = client.patch(url, {"version": version + 1, **valid}, format="json")
    error(stale, 409, "conflict")
    assert fingerprint(filled) == before

    Application.objects.filter(pk=filled.pk).update(status=ApplicationStatus.SUBMITTED)
    frozen = client.patch(url, {"version": version, **valid}, format="json")
    body = error(frozen, 409, "invalid_state")
    assert "ne se modifie plus" in body["message"]
    assert fingerprint(filled) == before


# --- the API writes what the page writes ------------------------------------------------------


def management(prefix: str, total: int, initial: int) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def prepared(application) -> dict:
    """A dossier with one row in each list: module 1 (led by partner 2) with an activity,
    an indicator, partner 2's resource."""
    partner = application.partners.get(number=2)
    wp = f.WorkPackageFactory(
        application=application, number=1, title="Pilotage", lead_partner=partner
    )
    return {
        "partner": partner,
        "wp": wp,
        "activity": Activity.objects.create(
            work_package=wp, title="Lancement", start_month=1, end_month=2
        ),
        "indicator": f.IndicatorFactory(application=application, code="CO01"),
        "resource": f.CofinancingFactory(partner=partner, amount=Decimal("6000.00")),
    }


def api_change(key: str, rows: dict) -> dict:
    return {
        "work_packages": {
            "rows": [
                {"id": rows["wp"].pk, "title": "Pilotage et qualité", "end_month": 24},
                {
                    "id": None,
                    "number": 2,
                    "title": "Diffusion",
                    "lead_partner": 1,
                    "start_month": 3,
                    "end_month": 20,
                },
            ]
        },
        "work_package/1": {
            "activities": [],
            "deliverables": [{"id": None, "title": "Guide", "description": "", "due_month": 9}],
        },
        "indicators": {
            "rows": [
                {
                    "id": None,
                    "code": "CR02",
                    "name": "Emplois",
                    "kind": "result",
                    "unit": "emplois",
                    "target_value": "12.5",
                }
            ]
        },
        "cofinancing/2": {
            "rows": [
                {"id": rows["resource"].pk, "amount": "7000.00", "is_secured": True},
                {"id": None, "source": "private", "funder": "Fondation", "amount": "500"},
            ]
        },
    }[key]


def page_post(key: str, rows: dict, application) -> tuple[str, dict]:
    """The same change as the page's form posts it."""
    ref = application.reference
    wp, lead = rows["wp"], application.partners.get(number=1)
    if key == "work_packages":
        return reverse("applications:work_packages", args=[ref]), {
            **management("wp", 2, 1),
            "wp-0-id": str(wp.pk),
            "wp-0-number": "1",
            "wp-0-title": "Pilotage et qualité",
            "wp-0-description": "",
            "wp-0-lead_partner": str(rows["partner"].pk),
            "wp-0-start_month": "1",
            "wp-0-end_month": "24",
            "wp-1-number": "2",
            "wp-1-title": "Diffusion",
            "wp-1-description": "",
            "wp-1-lead_partner": str(lead.pk),
            "wp-1-start_month": "3",
            "wp-1-end_month": "20",
        }
    if key == "work_package/1":
        return reverse("applications:work_package", args=[ref, 1]), {
            **management("activities", 1, 1),
            "activities-0-id": str(rows["activity"].pk),
            "activities-0-title": "Lancement",
            "activities-0-description": "",
            "activities-0-start_month": "1",
            "activities-0-end_month": "2",
            "activities-0-DELETE": "on",
            **management("deliverables", 1, 0),
            "deliverables-0-title": "Guide",
            "deliverables-0-description": "",
            "deliverables-0-due_month": "9",
        }
    if key == "indicators":
        indicator = rows["indicator"]
        return reverse("applications:indicators", args=[ref]), {
            **management("indicators", 2, 1),
            "indicators-0-id": str(indicator.pk),
            "indicators-0-code": indicator.code,
            "indicators-0-name": indicator.name,
            "indicators-0-kind": indicator.kind,
            "indicators-0-unit": indicator.unit,
            "indicators-0-target_value": "100",
            "indicators-0-DELETE": "on",
            "indicators-1-code": "CR02",
            "indicators-1-name": "Emplois",
            "indicators-1-kind": "result",
            "indicators-1-unit": "emplois",
            "indicators-1-target_value": "12,5",
        }
    resource = rows["resource"]
    return reverse("applications:partner_cofinancing", args=[ref, 2]), {
        **management("resources", 2, 1),
        "resources-0-id": str(resource.pk),
        "resources-0-source": "eu",
        "resources-0-funder": "",
        "resources-0-amount": "7 000,00",
        "resources-0-is_secured": "on",
        "resources-1-source": "private",
        "resources-1-funder": "Fondation",
        "resources-1-amount": "500",
    }


def written(application) -> tuple:
    """The rows the list sections hold, without their ids."""
    return (
        sorted(
            WorkPackage.objects.filter(application=application).values_list(
                "number", "title", "description", "lead_partner__number", "start_month", "end_month"
            )
        ),
        sorted(
            Activity.objects.filter(work_package__application=application).values_list(
                "work_package__number", "title", "start_month", "end_month"
            )
        ),
        sorted(
            Deliverable.objects.filter(work_package__application=application).values_list(
                "work_package__number", "title", "due_month"
            )
        ),
        sorted(
            Indicator.objects.filter(application=application).values_list(
                "code", "name", "kind", "unit", "target_value"
            )
        ),
        sorted(
            Cofinancing.objects.filter(partner__application=application).values_list(
                "partner__number", "source", "funder", "amount", "is_secured"
            )
        ),
    )


@pytest.mark.parametrize(
    ("key", "editor"),
    [
        ("work_packages", "alice"),
        ("work_package/1", "bob"),
        ("indicators", "alice"),
        ("cofinancing/2", "bob"),
    ],
)
def test_a_patch_writes_the_rows_the_pages_post_writes(
    request, client, call, org_a, org_b, alice, dossier, key, editor
):
    user = request.getfixturevalue(editor)
    api_rows = prepared(dossier)
    other = a_second_dossier(call, org_a, org_b, alice)
    page_rows = prepared(other)
    unchanged = written(dossier)
    url = section_url(dossier, key)

    response = as_user(user).patch(
        url,
        {"version": as_user(user).get(url).json()["version"], **api_change(key, api_rows)},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert written(dossier) != unchanged

    client.force_login(user)
    path, data = page_post(key, page_rows, other)
    version = as_user(user).get(section_url(other, key)).json()["version"]
    page = client.post(path, {"version": str(version), **data})
    assert page.status_code == 302, page.content.decode()[:3000]
    assert written(other) == written(dossier)


def test_reading_a_list_costs_the_same_queries_for_2_rows_or_12(dossier, bob):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    partner = dossier.partners.get(number=2)
    wps = [
        f.WorkPackageFactory(application=dossier, number=n, lead_partner=partner) for n in (1, 2)
    ]
    client = as_user(bob)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(section_url(dossier, "budget/2")).status_code == 200
            assert client.get(section_url(dossier, "work_packages")).status_code == 200
        return len(captured)

    for n in range(2):
        f.BudgetLineFactory(partner=partner, work_package=wps[n % 2])
    few = queries()
    for n in range(10):
        f.BudgetLineFactory(partner=partner, work_package=wps[n % 2])
        f.WorkPackageFactory(application=dossier, number=n + 3, lead_partner=partner)
    assert queries() == few
