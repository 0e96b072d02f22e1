"""The facts frozen with a submitted version (verdict, total budget, EU amount requested)
are read from its own data and results, as the officers' queue shows them."""

from decimal import Decimal

import pytest

from applications.snapshot import frozen_totals, frozen_verdict

BLOCKING_FAIL = {"status": "fail", "blocking": True}
SOFT_FAIL = {"status": "fail", "blocking": False}
WARNING = {"status": "warning", "blocking": False}
PASS = {"status": "pass", "blocking": True}


@pytest.mark.parametrize(
    "results,expected",
    [
        ([], "pass"),
        ([PASS], "pass"),
        ([PASS, WARNING], "warning"),
        ([PASS, SOFT_FAIL], "warning"),
        ([WARNING, BLOCKING_FAIL], "fail"),
    ],
)
def test_the_frozen_verdict_is_the_worst_result(results, expected):
    assert frozen_verdict(results) == expected


DATA = {
    "lump_sum": None,
    "partners": [
        {
            "budget": [{"amount": "1000.10"}, {"amount": "2500.00"}],
            "cofinancing": [
                {"source": "eu", "amount": "2000.05"},
                {"source": "own_funds", "amount": "1500.05"},
            ],
        },
        {"budget": [{"amount": "0.01"}], "cofinancing": [{"source": "eu", "amount": "0.01"}]},
    ],
}


def test_on_real_costs_the_totals_are_summed_to_the_cent_from_the_frozen_lines():
    budget, eu = frozen_totals(DATA, lump_sum_call=False)
    assert (budget, eu) == (Decimal("3500.11"), Decimal("2000.06"))
    assert isinstance(budget, Decimal) and isinstance(eu, Decimal)


def test_on_a_lump_sum_call_both_totals_are_the_lump_sum_chosen():
    data = {**DATA, "lump_sum": "250000.00"}
    assert frozen_totals(data, lump_sum_call=True) == (Decimal("250000.00"),) * 2
    assert frozen_totals(DATA, lump_sum_call=True) == (Decimal("0.00"),) * 2


def test_an_empty_dossier_has_zero_totals():
    assert frozen_totals({}, lump_sum_call=False) == (Decimal("0.00"), Decimal("0.00"))
