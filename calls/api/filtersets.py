"""Filters of the public lists: each FilterSet names its search fields and its orderings."""

from __future__ import annotations

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from calls.choices import AuthorityKind
from calls.models import Authority, Call, CallStatus, Fund, Programme
from partners.choices import COUNTRY_CHOICES
from portal.api.filters import PortalFilterSet, StableOrderingFilter, updated_since_filter


class FundFilterSet(PortalFilterSet):
    search_fields = ("code", "name", "short_name")
    ordering = StableOrderingFilter(fields=("code", "name", "short_name"))

    class Meta:
        model = Fund
        fields = []


class AuthorityFilterSet(PortalFilterSet):
    search_fields = ("code", "name", "short_name", "city")
    kind = django_filters.ChoiceFilter(choices=AuthorityKind.choices, label=_("Type d'autorité."))
    country = django_filters.ChoiceFilter(choices=COUNTRY_CHOICES, label=_("Pays (code ISO)."))
    fund = django_filters.CharFilter(
        method="filter_fund", label=_("Code d'un fonds dont l'autorité gère un programme.")
    )
    ordering = StableOrderingFilter(fields=("code", "name"))

    class Meta:
        model = Authority
        fields = []

    def filter_fund(self, queryset, name, value):
        return queryset.filter(
            pk__in=Programme.objects.filter(fund__code=value).values("managing_authority")
        )


class ProgrammeFilterSet(PortalFilterSet):
    search_fields = ("code", "name", "short_name")
    fund = django_filters.CharFilter(field_name="fund__code", label=_("Code du fonds."))
    authority = django_filters.CharFilter(
        field_name="managing_authority__code", label=_("Code de l'autorité de gestion.")
    )
    ordering = StableOrderingFilter(fields=("code", "name", "period_start_year"))

    class Meta:
        model = Programme
        fields = []


class CallFilterSet(PortalFilterSet):
    search_fields = ("reference", "title", "summary")
    fund = django_filters.CharFilter(field_name="programme__fund__code", label=_("Code du fonds."))
    programme = django_filters.CharFilter(
        field_name="programme__code", label=_("Code du programme.")
    )
    authority = django_filters.CharFilter(
        field_name="authority__code", label=_("Code de l'autorité destinataire.")
    )
    measure = django_filters.CharFilter(
        field_name="measures__code", distinct=True, label=_("Code d'une mesure de l'appel.")
    )
    status = django_filters.ChoiceFilter(
        choices=CallStatus.choices,
        method="filter_status",
        label=_("open : ouvert ; upcoming : à venir ; closed : clos (à l'heure du serveur)."),
    )
    updated_since = updated_since_filter()
    ordering = StableOrderingFilter(
        fields=("reference", "title", "opens_at", "closes_at", "updated_at")
    )

    class Meta:
        model = Call
        fields = []

    def filter_status(self, queryset, name, value):
        now = timezone.now()
        if value == CallStatus.OPEN:
            return queryset.open_at(now)
        if value == CallStatus.UPCOMING:
            return queryset.upcoming_at(now)
        return queryset.closed_at(now)
