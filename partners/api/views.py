"""The organisations an account is an active member of, read-only, as their pages show them
(``partners.permissions.organisations_of``). Any other organisation does not exist (404),
not even one the account asked to join; an anonymous request is a 401."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import permissions

from partners.models import Membership
from partners.permissions import organisations_of
from portal.api.viewsets import PublicReadOnlyViewSet

from . import filtersets, serializers

DESCRIPTION = _(
    "Les organisations dont le compte est membre actif, avec son rôle dans chacune : "
    "identité, adresse, coordonnées, identifiants et nombre de membres actifs, comme sur leur "
    "page. Toute autre organisation n'existe pas (404), même celle qu'il a demandé à "
    "rejoindre. Authentification requise (jeton ou session). / The organisations the account "
    "is an active member of, with its role in each, as their pages show them. Any other "
    "does not exist (404), even one it asked to join."
)


def _active_members():
    """The number of active members of the outer organisation, as a subquery: counting
    over the join that ``organisations_of`` filters on would count the viewer only."""
    count = (
        Membership.objects.filter(organisation=OuterRef("pk"), is_active=True)
        .order_by()
        .values("organisation")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(count, output_field=IntegerField()), 0)


@extend_schema_view(
    list=extend_schema(summary=_("Liste : organisations"), description=DESCRIPTION),
    retrieve=extend_schema(summary=_("Détail : organisation"), description=DESCRIPTION),
)
class OrganisationViewSet(PublicReadOnlyViewSet):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = serializers.OrganisationSerializer
    filterset_class = filtersets.OrganisationFilterSet
    cursor_ordering = ("updated_at", "pk")

    def get_queryset(self):
        # One query: the organisations with the viewer's role and the count of members.
        return (
            organisations_of(self.request.user)
            .annotate(members_count=_active_members())
            .order_by("legal_name", "pk")
        )
