"""``manage.py load_reference``: the reference data built from the source documents."""

from django.core.management.base import BaseCommand, CommandError

from calls.reference import REFERENCE_DIR, DataFileError, load_reference


class Command(BaseCommand):
    help = (
        "Charge le référentiel (fonds, autorités, programmes, axes, mesures, publics cibles, "
        "priorités, types de pièces) depuis fixtures/reference/. Idempotent : un second "
        "chargement ne change rien et ne crée aucun doublon."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--directory",
            default=str(REFERENCE_DIR),
            help="Dossier des fichiers JSON du référentiel (par défaut : %(default)s).",
        )

    def handle(self, *args, directory, **options):
        try:
            tally = load_reference(directory)
        except DataFileError as error:
            raise CommandError(str(error)) from error
        for line in tally.lines():
            self.stdout.write(f"  {line}")
        self.stdout.write(self.style.SUCCESS("Référentiel chargé."))
