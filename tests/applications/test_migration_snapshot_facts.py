"""Migration 0007 fills the frozen facts of the versions submitted before it existed, from
their own data and results, and points each dossier at its latest version. Its data step is
run here over rows stripped of those facts, as they were before it."""

import importlib
from decimal import Decimal

from django.apps import apps

from applications.models import Application, Snapshot

migration = importlib.import_module("applications.migrations.0007_snapshot_frozen_facts")

DATA = {
    "partners": [
        {
            "budget": [{"amount": "100.50"}, {"amount": "200.00"}],
            "cofinancing": [
                {"source": "eu", "amount": "150.25"},
                {"source": "own_funds", "amount": "50.00"},
            ],
        }
    ]
}


def test_existing_versions_get_their_verdict_and_totals_and_dossiers_their_latest(dossier, alice):
    for number, results in (
        (1, [{"status": "fail", "blocking": True}]),
        (2, [{"status": "warning", "blocking": False}]),
    ):
        Snapshot.objects.create(
            application=dossier, number=number, data=DATA, sha256=f"{number}" * 64,
            eligibility_results=results, verdict="pass", total_budget=0, eu_requested=0,
            created_by=alice,
        )  # fmt: skip
    Application.objects.filter(pk=dossier.pk).update(current_snapshot=None)

    migration.fill(apps, None)

    first, second = Snapshot.objects.filter(application=dossier).order_by("number")
    assert (first.verdict, second.verdict) == ("fail", "warning")
    assert (second.total_budget, second.eu_requested) == (Decimal("300.50"), Decimal("150.25"))
    assert Application.objects.get(pk=dossier.pk).current_snapshot_id == second.pk


def test_on_a_lump_sum_call_the_totals_are_the_lump_sum(dossier, alice):
    dossier.call.cost_model = "lump_sum"
    dossier.call.save(update_fields=["cost_model"])
    snapshot = Snapshot.objects.create(
        application=dossier, number=1, data={**DATA, "lump_sum": "120000.00"}, sha256="0" * 64,
        eligibility_results=[], verdict="fail", total_budget=0, eu_requested=0, created_by=alice,
    )  # fmt: skip

    migration.fill(apps, None)

    snapshot.refresh_from_db()
    assert (snapshot.verdict, snapshot.total_budget, snapshot.eu_requested) == (
        "pass",
        Decimal("120000.00"),
        Decimal("120000.00"),
    )
