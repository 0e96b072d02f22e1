"""A character field for identifiers, stored in their compact form."""

from django.db import models

from .validators import compact


class IdentifierField(models.CharField):
    """Stores an identifier without spaces, dots or dashes, in upper case, so that
    "732 829 320 00074" and "73282932000074" are the same SIRET (and unique together)."""

    def to_python(self, value):
        value = super().to_python(value)
        return compact(value) if value else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return compact(value) if value else value
