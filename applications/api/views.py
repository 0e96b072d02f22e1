"""The dossiers an account reads on the pages, read-only: its organisations' dossiers
(drafts included, ``applications.permissions``), its authorities' submitted dossiers and
those assigned to it for assessment (``review.permissions``). Any other dossier does not
exist (404); an anonymous request is a 401."""

from __future__ import annotations

from django.db.models import Prefetch, Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import permissions

from applications.models import Activity, Application, Deliverable, StatusChange, WorkPackage
from applications.permissions import applications_visible_to
from partners.models import Partner
from portal.api.viewsets import PublicReadOnlyViewSet
from review.permissions import applications_for_officer, assessments_opening_dossiers

from . import filtersets, serializers
from .writes import ApplicationWritesMixin

DESCRIPTION = _(
    "Les dossiers que le compte lit sur le portail : ceux de ses organisations (brouillons "
    "compris), ceux déposés aux appels de ses autorités (jamais un brouillon) et ceux qui lui "
    "sont confiés pour évaluation, une fois l'absence de conflit d'intérêts déclarée. Tout "
    "autre dossier n'existe pas (404). Authentification requise (jeton ou session). / The "
    "dossiers the account reads on the portal: its organisations' (drafts included), those "
    "submitted to its authorities' calls (never a draft) and those assigned to it for "
    "assessment once it has declared no conflict of interest. Any other does not exist."
)


def applications_readable_by(user):
    """The union of what the pages show ``user``, through the permission functions."""
    assessed = assessments_opening_dossiers(user)
    return Application.objects.filter(
        Q(pk__in=applications_visible_to(user).values("pk"))
        | Q(pk__in=applications_for_officer(user).values("pk"))
        | Q(pk__in=assessed.values("application_id"))
    )


@extend_schema_view(
    list=extend_schema(summary=_("Liste : dossiers"), description=DESCRIPTION),
    retrieve=extend_schema(summary=_("Détail : dossier"), description=DESCRIPTION),
)
class ApplicationViewSet(ApplicationWritesMixin, PublicReadOnlyViewSet):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = serializers.ApplicationSerializer
    filterset_class = filtersets.ApplicationFilterSet
    lookup_field = "reference"
    cursor_ordering = ("updated_at", "pk")

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.ApplicationDetailSerializer
        return serializers.ApplicationSerializer

    def get_queryset(self):
        # Queries: the dossiers with call, measure and the facts of the version under
        # review (not its frozen JSON); their partners with organisations. On the detail,
        # with the version's frozen eligibility results: the history of states; the work
        # packages with their lead partner; their activities; their deliverables (the
        # budget's totals are the serializer's, one query).
        retrieve = self.action == "retrieve"
        deferred = ["current_snapshot__data"]
        if not retrieve:
            deferred.append("current_snapshot__eligibility_results")
        queryset = (
            applications_readable_by(self.request.user)
            .select_related("call", "measure", "current_snapshot")
            .defer(*deferred)
            .prefetch_related(
                Prefetch(
                    "partners",
                    queryset=Partner.objects.select_related("organisation").order_by("number"),
                )
            )
            .order_by("-created_at", "reference")
        )
        if retrieve:
            queryset = queryset.prefetch_related(
                Prefetch(
                    "status_changes",
                    queryset=StatusChange.objects.order_by("created_at", "pk"),
                ),
                Prefetch(
                    "work_packages",
                    queryset=WorkPackage.objects.select_related("lead_partner")
                    .order_by("number")
                    .prefetch_related(
                        Prefetch(
                            "activities", queryset=Activity.objects.order_by("position", "pk")
                        ),
                        Prefetch(
                            "deliverables", queryset=Deliverable.objects.order_by("position", "pk")
                        ),
                    ),
                ),
            )
        return queryset
