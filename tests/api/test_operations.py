"""The public list of operations under /api/v1/operations/: the selection and filters of
the open-data CSV file (reporting.exports), read by anyone; never a dossier that was not
selected; amounts as strings with two decimals; queries pinned."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from applications.models import Application
from tests import factories as f
from tests.reporting.test_exports import make_operation, selected_operations
from tests.review.test_queue import S

pytestmark = pytest.mark.django_db

OPERATIONS = "/api/v1/operations/"


def references(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["reference"] for row in response.json()["results"]]


def test_anyone_reads_an_operation_as_the_open_data_file_gives_it(api, call, olivia):
    lead = f.OrganisationFactory(
        legal_name="Coopérative Transfrontalière", country="BE", postcode="7500",
        city="Tournai", nuts_code="BE327", legal_type="asbl",
        enterprise_number=f.VALID_BE_NUMBERS[1],
    )  # fmt: skip
    operation = make_operation(
        call, decided_by=olivia, status=S.CONTRACTED, reference="OP-2026-0001",
        lead=lead, partners=[f.OrganisationFactory(legal_name="Organisation C")],
        budget="200000.00", eu="120000.00", granted="123456.78", summary="Un accompagnement.",
    )  # fmt: skip
    programme = call.programme

    body = api.get(f"{OPERATIONS}OP-2026-0001/").json()

    assert body == {
        "reference": "OP-2026-0001",
        "acronym": operation.acronym,
        "title": operation.title,
        "purpose": "Un accompagnement.",
        "start_date": "2027-01-01",
        "end_date": "2028-12-31",
        "status": "contracted",
        "status_label": "Conventionné",
        "lead": {
            "name": "Coopérative Transfrontalière",
            "country": "BE",
            "postcode": "7500",
            "city": "Tournai",
            "nuts_code": "BE327",
        },
        "partners": ["Organisation C"],
        "total_cost": "200000.00",
        "eu_amount": "123456.78",
        "cofinancing_rate": "61.73",
        "fund": programme.fund.code,
        "fund_name": programme.fund.short_name,
        "programme": programme.code,
        "programme_name": programme.name,
        "measure": None,
        "call": call.reference,
    }


@pytest.mark.parametrize("status", [S.SUBMITTED, S.REJECTED, S.RESERVE, S.DRAFT])
def test_a_dossier_that_was_not_selected_is_never_listed_nor_readable(api, call, olivia, status):
    shown = make_operation(call, decided_by=olivia)
    hidden = make_operation(call, decided_by=olivia, status=status)
    assert references(api.get(OPERATIONS)) == [shown.reference]
    assert api.get(f"{OPERATIONS}{hidden.reference}/").status_code == 404


def test_the_fund_filter_is_the_files(api, call, olivia):
    wanted = make_operation(call, decided_by=olivia)
    make_operation(f.CallFactory(), decided_by=olivia)
    assert references(api.get(OPERATIONS, {"fund": call.programme.fund.code})) == [wanted.reference]


def test_the_programme_filter_is_the_files(api, call, olivia):
    wanted = make_operation(call, decided_by=olivia)
    make_operation(f.CallFactory(), decided_by=olivia)
    assert references(api.get(OPERATIONS, {"programme": call.programme.code})) == [wanted.reference]


def test_the_country_filter_keeps_the_operations_led_from_that_country(api, call, olivia, org_b):
    wanted = make_operation(call, decided_by=olivia, lead=org_b)
    make_operation(call, decided_by=olivia)
    assert references(api.get(OPERATIONS, {"country": "be"})) == [wanted.reference]


def test_a_filter_naming_nothing_is_a_400_naming_each_parameter(api):
    body = api.get(OPERATIONS, {"fund": "nope", "country": "ZZ"}).json()
    assert body["code"] == "invalid"
    assert set(body["errors"]) == {"fund", "country"}
    assert "aucun fonds n'a le code « nope »" in body["errors"]["fund"][0]


def test_updated_since_keeps_the_operations_changed_since(api, call, olivia):
    old = make_operation(call, decided_by=olivia)
    recent = make_operation(call, decided_by=olivia)
    Application.objects.filter(pk=old.pk).update(updated_at=timezone.now() - dt.timedelta(days=10))
    since = (timezone.now() - dt.timedelta(days=1)).isoformat()
    assert references(api.get(OPERATIONS, {"updated_since": since})) == [recent.reference]


def test_search_with_q_looks_in_reference_acronym_title_and_lead(api, call, olivia, org_b):
    make_operation(call, decided_by=olivia, acronym="MOBILAB")
    make_operation(call, decided_by=olivia, title="Tiers-lieux ruraux")
    led_by_b = make_operation(call, decided_by=olivia, lead=org_b)
    assert len(references(api.get(OPERATIONS, {"q": "mobilab"}))) == 1
    assert len(references(api.get(OPERATIONS, {"q": "TIERS-LIEUX"}))) == 1
    assert references(api.get(OPERATIONS, {"q": "organisation b"})) == [led_by_b.reference]


def test_operations_are_ordered_by_reference_unless_asked(api, call, olivia):
    for reference, acronym in [("OP-2", "ALPHA"), ("OP-3", "BETA"), ("OP-1", "GAMMA")]:
        make_operation(call, decided_by=olivia, reference=reference, acronym=acronym)
    assert references(api.get(OPERATIONS)) == ["OP-1", "OP-2", "OP-3"]
    assert references(api.get(OPERATIONS, {"ordering": "acronym"})) == ["OP-2", "OP-3", "OP-1"]
    assert references(api.get(OPERATIONS, {"ordering": "-reference"})) == ["OP-3", "OP-2", "OP-1"]
    # Commas naming no field: the list's own order, not a server error.
    assert references(api.get(OPERATIONS, {"ordering": ",,,"})) == ["OP-1", "OP-2", "OP-3"]
    assert references(api.get(OPERATIONS, {"ordering": ",acronym,"})) == ["OP-2", "OP-3", "OP-1"]


@pytest.mark.parametrize("style", ["page", "cursor"])
def test_both_paginations_return_every_operation_once(api, call, olivia, style):
    selected_operations(call, 7, decided_by=olivia)
    params = {"page_size": 3, **({"cursor": ""} if style == "cursor" else {})}
    seen = []
    response = api.get(OPERATIONS, params).json()
    while True:
        seen += [row["reference"] for row in response["results"]]
        if not response["next"]:
            break
        response = api.get(response["next"]).json()
    assert len(seen) == 7
    assert set(seen) == set(Application.objects.values_list("reference", flat=True))


def test_an_operation_has_an_etag_that_follows_its_decision(api, call, olivia):
    operation = make_operation(call, decided_by=olivia)
    url = f"{OPERATIONS}{operation.reference}/"
    etag = api.get(url)["ETag"]
    assert api.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    operation.decision.amount_granted = 1
    operation.decision.save()
    assert api.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200


@pytest.mark.parametrize("rows", [2, 100])
@pytest.mark.parametrize("filtered", [False, True])
def test_the_list_queries_do_not_grow_with_the_operations(
    api, call, olivia, django_assert_num_queries, rows, filtered
):
    selected_operations(call, rows, decided_by=olivia)
    programme = call.programme
    params = {"page_size": 100}
    if filtered:
        params |= {"fund": programme.fund.code, "programme": programme.code, "country": "FR"}
    # [does the fund exist?, does the programme exist?]; count; the operations with call,
    # programme, fund, measure, lead, frozen totals and decision; their other beneficiaries.
    with django_assert_num_queries(3 + (2 if filtered else 0)):
        response = api.get(OPERATIONS, params)
    results = response.json()["results"]
    assert len(results) == rows
    assert {row["cofinancing_rate"] for row in results} == {"60.00"}
    assert all(row["partners"] for row in results)
    assert all(row["lead"]["name"] for row in results)
