"""Published calls under /api/v1/calls/: open, upcoming and past, never an unpublished
one; their rules in plain language, criteria and lump sums; each filter, search,
ordering, both paginations, ETag/304; queries pinned."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from calls.choices import CostModel, RuleKind
from calls.models import Call, CallLumpSum
from tests import factories as f

pytestmark = pytest.mark.django_db

CALLS = "/api/v1/calls/"
NOW = timezone.now()


def upcoming(**fields) -> Call:
    return f.CallFactory(
        opens_at=NOW + dt.timedelta(days=5), closes_at=NOW + dt.timedelta(days=40), **fields
    )


def closed(**fields) -> Call:
    return f.CallFactory(
        opens_at=NOW - dt.timedelta(days=60), closes_at=NOW - dt.timedelta(days=1), **fields
    )


def references(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["reference"] for row in response.json()["results"]]


def full_call(**fields) -> Call:
    """A call with everything its representation shows: measures, priorities, target
    groups, required documents, rules, criteria, lump sums."""
    call = f.CallFactory(cost_model=CostModel.LUMP_SUM, **fields)
    measure = f.MeasureFactory(axis=f.AxisFactory(programme=call.programme))
    call.measures.add(measure)
    call.priorities.add(f.PriorityFactory(programme=call.programme))
    call.target_groups.add(f.TargetGroupFactory(programme=call.programme))
    call.required_document_types.add(f.DocumentTypeFactory())
    f.EligibilityRuleFactory(call=call)
    f.EligibilityRuleFactory(call=call, is_active=False, explanation="Règle retirée.")
    f.AssessmentCriterionFactory(call=call)
    CallLumpSum.objects.create(call=call, amount=Decimal("120000"))
    CallLumpSum.objects.create(call=call, amount=Decimal("250000.5"))
    return call


def test_anyone_reads_a_published_call_with_its_rules_criteria_and_lump_sums(api):
    call = full_call(reference="FSE-2026-01", title="Insertion", max_grant=Decimal("50000"))
    body = api.get(f"{CALLS}FSE-2026-01/").json()
    assert body["reference"] == "FSE-2026-01"
    assert body["status"] == "open"
    assert body["status_label"] == "Ouvert"
    assert body["programme"] == call.programme.code
    assert body["fund"] == call.programme.fund.code
    assert body["authority"] == call.authority.code
    assert body["budget_envelope"] == "1000000.00"
    assert body["max_cofinancing_rate"] == "60.00"
    assert body["max_grant"] == "50000.00"
    assert body["lump_sums"] == ["120000.00", "250000.50"]
    assert body["rules"] == [
        {
            "kind": RuleKind.MIN_PARTNERS,
            "kind_label": str(RuleKind.MIN_PARTNERS.label),
            "blocking": True,
            "explanation": "Au moins 2 organisations.",
        }
    ]
    [criterion] = body["criteria"]
    assert criterion["max_score"] == "25.00" and criterion["threshold"] == "13.00"
    assert body["measures"][0]["axis"] == call.measures.get().axis.code
    assert len(body["priorities"]) == len(body["target_groups"]) == 1
    assert body["required_documents"][0]["per_partner"] is False
    assert dt.datetime.fromisoformat(body["closes_at"]) == call.closes_at


def test_a_rule_without_explanation_is_described_in_plain_language(api):
    call = f.CallFactory()
    f.EligibilityRuleFactory(call=call, explanation="", parameters={"minimum": 3})
    [rule] = api.get(f"{CALLS}{call.reference}/").json()["rules"]
    assert rule["explanation"] == call.rules.get().describe()
    assert "3" in rule["explanation"]


def test_an_unpublished_call_is_neither_listed_nor_readable(api):
    hidden = f.CallFactory(is_published=False)
    shown = f.CallFactory()
    assert references(api.get(CALLS)) == [shown.reference]
    assert api.get(f"{CALLS}{hidden.reference}/").status_code == 404


def test_the_list_holds_open_upcoming_and_past_calls(api):
    calls = {f.CallFactory().reference, upcoming().reference, closed().reference}
    assert set(references(api.get(CALLS))) == calls


@pytest.mark.parametrize("status", ["open", "upcoming", "closed"])
def test_the_status_filter_keeps_the_calls_in_that_status(api, status):
    made = {"open": f.CallFactory(), "upcoming": upcoming(), "closed": closed()}
    assert references(api.get(CALLS, {"status": status})) == [made[status].reference]


def test_the_fund_filter(api):
    wanted = f.CallFactory()
    f.CallFactory()
    code = wanted.programme.fund.code
    assert references(api.get(CALLS, {"fund": code})) == [wanted.reference]


def test_the_programme_filter(api):
    wanted = f.CallFactory()
    f.CallFactory()
    assert references(api.get(CALLS, {"programme": wanted.programme.code})) == [wanted.reference]


def test_the_authority_filter(api):
    wanted = f.CallFactory()
    f.CallFactory()
    assert references(api.get(CALLS, {"authority": wanted.authority.code})) == [wanted.reference]


def test_the_measure_filter_lists_a_call_once(api):
    wanted = f.CallFactory()
    measure = f.MeasureFactory(code="213")
    wanted.measures.add(measure, f.MeasureFactory(code="214"))
    f.CallFactory()
    assert references(api.get(CALLS, {"measure": "213"})) == [wanted.reference]


def test_updated_since_keeps_the_calls_changed_since(api):
    old = f.CallFactory()
    recent = f.CallFactory()
    Call.objects.filter(pk=old.pk).update(updated_at=NOW - dt.timedelta(days=3))
    Call.objects.filter(pk=recent.pk).update(updated_at=NOW)
    since = (NOW - dt.timedelta(days=1)).isoformat()
    assert references(api.get(CALLS, {"updated_since": since})) == [recent.reference]


def test_search_with_q_looks_in_reference_title_and_summary(api):
    f.CallFactory(title="Mobilité des apprentis")
    f.CallFactory(reference="INTERREG-2026-A", title="Coopération")
    f.CallFactory(summary="Lutter contre le DECROCHAGE scolaire.")
    f.CallFactory(title="Autre chose", summary="Rien.")
    assert len(references(api.get(CALLS, {"q": "mobilité"}))) == 1
    assert references(api.get(CALLS, {"q": "interreg"})) == ["INTERREG-2026-A"]
    assert len(references(api.get(CALLS, {"q": "decrochage"}))) == 1


def test_ordering_follows_the_whitelist(api):
    f.CallFactory(reference="AAP-B", title="Bêta")
    f.CallFactory(reference="AAP-A", title="Gamma")
    f.CallFactory(reference="AAP-C", title="Alpha")
    assert references(api.get(CALLS, {"ordering": "reference"})) == ["AAP-A", "AAP-B", "AAP-C"]
    assert references(api.get(CALLS, {"ordering": "-reference"})) == ["AAP-C", "AAP-B", "AAP-A"]
    assert references(api.get(CALLS, {"ordering": "title"})) == ["AAP-C", "AAP-B", "AAP-A"]


def test_ordering_by_a_field_outside_the_whitelist_is_a_400(api):
    response = api.get(CALLS, {"ordering": "application_sequence"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["ordering"]


def test_pages_by_number_return_every_call_once(api):
    made = {f.CallFactory().reference for _ in range(7)}
    seen = []
    response = api.get(CALLS, {"page_size": 3, "ordering": "closes_at"}).json()
    assert response["count"] == 7
    while True:
        seen += [row["reference"] for row in response["results"]]
        if not response["next"]:
            break
        response = api.get(response["next"]).json()
    assert sorted(seen) == sorted(made)


def test_page_size_is_capped_at_100(api):
    f.CallFactory()
    response = api.get(CALLS, {"page_size": 1000})
    assert response.status_code == 200
    assert "page_size=" not in (response.json()["next"] or "")


def test_the_cursor_returns_every_call_once_even_with_equal_change_dates(api):
    made = [f.CallFactory() for _ in range(7)]
    # Three calls changed at the same instant: the cursor still returns each once.
    Call.objects.filter(pk__in=[call.pk for call in made[:3]]).update(updated_at=NOW)
    seen = []
    response = api.get(CALLS, {"cursor": "", "page_size": 2}).json()
    assert "count" not in response
    while True:
        seen += [row["reference"] for row in response["results"]]
        if not response["next"]:
            break
        response = api.get(response["next"]).json()
    assert sorted(seen) == sorted(call.reference for call in made)
    assert len(seen) == 7


def test_a_detail_has_an_etag_and_an_unchanged_one_is_a_304(api):
    call = f.CallFactory()
    first = api.get(f"{CALLS}{call.reference}/")
    etag = first["ETag"]
    assert etag.startswith('"')
    again = api.get(f"{CALLS}{call.reference}/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    Call.objects.filter(pk=call.pk).update(title="Nouvel intitulé")
    changed = api.get(f"{CALLS}{call.reference}/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_a_token_holder_reads_the_calls_too(alice):
    from rest_framework.test import APIClient

    call = f.CallFactory()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=alice).key}")
    assert references(client.get(CALLS)) == [call.reference]


@pytest.mark.parametrize("rows", [2, 100])
def test_the_list_queries_do_not_grow_with_the_calls(api, django_assert_num_queries, rows):
    for _ in range(rows):
        full_call()
    # count; calls with programme, fund, authority; measures with axis; priorities; target
    # groups; required documents; active rules; criteria; lump sums.
    with django_assert_num_queries(9):
        response = api.get(CALLS, {"page_size": 100})
    assert len(response.json()["results"]) == rows
    # The same without the count, with a cursor.
    with django_assert_num_queries(8):
        api.get(CALLS, {"cursor": "", "page_size": 100})


def test_the_detail_queries_are_pinned(api, django_assert_num_queries):
    call = full_call()
    # The call with its joins, then its seven prefetched relations.
    with django_assert_num_queries(8):
        assert api.get(f"{CALLS}{call.reference}/").status_code == 200
