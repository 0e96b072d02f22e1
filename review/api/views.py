"""The decisions an account reads on the pages, read-only: the decision on each of its
organisations' dossiers once the dossier carries it (``applications.permissions``; the
dossier's page shows it in the decided states), and every decision on the dossiers
submitted to its authorities' calls (``review.permissions``). An assessor reads none. Any
other decision does not exist (404); an anonymous request is a 401."""

from __future__ import annotations

from django.db.models import OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import permissions

from applications.choices import DECISION_ANNOUNCED_STATUSES
from applications.models import Decision
from applications.permissions import applications_visible_to
from partners.choices import PartnerRole
from partners.models import Partner
from portal.api.viewsets import PublicReadOnlyViewSet
from review.permissions import applications_for_officer

from . import filtersets, serializers

DESCRIPTION = _(
    "Les décisions que le compte lit sur le portail : celle de chaque dossier de ses "
    "organisations une fois le dossier décidé (retenu, en réserve, rejeté, puis "
    "conventionné, en cours, clôturé), et toutes celles des dossiers déposés aux appels de "
    "ses autorités. Un évaluateur n'en lit aucune. Toute autre décision n'existe pas (404). "
    "Une décision se désigne par la référence de son dossier. Authentification requise "
    "(jeton ou session). / The decisions the account reads on the portal: its "
    "organisations' dossiers' once decided, and every decision on the dossiers submitted to "
    "its authorities' calls. An assessor reads none. Any other does not exist (404)."
)


def decisions_readable_by(user):
    """The decisions the pages show ``user``, through the permission functions."""
    return Decision.objects.filter(
        Q(
            application__in=applications_visible_to(user)
            .filter(status__in=DECISION_ANNOUNCED_STATUSES)
            .values("pk")
        )
        | Q(application__in=applications_for_officer(user).values("pk"))
    )


def _lead(field: str) -> Subquery:
    return Subquery(
        Partner.objects.filter(
            application=OuterRef("application_id"), role=PartnerRole.LEAD
        ).values(f"organisation__{field}")[:1]
    )


@extend_schema_view(
    list=extend_schema(summary=_("Liste : décisions"), description=DESCRIPTION),
    retrieve=extend_schema(summary=_("Détail : décision"), description=DESCRIPTION),
)
class DecisionViewSet(PublicReadOnlyViewSet):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = serializers.DecisionSerializer
    filterset_class = filtersets.DecisionFilterSet
    lookup_field = "application__reference"
    lookup_url_kwarg = "reference"
    # A decision has no date of change: the cursor follows the order of recording.
    cursor_ordering = ("updated_at", "pk")

    def get_queryset(self):
        # One query: the decisions with their dossier, its call, programme, fund and
        # authority, and the lead organisation's name and country.
        if not self.request.user.is_authenticated:
            return Decision.objects.none()
        return (
            decisions_readable_by(self.request.user)
            .select_related("application__call__programme__fund", "application__call__authority")
            .annotate(lead_name=_lead("legal_name"), lead_country=_lead("country"))
            .order_by("-decided_on", "-pk")
        )
