"""Filters of the list of the account's organisations."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from partners.choices import COUNTRY_CHOICES, LegalType, MembershipRole
from partners.models import Organisation
from portal.api.filters import PortalFilterSet, StableOrderingFilter, updated_since_filter


class OrganisationFilterSet(PortalFilterSet):
    search_fields = (
        "legal_name",
        "acronym",
        "city",
        "siret",
        "enterprise_number",
        "vat_number",
        "pic",
        "oid",
    )
    country = django_filters.ChoiceFilter(choices=COUNTRY_CHOICES, label=_("Pays (code ISO)."))
    legal_type = django_filters.ChoiceFilter(
        choices=LegalType.choices, label=_("Statut juridique.")
    )
    role = django_filters.ChoiceFilter(
        choices=MembershipRole.choices,
        field_name="viewer_role",
        label=_("Rôle du compte dans l'organisation."),
    )
    updated_since = updated_since_filter()
    ordering = StableOrderingFilter(
        fields=("legal_name", "acronym", "country", "created_at", "updated_at")
    )

    class Meta:
        model = Organisation
        fields = []
