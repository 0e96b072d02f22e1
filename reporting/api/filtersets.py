"""Filters of the public list of operations. ``fund``, ``programme`` and ``country`` are
those of the CSV file, applied by ``reporting.exports.public_operations`` (the view reads
them); they are declared here for their validation of form and their documentation."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from applications.models import Application
from portal.api.filters import PortalFilterSet, StableOrderingFilter, updated_since_filter


def _applied_by_the_selection(queryset, name, value):
    return queryset


class OperationFilterSet(PortalFilterSet):
    search_fields = ("reference", "acronym", "title", "lead_name")
    fund = django_filters.CharFilter(method=_applied_by_the_selection, label=_("Code du fonds."))
    programme = django_filters.CharFilter(
        method=_applied_by_the_selection, label=_("Code du programme.")
    )
    country = django_filters.CharFilter(
        method=_applied_by_the_selection,
        label=_("Pays du chef de file, code ISO à deux lettres (FR, BE…)."),
    )
    updated_since = updated_since_filter()
    ordering = StableOrderingFilter(
        fields=("reference", "acronym", "title", "start_date", "end_date")
    )

    class Meta:
        model = Application
        fields = []
