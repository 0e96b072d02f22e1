"""A character field for identifiers, stored in their compact form."""

from django.db import models

from .validators import compact, compact_be_enterprise_number


class IdentifierField(models.CharField):
    """Stores an identifier without spaces, dots or dashes, in upper case, so that
    "732 829 320 00074" and "73282932000074" are the same SIRET (and unique together)."""

    def to_python(self, value):
        value = super().to_python(value)
        return compact(value) if value else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return compact(value) if value else value

    def formfield(self, **kwargs):
        # People type identifiers with spaces and dots ("732 829 320 00074"): the form lets
        # them through, the model's validators check the compact form's exact length.
        return super().formfield(**{"max_length": self.max_length + 20, **kwargs})


class BelgianEnterpriseNumberField(IdentifierField):
    """Stores a Belgian enterprise number in its 10-digit form, so "BE 0403.170.701" and
    "403170701" are the same enterprise as "0403170701"."""

    def to_python(self, value):
        value = super().to_python(value)
        return compact_be_enterprise_number(value) if value else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return compact_be_enterprise_number(value) if value else value
