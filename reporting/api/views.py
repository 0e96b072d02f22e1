"""The public list of operations: the same selection and filters as the CSV file
(``reporting.exports``), read by anyone without an account. Then, for an authenticated
account, what the pages show it: the funded projects (``reporting.permissions``), their
progress reports (officers never read a draft) and the generated documents
(``reporting.documents``), which it may also request."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import DecimalField, F, OuterRef, Prefetch, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import permissions, status
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.response import Response

from applications.models import Application
from applications.services import ServiceRefused
from calls.models import Call, Programme
from partners.models import Partner
from portal.api.serializers import ErrorSerializer
from portal.api.viewsets import PublicReadOnlyViewSet
from reporting import documents, exports
from reporting.choices import DocumentKind
from reporting.documents import documents_visible_to
from reporting.models import Expenditure, ProgressReport, ReportStatusChange
from reporting.permissions import projects_visible_to, reports_visible_to

from . import filtersets, serializers

DESCRIPTION = _(
    "La liste publique des opérations (règlement (UE) 2021/1060, art. 49(3)) : chaque "
    "opération retenue, conventionnée, en cours ou clôturée, jamais un dossier non retenu. "
    "Les mêmes données et filtres que le fichier CSV des données ouvertes. / The public list "
    "of operations: every operation selected and beyond, never an application that was not "
    "selected; the same data and filters as the open-data CSV file."
)


@extend_schema_view(
    list=extend_schema(summary=_("Liste : opérations"), description=DESCRIPTION),
    retrieve=extend_schema(summary=_("Détail : opération"), description=DESCRIPTION),
)
class OperationViewSet(PublicReadOnlyViewSet):
    serializer_class = serializers.OperationSerializer
    filterset_class = filtersets.OperationFilterSet
    lookup_field = "reference"
    # Two queries whatever the number of rows (exports.public_operations): the operations
    # with call, programme, fund, measure, lead, version under review and decision; their
    # other beneficiaries. Plus the page's count, or none with a cursor.

    def get_queryset(self):
        return (
            exports.public_operations(self._operation_filters())
            # The codes that link an operation to its fund and programme, on the joins the
            # selection already makes.
            .annotate(
                fund_code=F("call__programme__fund__code"),
                programme_code=F("call__programme__code"),
            )
        )

    def _operation_filters(self) -> exports.OperationFilters:
        """The filters of the CSV file, read by its own function one at a time so that
        each refusal names its parameter. One query per fund or programme given."""
        query = self.request.query_params
        values, errors = {}, {}
        for name in ("fund", "programme", "country"):
            try:
                values[name] = getattr(exports.operation_filters({name: query.get(name)}), name)
            except exports.InvalidFilter as refusal:
                errors[name] = [refusal.message]
        if errors:
            raise ValidationError(errors)
        return exports.OperationFilters(**values)


# --- the authenticated resources: projects, reports, documents ------------------------------

PROJECTS_DESCRIPTION = _(
    "Les projets financés (conventionnés, en cours, clôturés) que le compte lit sur le "
    "portail : ceux de ses organisations et ceux des appels de ses autorités. Tout autre "
    "projet n'existe pas (404). Authentification requise (jeton ou session). / The funded "
    "projects (contracted, in progress, closed) the account reads on the portal: its "
    "organisations' and its authorities' calls'. Any other does not exist (404)."
)
REPORTS_DESCRIPTION = _(
    "Les rapports d'avancement que le compte lit sur le portail : tous ceux des projets de "
    "ses organisations (brouillons compris) ; ceux des projets des appels de ses autorités "
    "une fois remis au moins une fois (jamais un brouillon). Tout autre rapport n'existe pas "
    "(404). Montants en chaînes à deux décimales. / The progress reports the account reads "
    "on the portal: every report of its organisations' projects; those of its authorities' "
    "projects once submitted (never a draft). Any other does not exist (404)."
)
DOCUMENTS_DESCRIPTION = _(
    "Les documents générés (PDF) dont le compte peut voir le sujet : ceux des dossiers et "
    "rapports qu'il lit, les synthèses des appels et programmes de ses autorités. Le lien de "
    "téléchargement (la page du portail, même authentification) n'est donné qu'une fois le "
    "document prêt. Tout autre document n'existe pas (404). / The generated documents "
    "(PDF) whose subject the account may see. The download link (the portal's page) is "
    "given once the document is done. Any other does not exist (404)."
)
DOCUMENT_REQUEST_DESCRIPTION = _(
    "Demande un document, comme le bouton des pages : la même demande en attente ou en "
    "cours (ou déjà faite, pour une version déposée) est rendue plutôt que refaite. La "
    "réponse (202) est la ligne du document : suivre son état sur son détail jusqu'à "
    "« done ». 404 si le sujet n'existe pas pour le compte ; 409 si le sujet ne peut pas "
    "encore avoir ce document (pas de version déposée, pas de décision). / Requests a "
    "document as the pages' button does: the same request pending or running is returned "
    "rather than made twice. Answers 202 with the document's row; follow its status on its "
    "detail until done. 404 when the subject does not exist for the account; 409 when it "
    "cannot have this document yet."
)


class DocumentRefused(APIException):
    """The subject cannot have this document yet (no version submitted, no decision): 409,
    with the service's reason."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = _("Ce document ne peut pas encore être demandé.")
    default_code = "refused"


def _partners_with_organisations() -> Prefetch:
    return Prefetch(
        "partners", queryset=Partner.objects.select_related("organisation").order_by("number")
    )


@extend_schema_view(
    list=extend_schema(summary=_("Liste : projets"), description=PROJECTS_DESCRIPTION),
    retrieve=extend_schema(summary=_("Détail : projet"), description=PROJECTS_DESCRIPTION),
)
class ProjectViewSet(PublicReadOnlyViewSet):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = serializers.ProjectSerializer
    filterset_class = filtersets.ProjectFilterSet
    lookup_field = "reference"
    cursor_ordering = ("updated_at", "pk")

    def get_queryset(self):
        # Queries: the projects with call, programme, fund, authority, measure and
        # decision; their partners with organisations.
        return (
            projects_visible_to(self.request.user)
            .select_related("call__programme__fund", "call__authority", "measure", "decision")
            .prefetch_related(_partners_with_organisations())
            .order_by("-start_date", "reference")
        )


def _expenditure_declared() -> Coalesce:
    """The sum of the report's expenditure rows (0 when none), as a subquery."""
    total = (
        Expenditure.objects.filter(report=OuterRef("pk"))
        .order_by()
        .values("report")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    money = DecimalField(max_digits=14, decimal_places=2)
    return Coalesce(Subquery(total, output_field=money), Value(Decimal("0.00")), output_field=money)


@extend_schema_view(
    list=extend_schema(summary=_("Liste : rapports d'avancement"), description=REPORTS_DESCRIPTION),
    retrieve=extend_schema(
        summary=_("Détail : rapport d'avancement"), description=REPORTS_DESCRIPTION
    ),
)
class ReportViewSet(PublicReadOnlyViewSet):
    permission_classes = [permissions.IsAuthenticated]
    filterset_class = filtersets.ReportFilterSet
    cursor_ordering = ("updated_at", "pk")

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.ReportDetailSerializer
        return serializers.ReportSerializer

    def get_queryset(self):
        # One query: the reports with their project and the total declared. On the
        # detail, a second: the history of states.
        queryset = (
            reports_visible_to(self.request.user)
            .select_related("application")
            .annotate(expenditure_declared=_expenditure_declared())
            .order_by("application__reference", "number", "pk")
        )
        if self.action == "retrieve":
            queryset = queryset.prefetch_related(
                Prefetch(
                    "status_changes",
                    queryset=ReportStatusChange.objects.order_by("created_at", "pk"),
                )
            )
        return queryset


@extend_schema_view(
    list=extend_schema(summary=_("Liste : documents générés"), description=DOCUMENTS_DESCRIPTION),
    retrieve=extend_schema(
        summary=_("Détail : document généré"), description=DOCUMENTS_DESCRIPTION
    ),
)
class DocumentViewSet(PublicReadOnlyViewSet):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = serializers.DocumentSerializer
    filterset_class = filtersets.DocumentFilterSet
    # A document has no date of change (a retry clears its start and end): the cursor
    # follows the order of the requests.
    cursor_ordering = ("pk",)

    def get_queryset(self):
        # One query: the documents with their subject (dossier, call, programme; a
        # report's id is its own column).
        return (
            documents_visible_to(self.request.user)
            .select_related("application", "call", "programme")
            .order_by("-requested_at", "-pk")
        )

    @extend_schema(
        summary=_("Demander un document / Request a document"),
        description=DOCUMENT_REQUEST_DESCRIPTION,
        request=serializers.DocumentRequestSerializer,
        responses={
            202: serializers.DocumentSerializer,
            404: OpenApiResponse(
                ErrorSerializer, description=_("Sujet introuvable (ou non visible pour ce compte).")
            ),
            409: OpenApiResponse(
                ErrorSerializer,
                description=_("Le sujet ne peut pas encore avoir ce document : voyez « message »."),
            ),
        },
        examples=[
            OpenApiExample(
                "Dossier tel que déposé / Dossier as submitted",
                value={"kind": "dossier", "reference": "FSE-2026-0042"},
                request_only=True,
            ),
            OpenApiExample(
                "Synthèse d'un appel / Call summary",
                value={"kind": "call_summary", "call": "FSE-2026-01"},
                request_only=True,
            ),
        ],
    )
    def create(self, request, *args, **kwargs):
        """As the page's ``request_document``: the subject looked up (404 when it does not
        exist), then ``document_request`` (404 when the account may not see it, 409 when
        it cannot have this document yet)."""
        payload = serializers.DocumentRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        try:
            document = documents.document_request(
                kind=data["kind"],
                actor=request.user,
                archive=data["archive"],
                **self._subject(data),
            )
        except documents.SubjectNotFound:
            raise NotFound() from None
        except ServiceRefused as refusal:
            raise DocumentRefused(refusal.message) from None
        document = self.get_queryset().get(pk=document.pk)
        body = self.get_serializer(document).data
        return Response(
            body,
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": reverse("api:document-detail", args=[document.pk])},
        )

    @staticmethod
    def _subject(data: dict) -> dict:
        """The subject named by the request, or a 404 when it does not exist."""
        kind = data["kind"]
        if kind in documents.APPLICATION_KINDS:
            return {
                "application": get_object_or_404(
                    Application.objects.select_related("call"), reference=data["reference"]
                )
            }
        if kind == DocumentKind.PROGRESS_REPORT:
            return {
                "report": get_object_or_404(
                    ProgressReport.objects.select_related("application"), pk=data["report"]
                )
            }
        if kind == DocumentKind.CALL_SUMMARY:
            return {"call": get_object_or_404(Call, reference=data["call"])}
        return {"programme": get_object_or_404(Programme, code=data["programme"])}
