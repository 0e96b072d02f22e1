"""Each frozen version carries its verdict, total budget and EU amount requested (read from
its own data and eligibility results), and each dossier points at its latest version, the
one under review: the officers' queue filters and sorts on these columns instead of reading
every dossier's budget lines and JSON."""

from decimal import Decimal

import django.db.models.deletion
from django.db import migrations, models

ZERO = Decimal("0.00")


def verdict_of(results):
    # As applications.snapshot.frozen_verdict (a migration keeps its own copy of the rule).
    if any(item.get("status") == "fail" and item.get("blocking") for item in results):
        return "fail"
    if any(item.get("status") in ("warning", "fail") for item in results):
        return "warning"
    return "pass"


def totals_of(data, lump_sum_call):
    # As applications.snapshot.frozen_totals.
    if lump_sum_call:
        amount = Decimal(data["lump_sum"]) if data.get("lump_sum") else ZERO
        return amount, amount
    partners = data.get("partners", [])
    budget = sum(
        (Decimal(line["amount"]) for p in partners for line in p.get("budget", [])), ZERO
    )
    eu = sum(
        (
            Decimal(item["amount"])
            for p in partners
            for item in p.get("cofinancing", [])
            if item.get("source") == "eu"
        ),
        ZERO,
    )
    return budget, eu


def fill(apps, schema_editor):
    Snapshot = apps.get_model("applications", "Snapshot")
    Application = apps.get_model("applications", "Application")
    latest = {}
    for snapshot in (
        Snapshot.objects.select_related("application__call").order_by("pk").iterator(2000)
    ):
        lump_sum_call = snapshot.application.call.cost_model == "lump_sum"
        snapshot.verdict = verdict_of(snapshot.eligibility_results or [])
        snapshot.total_budget, snapshot.eu_requested = totals_of(
            snapshot.data or {}, lump_sum_call
        )
        snapshot.save(update_fields=["verdict", "total_budget", "eu_requested"])
        current = latest.get(snapshot.application_id)
        if current is None or current[0] < snapshot.number:
            latest[snapshot.application_id] = (snapshot.number, snapshot.pk)
    for application_id, (_number, snapshot_id) in latest.items():
        Application.objects.filter(pk=application_id).update(current_snapshot_id=snapshot_id)


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0006_clarificationrequest"),
        ("calls", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="snapshot",
            name="verdict",
            field=models.CharField(
                choices=[
                    ("pass", "Conforme"),
                    ("warning", "Avec avertissements"),
                    ("fail", "Règle bloquante non satisfaite"),
                ],
                default="pass",
                max_length=10,
                verbose_name="éligibilité au dépôt",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="snapshot",
            name="total_budget",
            field=models.DecimalField(
                decimal_places=2,
                default=ZERO,
                max_digits=14,
                verbose_name="budget total déposé (EUR)",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="snapshot",
            name="eu_requested",
            field=models.DecimalField(
                decimal_places=2,
                default=ZERO,
                max_digits=14,
                verbose_name="montant UE demandé (EUR)",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="application",
            name="current_snapshot",
            field=models.OneToOneField(
                blank=True,
                editable=False,
                help_text="La dernière version déposée : celle que les services instruisent.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="applications.snapshot",
                verbose_name="version à l'instruction",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="snapshot",
            constraint=models.CheckConstraint(
                condition=models.Q(("total_budget__gte", 0), ("eu_requested__gte", 0)),
                name="applications_snapshot_totals_not_negative",
            ),
        ),
        migrations.AddIndex(
            model_name="snapshot",
            index=models.Index(
                fields=["id", "verdict", "total_budget"], name="applications_snapshot_queue"
            ),
        ),
        migrations.RemoveIndex(model_name="application", name="applications_call_status_idx"),
        migrations.AddIndex(
            model_name="application",
            index=models.Index(
                fields=["call", "status", "id", "current_snapshot", "submitted_at"],
                name="applications_queue_idx",
            ),
        ),
    ]
