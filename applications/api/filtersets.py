"""Filters of the list of dossiers: each applies within what the account may see."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from applications.choices import ApplicationStatus
from applications.models import Application
from partners.choices import COUNTRY_CHOICES, PartnerRole
from partners.models import Partner
from portal.api.filters import PortalFilterSet, StableOrderingFilter, updated_since_filter


class ApplicationFilterSet(PortalFilterSet):
    search_fields = ("reference", "acronym", "title")
    call = django_filters.CharFilter(field_name="call__reference", label=_("Référence de l'appel."))
    programme = django_filters.CharFilter(
        field_name="call__programme__code", label=_("Code du programme.")
    )
    measure = django_filters.CharFilter(field_name="measure__code", label=_("Code de la mesure."))
    status = django_filters.ChoiceFilter(
        choices=ApplicationStatus.choices, label=_("État du dossier.")
    )
    country = django_filters.ChoiceFilter(
        choices=COUNTRY_CHOICES,
        method="filter_country",
        label=_("Pays du chef de file (code ISO)."),
    )
    organisation = django_filters.CharFilter(
        method="filter_organisation",
        label=_("Raison sociale d'un partenaire, chef de file compris (contient)."),
    )
    submitted_after = django_filters.DateFilter(
        field_name="submitted_at",
        lookup_expr="date__gte",
        label=_("Déposés ce jour ou après (AAAA-MM-JJ)."),
    )
    submitted_before = django_filters.DateFilter(
        field_name="submitted_at",
        lookup_expr="date__lte",
        label=_("Déposés ce jour ou avant (AAAA-MM-JJ)."),
    )
    updated_since = updated_since_filter()
    ordering = StableOrderingFilter(
        fields=("reference", "acronym", "title", "created_at", "submitted_at", "updated_at")
    )

    class Meta:
        model = Application
        fields = []

    def filter_country(self, queryset, name, value):
        return queryset.filter(
            Exists(
                Partner.objects.filter(
                    application=OuterRef("pk"),
                    role=PartnerRole.LEAD,
                    organisation__country=value,
                )
            )
        )

    def filter_organisation(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Exists(
                Partner.objects.filter(
                    application=OuterRef("pk"), organisation__legal_name__icontains=value
                )
            )
        )
