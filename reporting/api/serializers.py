"""The public list of operations (Regulation (EU) 2021/1060, art. 49(3)) as the CSV file
gives it: one operation per row, amounts as strings with two decimals, dates ISO. Then the
funded projects, their progress reports and the generated documents, as the pages show
them to an account."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from applications.choices import ApplicationStatus
from applications.models import Application
from partners.choices import PartnerRole
from partners.models import Partner
from reporting.choices import DocumentKind, DocumentStatus, ReportStatus
from reporting.exports import cofinancing_rate, purpose
from reporting.models import GeneratedDocument, ProgressReport
from reporting.permissions import PROJECT_STATUSES


class LeadSerializer(serializers.Serializer):
    name = serializers.CharField(source="lead_name", allow_null=True)
    country = serializers.CharField(source="lead_country", allow_null=True)
    postcode = serializers.CharField(source="lead_postcode", allow_null=True)
    city = serializers.CharField(source="lead_city", allow_null=True)
    nuts_code = serializers.CharField(source="lead_nuts", allow_null=True)


class OperationSerializer(serializers.ModelSerializer):
    purpose = serializers.SerializerMethodField(
        help_text=_("Résumé limité à 500 caractères. / Summary, at most 500 characters.")
    )
    status = serializers.ChoiceField(
        choices=[
            (value, label)
            for value, label in ApplicationStatus.choices
            if value in ("selected", "contracted", "in_progress", "closed")
        ],
        read_only=True,
    )
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    lead = LeadSerializer(source="*", read_only=True)
    partners = serializers.SerializerMethodField(
        help_text=_("Les autres bénéficiaires. / The other beneficiaries.")
    )
    total_cost = serializers.DecimalField(
        max_digits=14, decimal_places=2, read_only=True, allow_null=True
    )
    eu_amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, read_only=True, allow_null=True
    )
    cofinancing_rate = serializers.SerializerMethodField()
    fund = serializers.CharField(source="fund_code", read_only=True)
    fund_name = serializers.CharField(source="call.programme.fund.short_name", read_only=True)
    programme = serializers.CharField(source="programme_code", read_only=True)
    programme_name = serializers.CharField(source="call.programme.name", read_only=True)
    measure = serializers.CharField(source="measure.code", read_only=True, allow_null=True)
    call = serializers.CharField(source="call.reference", read_only=True)

    class Meta:
        model = Application
        fields = [
            "reference",
            "acronym",
            "title",
            "purpose",
            "start_date",
            "end_date",
            "status",
            "status_label",
            "lead",
            "partners",
            "total_cost",
            "eu_amount",
            "cofinancing_rate",
            "fund",
            "fund_name",
            "programme",
            "programme_name",
            "measure",
            "call",
        ]

    def get_purpose(self, operation) -> str:
        return purpose(operation.summary)

    def get_partners(self, operation) -> list[str]:
        return [partner.organisation.legal_name for partner in operation.beneficiary_partners]

    def get_cofinancing_rate(self, operation) -> str | None:
        """Montant UE / coût total, en %, à deux décimales. / EU amount / total cost, in %."""
        rate = cofinancing_rate(operation.eu_amount, operation.total_cost)
        return None if rate is None else f"{rate:.2f}"


# --- the authenticated resources: projects, reports, documents ------------------------------


class ProjectLeadSerializer(serializers.Serializer):
    name = serializers.CharField(source="organisation.legal_name")
    country = serializers.CharField(source="organisation.country")


class ProjectPartnerSerializer(serializers.ModelSerializer):
    role = serializers.ChoiceField(choices=PartnerRole.choices, read_only=True)
    organisation = serializers.CharField(source="organisation.legal_name", read_only=True)
    country = serializers.CharField(source="organisation.country", read_only=True)

    class Meta:
        model = Partner
        fields = ["number", "role", "organisation", "country"]


class ProjectSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(
        choices=[(s.value, s.label) for s in PROJECT_STATUSES], read_only=True
    )
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    call = serializers.CharField(source="call.reference", read_only=True)
    programme = serializers.CharField(source="call.programme.code", read_only=True)
    fund = serializers.CharField(source="call.programme.fund.code", read_only=True)
    authority = serializers.CharField(source="call.authority.code", read_only=True)
    measure = serializers.CharField(source="measure.code", read_only=True, allow_null=True)
    lead = ProjectLeadSerializer(source="lead_partner", read_only=True, allow_null=True)
    partners = ProjectPartnerSerializer(many=True, read_only=True)
    amount_granted = serializers.DecimalField(
        source="decision.amount_granted",
        max_digits=14,
        decimal_places=2,
        read_only=True,
        allow_null=True,
        help_text=_("Montant UE accordé par la décision (EUR). / EU amount granted (EUR)."),
    )

    class Meta:
        model = Application
        fields = [
            "reference",
            "acronym",
            "title",
            "status",
            "status_label",
            "call",
            "programme",
            "fund",
            "authority",
            "measure",
            "start_date",
            "end_date",
            "contract_reference",
            "contract_signed_on",
            "amount_granted",
            "lead",
            "partners",
            "updated_at",
        ]


class ReportSerializer(serializers.ModelSerializer):
    project = serializers.CharField(
        source="application.reference",
        read_only=True,
        help_text=_("Référence du projet. / Reference of the project."),
    )
    status = serializers.ChoiceField(choices=ReportStatus.choices, read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    expenditure_declared = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        read_only=True,
        help_text=_(
            "Total des dépenses déclarées dans ce rapport, tous partenaires (EUR). / Total "
            "expenditure declared in this report (EUR)."
        ),
    )

    class Meta:
        model = ProgressReport
        fields = [
            "id",
            "project",
            "number",
            "period_start",
            "period_end",
            "due_date",
            "report_date",
            "is_final",
            "status",
            "status_label",
            "submitted_at",
            "expenditure_declared",
            "created_at",
            "updated_at",
        ]


# "from" is a keyword: the fields are given to the metaclass as a dict.
ReportStatusChangeSerializer = type(
    "ReportStatusChangeSerializer",
    (serializers.Serializer,),
    {
        "__doc__": "One change of the report's state.",
        "__module__": __name__,
        "from": serializers.CharField(source="from_status", read_only=True),
        "to": serializers.CharField(source="to_status", read_only=True),
        "at": serializers.DateTimeField(source="created_at", read_only=True),
        "comment": serializers.CharField(read_only=True),
    },
)


@extend_schema_field({"$ref": "#/components/schemas/ReportStatusEnum"})
class DocumentedReportStatusField(serializers.ChoiceField):
    """The state, documented as the list's enum (one component for one set of choices)."""


class ReportDetailSerializer(ReportSerializer):
    status = DocumentedReportStatusField(choices=ReportStatus.choices, read_only=True)
    status_history = ReportStatusChangeSerializer(
        source="status_changes", many=True, read_only=True
    )

    class Meta(ReportSerializer.Meta):
        fields = [
            *ReportSerializer.Meta.fields,
            "overall_progress",
            "results",
            "added_value",
            "status_history",
        ]


class DocumentSubjectSerializer(serializers.Serializer):
    application = serializers.CharField(
        source="application.reference", allow_null=True, default=None
    )
    report = serializers.IntegerField(source="report_id", allow_null=True)
    call = serializers.CharField(source="call.reference", allow_null=True, default=None)
    programme = serializers.CharField(source="programme.code", allow_null=True, default=None)


class DocumentSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=DocumentKind.choices, read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status = serializers.ChoiceField(choices=DocumentStatus.choices, read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    subject = DocumentSubjectSerializer(
        source="*",
        read_only=True,
        help_text=_("Ce dont le document parle. / What the document is about."),
    )
    archive = serializers.SerializerMethodField(
        help_text=_("Version d'archivage (PDF/A). / Archival version (PDF/A).")
    )
    progress = serializers.IntegerField(read_only=True, help_text=_("Progression en %."))
    failure_reason = serializers.CharField(
        source="error", read_only=True, help_text=_("La raison d'un échec, vide sinon.")
    )
    download_url = serializers.SerializerMethodField(
        help_text=_(
            "Adresse absolue du téléchargement (la page du portail) une fois prêt, null "
            "sinon. / Absolute address of the download once done, null otherwise."
        )
    )

    class Meta:
        model = GeneratedDocument
        fields = [
            "id",
            "kind",
            "kind_label",
            "status",
            "status_label",
            "subject",
            "language",
            "archive",
            "progress",
            "failure_reason",
            "size",
            "sha256",
            "requested_at",
            "started_at",
            "finished_at",
            "download_url",
        ]

    def get_archive(self, document) -> bool:
        return bool(document.parameters.get("archive"))

    def get_download_url(self, document) -> str | None:
        if document.status != DocumentStatus.DONE or not document.file:
            return None
        path = reverse("reporting:document_download", args=[document.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


REQUESTABLE_KINDS = [
    (kind.value, kind.label) for kind in DocumentKind if kind != DocumentKind.EXPORT
]


class DocumentRequestSerializer(serializers.Serializer):
    """A document asked for, with its subject: ``reference`` for a dossier's documents
    (dossier, acknowledgement, decision letter), ``report`` for a report's, ``call`` or
    ``programme`` for an officer's summaries."""

    SUBJECT_OF = {
        DocumentKind.DOSSIER: "reference",
        DocumentKind.ACKNOWLEDGEMENT: "reference",
        DocumentKind.DECISION_LETTER: "reference",
        DocumentKind.PROGRESS_REPORT: "report",
        DocumentKind.CALL_SUMMARY: "call",
        DocumentKind.PROGRAMME_SUMMARY: "programme",
    }

    kind = serializers.ChoiceField(choices=REQUESTABLE_KINDS)
    reference = serializers.CharField(
        required=False, help_text=_("Référence du dossier (dossier, accusé, lettre de décision).")
    )
    report = serializers.IntegerField(
        required=False, help_text=_("Identifiant du rapport d'avancement.")
    )
    call = serializers.CharField(required=False, help_text=_("Référence de l'appel (synthèse)."))
    programme = serializers.CharField(required=False, help_text=_("Code du programme (synthèse)."))
    archive = serializers.BooleanField(
        required=False, default=False, help_text=_("Version d'archivage (PDF/A).")
    )

    def validate(self, attrs):
        field = self.SUBJECT_OF[attrs["kind"]]
        if attrs.get(field) in (None, ""):
            raise serializers.ValidationError(
                {field: [_("Ce champ est obligatoire pour cette nature de document.")]}
            )
        return attrs
