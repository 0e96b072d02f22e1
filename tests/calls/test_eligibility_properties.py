"""Properties of the rule kinds on facts built in Python (no database): whatever the amounts,
the partners and the sources of funding, a rule never crashes, says its verdict in a
non-empty sentence in every language, keeps JSON figures, and agrees with the computation
an officer would make by hand."""

from __future__ import annotations

import calendar
import datetime as dt
import json
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from applications.choices import FundingSource
from applications.models import months_between
from applications.selectors import eu_rate
from calls.choices import CostModel, RuleKind
from calls.eligibility.facts import CallFacts, DossierFacts, PartnerFacts
from calls.eligibility.kinds import FAIL, NOT_APPLICABLE, PASS, REGISTRY, parse_parameters
from partners.choices import COUNTRY_CHOICES, LegalType, PartnerRole

UTC = dt.UTC
AT = dt.datetime(2026, 6, 15, 8, 0, tzinfo=UTC)
CENT = Decimal("0.01")
LANGUAGES = ("fr", "nl", "en")

AMOUNTS = st.decimals(min_value=0, max_value=10**9, places=2)
POSITIVE_AMOUNTS = st.decimals(min_value=CENT, max_value=10**9, places=2)
RATES = st.decimals(min_value=0, max_value=100, places=2)
COST_MODELS = st.sampled_from(CostModel.values)
COUNTRIES = st.sampled_from([code for code, _name in COUNTRY_CHOICES])


PARTNER_ROLES = st.sampled_from([PartnerRole.PARTNER, PartnerRole.ASSOCIATED])
LEGAL_TYPES = st.sampled_from(LegalType.values)
RESOURCES = st.dictionaries(st.sampled_from(FundingSource.values), AMOUNTS)
ORGANISATIONS = st.tuples(PARTNER_ROLES, LEGAL_TYPES, COUNTRIES, st.booleans(), AMOUNTS, RESOURCES)


def _consortium(organisations) -> tuple[PartnerFacts, ...]:
    return tuple(
        PartnerFacts(
            id=index + 1,
            number=index + 1,
            role=PartnerRole.LEAD if index == 0 else role,
            organisation_id=100 + index,
            name=f"Organisation {index + 1}",
            legal_type=legal_type,
            country=country,
            nuts_code="",
            identifier="",
            commitment_signed=signed,
            budget=budget,
            resources=resources,
        )
        for index, (role, legal_type, country, signed, budget, resources) in enumerate(
            organisations
        )
    )


def consortia(max_size: int = 10):
    """0 to 10 organisations, the first one leading, with any budget and any mix of
    funding sources."""
    return st.lists(ORGANISATIONS, max_size=max_size).map(_consortium)


def call_facts(
    *,
    cost_model: str = CostModel.REAL_COSTS,
    max_cofinancing_rate: Decimal = Decimal("60.00"),
    max_grant: Decimal | None = None,
    lump_sums: tuple[Decimal, ...] = (),
) -> CallFacts:
    return CallFacts(
        id=1,
        reference="AAP-PROPRIETES",
        opens_at=dt.datetime(2026, 3, 1, 8, 0, tzinfo=UTC),
        closes_at=dt.datetime(2026, 12, 1, 11, 0, tzinfo=UTC),
        cost_model=cost_model,
        max_cofinancing_rate=max_cofinancing_rate,
        max_grant=max_grant,
        lump_sums=tuple(sorted(lump_sums)),
        priority_ids=frozenset(),
        target_group_ids=frozenset(),
        required_documents=(),
        document_types={},
        rules=(),
    )


def dossier_facts(
    partners=(),
    *,
    call: CallFacts | None = None,
    start: dt.date | None = dt.date(2027, 1, 1),
    end: dt.date | None = dt.date(2028, 12, 31),
    lump_sum: Decimal | None = None,
) -> DossierFacts:
    return DossierFacts(
        id=1,
        reference="AAP-PROPRIETES-0001",
        status="draft",
        call=call or call_facts(),
        start_date=start,
        end_date=end,
        lump_sum=lump_sum,
        submitted_at=None,
        partners=tuple(partners),
        priority_ids=frozenset(),
        target_group_ids=frozenset(),
    )


def judge(kind: str, raw: dict, facts: DossierFacts) -> tuple[str, dict]:
    """The kind's verdict on the facts, after checking what holds for every kind: a known
    status, figures that survive JSON, and a sentence in every language."""
    spec = REGISTRY[kind]
    verdict = spec.evaluate(parse_parameters(kind, raw), facts, AT)
    assert verdict.status in {PASS, FAIL, NOT_APPLICABLE}
    assert json.loads(json.dumps(verdict.figures)) == verdict.figures
    for language in LANGUAGES:
        with translation.override(language):
            message = spec.message(verdict.status, verdict.figures)
        assert isinstance(message, str)
        assert message.strip(), (language, verdict)
    return verdict.status, verdict.figures


def total(partners) -> Decimal:
    return sum((partner.budget for partner in partners), Decimal(0))


def resource(partners, source: str) -> Decimal:
    return sum((partner.resources.get(source, Decimal(0)) for partner in partners), Decimal(0))


def percent(part: Decimal, whole: Decimal) -> Decimal:
    """The share an officer computes by hand: to the hundredth, half up."""
    return (part * 100 / whole).quantize(CENT, rounding=ROUND_HALF_UP)


def shown_rate(figures) -> Decimal:
    """The rate the message shows: a string with two decimals."""
    rate = figures["rate"]
    assert isinstance(rate, str)
    assert Decimal(rate) == Decimal(rate).quantize(CENT)
    return Decimal(rate)


def amount_or_none(value) -> Decimal | None:
    assert value is None or isinstance(value, str)
    return None if value is None else Decimal(value)


# --- Money --------------------------------------------------------------------------------


@settings(max_examples=100, deadline=None, database=None)
@given(
    partners=consortia(),
    cost_model=COST_MODELS,
    call_rate=RATES,
    rule_rate=st.none() | RATES,
)
def test_the_eu_rate_rule_passes_exactly_when_the_eu_share_is_within_the_maximum(
    partners, cost_model, call_rate, rule_rate
):
    raw = {} if rule_rate is None else {"rate": str(rule_rate)}
    facts = dossier_facts(
        partners, call=call_facts(cost_model=cost_model, max_cofinancing_rate=call_rate)
    )

    status, figures = judge(RuleKind.MAX_COFINANCING_RATE, raw, facts)

    if cost_model == CostModel.LUMP_SUM:
        assert status == NOT_APPLICABLE
        return
    maximum = call_rate if rule_rate is None else rule_rate
    cost, eu = total(partners), resource(partners, FundingSource.EU)
    assert amount_or_none(figures["maximum"]) == maximum
    assert amount_or_none(figures["total"]) == cost
    assert amount_or_none(figures["eu"]) == eu
    if cost == 0:
        assert (status, figures["rate"]) == (FAIL, None)
        return
    # Compared exactly: 60.004 % is over a 60 % cap although it rounds to 60.00 %.
    assert status == (PASS if eu * 100 <= maximum * cost else FAIL)
    shown = shown_rate(figures)
    assert (shown <= maximum) == (status == PASS)  # the rate shown never contradicts it
    assert abs(shown - eu_rate(eu, cost)) <= CENT  # and is the budget page's to the cent


@settings(max_examples=100, deadline=None, database=None)
@given(partners=consortia(), minimum=RATES, cost_model=COST_MODELS)
def test_the_own_contribution_rule_passes_exactly_when_own_funds_reach_the_minimum_share(
    partners, minimum, cost_model
):
    facts = dossier_facts(partners, call=call_facts(cost_model=cost_model))

    status, figures = judge(RuleKind.MIN_OWN_CONTRIBUTION, {"rate": str(minimum)}, facts)

    if cost_model == CostModel.LUMP_SUM:
        assert status == NOT_APPLICABLE
        return
    cost, own = total(partners), resource(partners, FundingSource.OWN_FUNDS)
    assert amount_or_none(figures["minimum"]) == minimum
    assert amount_or_none(figures["total"]) == cost
    assert amount_or_none(figures["own"]) == own
    if cost == 0:
        assert (status, figures["rate"]) == (FAIL, None)
        return
    assert status == (PASS if own * 100 >= minimum * cost else FAIL)
    shown = shown_rate(figures)
    assert (shown >= minimum) == (status == PASS)
    assert abs(shown - percent(own, cost)) <= CENT


@settings(max_examples=100, deadline=None, database=None)
@given(
    partners=consortia(),
    cost_model=COST_MODELS,
    call_ceiling=st.none() | AMOUNTS,
    rule_ceiling=st.none() | AMOUNTS,
    lump_sum=st.none() | POSITIVE_AMOUNTS,
)
def test_the_grant_ceiling_rule_compares_the_grant_asked_for_with_the_ceiling(
    partners, cost_model, call_ceiling, rule_ceiling, lump_sum
):
    raw = {} if rule_ceiling is None else {"amount": str(rule_ceiling)}
    facts = dossier_facts(
        partners,
        call=call_facts(cost_model=cost_model, max_grant=call_ceiling),
        lump_sum=lump_sum,
    )

    status, figures = judge(RuleKind.MAX_GRANT, raw, facts)

    ceiling = call_ceiling if rule_ceiling is None else rule_ceiling
    if ceiling is None:
        assert status == NOT_APPLICABLE
        return
    asked = lump_sum if cost_model == CostModel.LUMP_SUM else resource(partners, FundingSource.EU)
    assert amount_or_none(figures["ceiling"]) == ceiling
    assert amount_or_none(figures["requested"]) == asked
    if asked is None:
        assert status == FAIL
        return
    assert status == (PASS if asked <= ceiling else FAIL)


@settings(max_examples=100, deadline=None, database=None)
@given(data=st.data(), cost_model=COST_MODELS)
def test_the_lump_sum_rule_passes_exactly_when_the_amount_is_one_the_call_offers(data, cost_model):
    offered = data.draw(st.lists(POSITIVE_AMOUNTS, max_size=4, unique=True), label="offered")
    choices = [st.none(), POSITIVE_AMOUNTS]
    if offered:
        choices.append(st.sampled_from(offered))
    chosen = data.draw(st.one_of(*choices), label="chosen")
    facts = dossier_facts(
        call=call_facts(cost_model=cost_model, lump_sums=tuple(offered)), lump_sum=chosen
    )

    status, figures = judge(RuleKind.LUMP_SUM_AMOUNT, {}, facts)

    if cost_model != CostModel.LUMP_SUM:
        assert status == NOT_APPLICABLE
        return
    assert [Decimal(amount) for amount in figures["amounts"]] == sorted(offered)
    assert amount_or_none(figures["chosen"]) == chosen
    assert status == (PASS if chosen is not None and chosen in offered else FAIL)


# --- Consortium ---------------------------------------------------------------------------


def counted(partners, count_associated: bool):
    return [p for p in partners if count_associated or p.role != PartnerRole.ASSOCIATED]


@settings(max_examples=100, deadline=None, database=None)
@given(partners=consortia(), minimum=st.integers(1, 12), count_associated=st.booleans())
def test_the_minimum_partners_rule_counts_the_consortium_with_or_without_associates(
    partners, minimum, count_associated
):
    raw = {"minimum": minimum, "count_associated": count_associated}

    status, figures = judge(RuleKind.MIN_PARTNERS, raw, dossier_facts(partners))

    count = len(counted(partners, count_associated))
    assert figures == {"minimum": minimum, "count": count}
    assert status == (PASS if count >= minimum else FAIL)


@settings(max_examples=100, deadline=None, database=None)
@given(partners=consortia(), minimum=st.integers(1, 12), count_associated=st.booleans())
def test_the_minimum_countries_rule_counts_distinct_countries(partners, minimum, count_associated):
    raw = {"minimum": minimum, "count_associated": count_associated}

    status, figures = judge(RuleKind.MIN_COUNTRIES, raw, dossier_facts(partners))

    consortium = counted(partners, count_associated)
    countries = sorted({partner.country for partner in consortium})
    assert figures == {
        "minimum": minimum,
        "organisations": len(consortium),
        "countries": countries,
    }
    assert status == (PASS if len(countries) >= minimum else FAIL)


# --- Duration -----------------------------------------------------------------------------


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, or the last day of that month when it is shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_by_stepping(start: dt.date, end: dt.date) -> int:
    """Months of the project counted one by one from its start day, the month in which it
    ends counting as a whole one."""
    months = 0
    while add_months(start, months) <= end:
        months += 1
    return months


DATES = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2060, 12, 31))
SPANS = st.integers(min_value=0, max_value=366 * 25)


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (dt.date(2020, 7, 1), dt.date(2022, 12, 31), 30),  # PASS'EMPLOI
        (dt.date(2027, 1, 1), dt.date(2027, 1, 1), 1),
        (dt.date(2027, 3, 1), dt.date(2027, 3, 31), 1),
        (dt.date(2027, 3, 1), dt.date(2027, 4, 1), 2),
        (dt.date(2027, 1, 15), dt.date(2027, 2, 14), 1),
        (dt.date(2027, 1, 15), dt.date(2027, 2, 15), 2),
        (dt.date(2027, 12, 15), dt.date(2028, 1, 14), 1),
        (dt.date(2027, 1, 31), dt.date(2027, 2, 27), 1),
    ],
)
def test_months_between_counts_a_started_month_as_a_whole_one(start, end, months):
    assert months_between(start, end) == months
    assert months_by_stepping(start, end) == months


@settings(max_examples=300, deadline=None, database=None)
@given(start=DATES, days=SPANS)
def test_months_between_agrees_with_counting_month_by_month_from_the_start(start, days):
    end = start + dt.timedelta(days=days)

    assert months_between(start, end) == months_by_stepping(start, end)


BOUNDS = st.tuples(st.none() | st.integers(1, 240), st.none() | st.integers(1, 240)).filter(
    lambda bounds: bounds != (None, None)
)


@settings(max_examples=100, deadline=None, database=None)
@given(
    bounds=BOUNDS,
    start=st.none() | DATES,
    days=st.none() | st.integers(min_value=-400, max_value=366 * 25),
)
def test_the_duration_rule_passes_exactly_when_the_months_are_within_the_bounds(
    bounds, start, days
):
    low, high = sorted(bounds) if None not in bounds else bounds
    raw = {key: value for key, value in (("min", low), ("max", high)) if value is not None}
    end = start + dt.timedelta(days=days) if start is not None and days is not None else None
    if start is None and days is not None:
        end = dt.date(2028, 12, 31)  # only the end is entered

    status, figures = judge(RuleKind.DURATION_MONTHS, raw, dossier_facts(start=start, end=end))

    assert (figures["min"], figures["max"]) == (low, high)
    if start is None or end is None or end < start:
        assert (status, figures["duration"]) == (FAIL, None)
        return
    months = months_between(start, end)
    assert figures["duration"] == months
    inside = (low is None or low <= months) and (high is None or months <= high)
    assert status == (PASS if inside else FAIL)
