"""The base of every API FilterSet: a ``q`` search over the fields the FilterSet names,
an ``ordering`` restricted to a whitelist and always completed by the primary key (so that
pages never repeat nor skip a row), ``updated_since`` where the model has ``updated_at``."""

from __future__ import annotations

from functools import reduce
from operator import or_

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class StableOrderingFilter(django_filters.OrderingFilter):
    """``ordering=title`` or ``ordering=-closes_at``, among the declared fields only (any
    other value is a 400), then by primary key."""

    def filter(self, qs, value):
        # ``ordering=,,`` names no field: the list's own order.
        value = [param for param in value or () if param]
        if not value:
            return qs
        ordering = [self.get_ordering_value(param) for param in value]
        return qs.order_by(*ordering, "pk")


class PortalFilterSet(django_filters.FilterSet):
    """Subclasses set ``search_fields`` (lookups combined with OR, each ``icontains``)."""

    search_fields: tuple[str, ...] = ()

    q = django_filters.CharFilter(
        method="search", label=_("Recherche libre (sans distinction de casse).")
    )

    def search(self, queryset, name, value):
        value = value.strip()
        if not value or not self.search_fields:
            return queryset
        condition = reduce(
            or_, (Q(**{f"{field}__icontains": value}) for field in self.search_fields)
        )
        return queryset.filter(condition)


def updated_since_filter() -> django_filters.IsoDateTimeFilter:
    """Rows changed at or after an instant (ISO 8601, e.g. 2026-03-01T00:00:00+01:00)."""
    return django_filters.IsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        label=_("Modifiés depuis cet instant (ISO 8601), pour une synchronisation incrémentale."),
    )
