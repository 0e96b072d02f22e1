"""``manage.py load_demo``: the demo data set, for a developer's machine only."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from calls.models import Programme
from calls.reference import DataFileError
from portal.demo import DEMO_DIR, load_demo, needed_programme_codes


class Command(BaseCommand):
    help = (
        "Charge les données de démonstration (organisations, comptes, appels datés par rapport "
        "à maintenant, le projet PASS'EMPLOI et son rapport, un brouillon FSE). Refusé sans "
        "DJANGO_DEBUG. Charge d'abord le référentiel s'il manque. Idempotent : un second "
        "chargement garde l'existant et rafraîchit les dates des appels."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--directory",
            default=str(DEMO_DIR),
            help="Dossier des fichiers JSON de démonstration (par défaut : %(default)s).",
        )

    def handle(self, *args, directory, **options):
        if not settings.DEBUG:
            raise CommandError(
                "Les données de démonstration ne se chargent qu'avec DJANGO_DEBUG activé : "
                "elles créent des comptes dont le mot de passe est public."
            )
        try:
            needed = needed_programme_codes(directory)
            present = set(Programme.objects.filter(code__in=needed).values_list("code", flat=True))
            if present != needed:
                self.stdout.write("Référentiel absent ou incomplet : chargement de load_reference.")
                call_command("load_reference", stdout=self.stdout, stderr=self.stderr)
            result = load_demo(directory)
        except DataFileError as error:
            raise CommandError(str(error)) from error

        for line in result.tally.lines():
            self.stdout.write(f"  {line}")
        self.stdout.write(self.style.SUCCESS("Données de démonstration chargées."))
        self.stdout.write("")
        self.stdout.write(self._logins_table(result.logins, result.password))
        self.stdout.write(
            "Un compte qui existait déjà garde son mot de passe ; les autres ont celui ci-dessus."
        )

    @staticmethod
    def _logins_table(logins, password) -> str:
        rows = [("Rôle", "E-mail", "Mot de passe")] + [
            (label, email, password) for label, email in logins
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        rule = "+-" + "-+-".join("-" * w for w in widths) + "-+"
        lines = [rule]
        for index, row in enumerate(rows):
            lines.append(
                "| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) + " |"
            )
            if index == 0:
                lines.append(rule)
        lines.append(rule)
        return "\n".join(lines)
