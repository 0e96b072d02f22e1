"""Filters of the public list of operations, and of the projects, progress reports and
generated documents an account reads (each within what it may see).

Operations: ``fund``, ``programme`` and ``country`` are
those of the CSV file, applied by ``reporting.exports.public_operations`` (the view reads
them); they are declared here for their validation of form and their documentation."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from applications.models import Application
from partners.choices import COUNTRY_CHOICES, PartnerRole
from partners.models import Partner
from portal.api.filters import PortalFilterSet, StableOrderingFilter, updated_since_filter
from reporting.choices import DocumentKind, DocumentStatus, ReportStatus
from reporting.models import GeneratedDocument, ProgressReport
from reporting.permissions import PROJECT_STATUSES


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


# --- the authenticated resources: projects, reports, documents ------------------------------


def _lead_country(queryset, name, value, *, application: str = "pk"):
    return queryset.filter(
        Exists(
            Partner.objects.filter(
                application=OuterRef(application),
                role=PartnerRole.LEAD,
                organisation__country=value,
            )
        )
    )


def _any_partner_named(queryset, value, *, application: str = "pk"):
    value = value.strip()
    if not value:
        return queryset
    return queryset.filter(
        Exists(
            Partner.objects.filter(
                application=OuterRef(application), organisation__legal_name__icontains=value
            )
        )
    )


class ProjectFilterSet(PortalFilterSet):
    search_fields = ("reference", "acronym", "title", "contract_reference")
    fund = django_filters.CharFilter(
        field_name="call__programme__fund__code", label=_("Code du fonds.")
    )
    programme = django_filters.CharFilter(
        field_name="call__programme__code", label=_("Code du programme.")
    )
    call = django_filters.CharFilter(field_name="call__reference", label=_("Référence de l'appel."))
    authority = django_filters.CharFilter(
        field_name="call__authority__code", label=_("Code de l'autorité qui gère l'appel.")
    )
    measure = django_filters.CharFilter(field_name="measure__code", label=_("Code de la mesure."))
    status = django_filters.ChoiceFilter(
        choices=[(s.value, s.label) for s in PROJECT_STATUSES], label=_("État du projet.")
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
    starts_after = django_filters.DateFilter(
        field_name="start_date",
        lookup_expr="gte",
        label=_("Projets commençant ce jour ou après (AAAA-MM-JJ)."),
    )
    ends_before = django_filters.DateFilter(
        field_name="end_date",
        lookup_expr="lte",
        label=_("Projets finissant ce jour ou avant (AAAA-MM-JJ)."),
    )
    updated_since = updated_since_filter()
    ordering = StableOrderingFilter(
        fields=("reference", "acronym", "title", "start_date", "end_date", "updated_at")
    )

    class Meta:
        model = Application
        fields = []

    def filter_country(self, queryset, name, value):
        return _lead_country(queryset, name, value)

    def filter_organisation(self, queryset, name, value):
        return _any_partner_named(queryset, value)


class ReportFilterSet(PortalFilterSet):
    search_fields = ("application__reference", "application__acronym", "application__title")
    project = django_filters.CharFilter(
        field_name="application__reference", label=_("Référence du projet.")
    )
    fund = django_filters.CharFilter(
        field_name="application__call__programme__fund__code", label=_("Code du fonds.")
    )
    programme = django_filters.CharFilter(
        field_name="application__call__programme__code", label=_("Code du programme.")
    )
    call = django_filters.CharFilter(
        field_name="application__call__reference", label=_("Référence de l'appel.")
    )
    authority = django_filters.CharFilter(
        field_name="application__call__authority__code",
        label=_("Code de l'autorité qui gère l'appel."),
    )
    status = django_filters.ChoiceFilter(choices=ReportStatus.choices, label=_("État du rapport."))
    country = django_filters.ChoiceFilter(
        choices=COUNTRY_CHOICES,
        method="filter_country",
        label=_("Pays du chef de file du projet (code ISO)."),
    )
    organisation = django_filters.CharFilter(
        method="filter_organisation",
        label=_("Raison sociale d'un partenaire du projet (contient)."),
    )
    is_final = django_filters.BooleanFilter(label=_("Rapport final (true) ou intermédiaire."))
    due_after = django_filters.DateFilter(
        field_name="due_date", lookup_expr="gte", label=_("Échéance ce jour ou après.")
    )
    due_before = django_filters.DateFilter(
        field_name="due_date", lookup_expr="lte", label=_("Échéance ce jour ou avant.")
    )
    updated_since = updated_since_filter()
    ordering = StableOrderingFilter(
        fields=("number", "due_date", "period_start", "submitted_at", "updated_at")
    )

    class Meta:
        model = ProgressReport
        fields = []

    def filter_country(self, queryset, name, value):
        return _lead_country(queryset, name, value, application="application_id")

    def filter_organisation(self, queryset, name, value):
        return _any_partner_named(queryset, value, application="application_id")


class DocumentFilterSet(PortalFilterSet):
    search_fields = ("application__reference", "call__reference", "programme__code")
    kind = django_filters.ChoiceFilter(choices=DocumentKind.choices, label=_("Nature."))
    status = django_filters.ChoiceFilter(choices=DocumentStatus.choices, label=_("État."))
    application = django_filters.CharFilter(
        field_name="application__reference", label=_("Référence du dossier ou du projet.")
    )
    report = django_filters.NumberFilter(field_name="report_id", label=_("Identifiant du rapport."))
    call = django_filters.CharFilter(
        method="filter_call", label=_("Référence de l'appel (du dossier ou de la synthèse).")
    )
    programme = django_filters.CharFilter(
        method="filter_programme",
        label=_("Code du programme (du dossier, de l'appel ou de la synthèse)."),
    )
    mine = django_filters.BooleanFilter(
        method="filter_mine",
        label=_("Seulement ceux que le compte a demandés (true), ou ceux d'autres (false)."),
    )
    requested_after = django_filters.DateFilter(
        field_name="requested_at", lookup_expr="date__gte", label=_("Demandés ce jour ou après.")
    )
    requested_before = django_filters.DateFilter(
        field_name="requested_at", lookup_expr="date__lte", label=_("Demandés ce jour ou avant.")
    )
    ordering = StableOrderingFilter(fields=("requested_at", "finished_at", "kind", "status"))

    class Meta:
        model = GeneratedDocument
        fields = []

    def filter_call(self, queryset, name, value):
        return queryset.filter(Q(call__reference=value) | Q(application__call__reference=value))

    def filter_programme(self, queryset, name, value):
        return queryset.filter(
            Q(programme__code=value)
            | Q(call__programme__code=value)
            | Q(application__call__programme__code=value)
        )

    def filter_mine(self, queryset, name, value):
        user = self.request.user
        return queryset.filter(requested_by=user) if value else queryset.exclude(requested_by=user)
