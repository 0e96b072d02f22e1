"""The dossiers an account reads on the pages, read-only: its organisations' dossiers
(drafts included, ``applications.permissions``), its authorities' submitted dossiers and
those assigned to it for assessment (``review.permissions``). Any other dossier does not
exist (404); an anonymous request is a 401."""

from __future__ import annotations

from django.db.models import F, Prefetch, Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import permissions

from applications.models import Activity, Application, Deliverable, StatusChange, WorkPackage
from applications.permissions import applications_visible_to
from partners.models import Partner
from portal.api.viewsets import PublicReadOnlyViewSet
from review.permissions import assessments_opening_dossiers, officer_instructs

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


# The columns of the list's representation (``serializers.ApplicationSerializer``).
LIST_COLUMNS = (
    "reference",
    "acronym",
    "title",
    "status",
    "created_at",
    "submitted_at",
    "updated_at",
    "start_date",
    "end_date",
    "call",
    "measure",
    "current_snapshot",
    "call__reference",
    "measure__code",
    "current_snapshot__number",
    "current_snapshot__sha256",
    "current_snapshot__verdict",
    "current_snapshot__total_budget",
    "current_snapshot__eu_requested",
)


def partners_of_dossiers():
    """The dossiers' partners in order, with their organisation's name and country."""
    return Partner.objects.annotate(
        organisation_name=F("organisation__legal_name"),
        organisation_country=F("organisation__country"),
    ).order_by("number")


def applications_readable_by(user):
    """The union of what the pages show ``user``, through the permission functions."""
    assessed = assessments_opening_dossiers(user)
    return Application.objects.filter(
        Q(pk__in=applications_visible_to(user).values("pk"))
        | officer_instructs(user)
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

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None and self.action == "list":
            rows = serializers.partner_rows([application.pk for application in page])
            for application in page:
                application.partner_rows = rows[application.pk]
        return page

    def get_queryset(self):
        # Queries: the dossiers with call, measure and the facts of the version under
        # review (not its frozen JSON); their partners with organisations. On the detail,
        # with the version's frozen eligibility results: the history of states; the work
        # packages with their lead partner; their activities; their deliverables (the
        # budget's totals are the serializer's, one query).
        # A list reads only the columns it shows (a page is 100 dossiers and their
        # partners: full rows would triple what is fetched and built).
        retrieve = self.action == "retrieve"
        queryset = applications_readable_by(self.request.user).select_related(
            "call", "measure", "current_snapshot"
        )
        if self.action == "list":
            # The partners are attached to the page once it is cut (``paginate_queryset``).
            queryset = queryset.only(*LIST_COLUMNS)
        else:
            deferred = ["current_snapshot__data"]
            if not retrieve:
                deferred.append("current_snapshot__eligibility_results")
            queryset = queryset.defer(*deferred).prefetch_related(
                Prefetch("partners", queryset=partners_of_dossiers())
            )
        queryset = queryset.order_by("-created_at", "reference")
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
