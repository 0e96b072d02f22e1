"""Public, anonymous, read-only endpoints of funds, programmes, authorities and published
calls. Each queryset spells out its joins: the number of queries does not grow with the
number of rows (pinned in tests/api)."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view

from calls.models import (
    Authority,
    Axis,
    Call,
    EligibilityRule,
    Fund,
    Measure,
    Priority,
    Programme,
)
from portal.api.viewsets import PublicReadOnlyViewSet

from . import filtersets, serializers


def _documented(name: str, description: str):
    return extend_schema_view(
        list=extend_schema(summary=_("Liste : %(name)s") % {"name": name}, description=description),
        retrieve=extend_schema(
            summary=_("Détail : %(name)s") % {"name": name}, description=description
        ),
    )


@_documented(_("fonds"), _("Les fonds européens. / The European funds."))
class FundViewSet(PublicReadOnlyViewSet):
    queryset = Fund.objects.order_by("short_name", "pk")
    serializer_class = serializers.FundSerializer
    filterset_class = filtersets.FundFilterSet
    lookup_field = "code"


@_documented(
    _("autorités"),
    _(
        "Les autorités qui gèrent les programmes et reçoivent les dossiers. / The authorities "
        "that run programmes and receive applications."
    ),
)
class AuthorityViewSet(PublicReadOnlyViewSet):
    queryset = Authority.objects.order_by("name", "pk")
    serializer_class = serializers.AuthoritySerializer
    filterset_class = filtersets.AuthorityFilterSet
    lookup_field = "code"


@_documented(
    _("programmes"),
    _(
        "Les programmes, avec leurs axes, mesures, priorités et publics cibles. / The "
        "programmes, with their axes, measures, priorities and target groups."
    ),
)
class ProgrammeViewSet(PublicReadOnlyViewSet):
    # Queries: programmes with fund and managing authority; axes; their measures; the
    # measures' target groups; priorities; the programme's target groups.
    queryset = (
        Programme.objects.select_related("fund", "managing_authority")
        .prefetch_related(
            Prefetch(
                "axes",
                queryset=Axis.objects.order_by("position", "code").prefetch_related(
                    Prefetch(
                        "measures",
                        queryset=Measure.objects.order_by("position", "code").prefetch_related(
                            "target_groups"
                        ),
                    )
                ),
            ),
            Prefetch(
                "priorities", queryset=Priority.objects.order_by("kind", "sector", "position")
            ),
            "target_groups",
        )
        .order_by("fund__short_name", "-period_start_year", "name", "pk")
    )
    serializer_class = serializers.ProgrammeSerializer
    filterset_class = filtersets.ProgrammeFilterSet
    lookup_field = "code"


@_documented(
    _("appels à projets"),
    _(
        "Les appels à projets publiés (ouverts, à venir et clos), avec leurs règles "
        "d'éligibilité en langage clair, leurs critères d'attribution et leurs montants "
        "forfaitaires. Un appel non publié n'y figure jamais. / Published calls for projects "
        "(open, upcoming, closed) with their eligibility rules in plain language, award "
        "criteria and lump sums."
    ),
)
class CallViewSet(PublicReadOnlyViewSet):
    # Queries: calls with programme, fund, authority; measures with their axis; priorities;
    # target groups; required document types; active rules; criteria; lump sums.
    queryset = (
        Call.objects.published()
        .select_related("programme__fund", "authority")
        .prefetch_related(
            Prefetch("measures", queryset=Measure.objects.select_related("axis")),
            "priorities",
            "target_groups",
            "required_document_types",
            Prefetch("rules", queryset=EligibilityRule.objects.filter(is_active=True)),
            "criteria",
            "lump_sums",
        )
        .order_by("-opens_at", "reference")
    )
    serializer_class = serializers.CallSerializer
    filterset_class = filtersets.CallFilterSet
    lookup_field = "reference"
    cursor_ordering = ("updated_at", "pk")
