"""Screen every submitted dossier of a call with the eligibility engine and print the
verdicts (officers get the same as a page)."""

from __future__ import annotations

import csv
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from applications.choices import ApplicationStatus
from applications.models import Application
from calls.eligibility import Status, check_applications
from calls.models import Call
from partners.choices import PartnerRole
from partners.models import Partner

MARKS = {Status.PASS: "✓", Status.FAIL: "✗", Status.WARNING: "!", Status.NOT_APPLICABLE: "–"}


class Command(BaseCommand):
    help = "Screen every submitted dossier of a call and print each rule's verdict."

    def add_arguments(self, parser):
        parser.add_argument("reference", help="the call's reference, e.g. FSE-VM-312-2026")
        parser.add_argument("--format", choices=["table", "json", "csv"], default="table")
        parser.add_argument(
            "--include-drafts", action="store_true", help="also screen dossiers not yet submitted"
        )

    def handle(self, *args, reference, format, include_drafts, **options):
        call = Call.objects.filter(reference=reference).first()
        if call is None:
            raise CommandError(_("Appel inconnu : %(reference)s.") % {"reference": reference})
        dossiers = Application.objects.filter(call=call).exclude(status=ApplicationStatus.WITHDRAWN)
        if not include_drafts:
            dossiers = dossiers.filter(submitted_at__isnull=False)
        dossiers = dossiers.order_by("reference")
        outcomes = check_applications(dossiers)
        leads = dict(
            Partner.objects.filter(
                application__in=dossiers.values("pk"), role=PartnerRole.LEAD
            ).values_list("application_id", "organisation__legal_name")
        )
        rows = [(outcome, leads.get(outcome.application_id, "")) for outcome in outcomes]
        {"table": self._table, "json": self._json, "csv": self._csv}[format](call, rows)

    def _table(self, call, rows):
        write = self.stdout.write
        write(f"{call.reference} — {call.title}")
        if not rows:
            write(_("Aucun dossier déposé."))
            return
        for outcome, lead in rows:
            label = Status(outcome.verdict).label
            write("")
            write(
                f"{outcome.reference}  {lead}  {str(label).upper()}  "
                + _(
                    "(règles bloquantes non respectées : %(blocking)d, "
                    "avertissements : %(warnings)d)"
                )
                % {"blocking": len(outcome.blocking_failures), "warnings": len(outcome.warnings)}
            )
            for result in outcome.results:
                write(f"  {MARKS[result.status]} {result.kind}: {result.message}")
        eligible = sum(1 for outcome, _lead in rows if outcome.is_eligible)
        write("")
        write(
            _("Dossiers : %(count)d ; conformes : %(eligible)d ; non conformes : %(ineligible)d.")
            % {"count": len(rows), "eligible": eligible, "ineligible": len(rows) - eligible}
        )

    def _json(self, call, rows):
        payload = {
            "call": call.reference,
            "checked_at": rows[0][0].checked_at.isoformat() if rows else None,
            "dossiers": [
                {
                    "reference": outcome.reference,
                    "lead": lead,
                    "verdict": outcome.verdict,
                    "eligible": outcome.is_eligible,
                    "results": [
                        {
                            "rule": result.rule_id,
                            "kind": result.kind,
                            "status": result.status,
                            "blocking": result.blocking,
                            "message": result.message,
                            "figures": result.figures,
                        }
                        for result in outcome.results
                    ],
                }
                for outcome, lead in rows
            ],
        }
        self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))

    def _csv(self, call, rows):
        writer = csv.writer(self.stdout, lineterminator="\n")
        writer.writerow(
            ["reference", "lead", "verdict", "rule", "kind", "status", "blocking", "message"]
        )
        for outcome, lead in rows:
            for result in outcome.results:
                writer.writerow(
                    [
                        outcome.reference,
                        lead,
                        outcome.verdict,
                        result.rule_id,
                        result.kind,
                        result.status,
                        "yes" if result.blocking else "no",
                        result.message,
                    ]
                )
