"""Filters of the list of decisions: each applies within what the account may see."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from applications.choices import DecisionOutcome
from applications.models import Decision
from portal.api.filters import PortalFilterSet, StableOrderingFilter, updated_since_filter


class DecisionFilterSet(PortalFilterSet):
    search_fields = (
        "application__reference",
        "application__acronym",
        "application__title",
        "committee",
    )
    call = django_filters.CharFilter(
        field_name="application__call__reference", label=_("Référence de l'appel.")
    )
    programme = django_filters.CharFilter(
        field_name="application__call__programme__code", label=_("Code du programme.")
    )
    fund = django_filters.CharFilter(
        field_name="application__call__programme__fund__code", label=_("Code du fonds.")
    )
    authority = django_filters.CharFilter(
        field_name="application__call__authority__code",
        label=_("Code de l'autorité qui gère l'appel."),
    )
    outcome = django_filters.ChoiceFilter(
        choices=DecisionOutcome.choices, label=_("Décision : retenu, liste de réserve, rejeté.")
    )
    decided_after = django_filters.DateFilter(
        field_name="decided_on",
        lookup_expr="gte",
        label=_("Décisions prises ce jour ou après (AAAA-MM-JJ)."),
    )
    decided_before = django_filters.DateFilter(
        field_name="decided_on",
        lookup_expr="lte",
        label=_("Décisions prises ce jour ou avant (AAAA-MM-JJ)."),
    )
    updated_since = updated_since_filter()
    ordering = StableOrderingFilter(
        fields=(
            ("application__reference", "reference"),
            "decided_on",
            "amount_granted",
            "created_at",
            "updated_at",
        )
    )

    class Meta:
        model = Decision
        fields = []
