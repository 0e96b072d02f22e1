"""Decisions get their change instant: existing ones take the instant they were recorded."""

from django.db import migrations, models
from django.db.models import F


def recorded_is_changed(apps, schema_editor):
    apps.get_model("applications", "Decision").objects.update(updated_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0007_snapshot_frozen_facts"),
    ]

    operations = [
        migrations.AddField(
            model_name="decision",
            name="updated_at",
            field=models.DateTimeField(null=True, verbose_name="modifiée le"),
        ),
        migrations.RunPython(recorded_is_changed, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="decision",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="modifiée le"),
        ),
    ]
