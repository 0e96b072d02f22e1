"""Representations of a dossier as its readers see it: identification, consortium, the
frozen facts of the version under review and, on the detail, the history of its states.
Amounts are strings with two decimals; codes link a dossier to its call and measure."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from applications.choices import ApplicationStatus, FrozenVerdict
from applications.models import Application, Snapshot
from partners.choices import PartnerRole
from partners.models import Partner


class ApplicationLeadSerializer(serializers.Serializer):
    name = serializers.CharField(source="organisation.legal_name")
    country = serializers.CharField(source="organisation.country")


class ApplicationPartnerSerializer(serializers.ModelSerializer):
    role = serializers.ChoiceField(choices=PartnerRole.choices, read_only=True)
    organisation = serializers.CharField(source="organisation.legal_name", read_only=True)
    country = serializers.CharField(source="organisation.country", read_only=True)

    class Meta:
        model = Partner
        fields = ["number", "role", "organisation", "country"]


class SubmittedVersionSerializer(serializers.ModelSerializer):
    verdict = serializers.ChoiceField(choices=FrozenVerdict.choices, read_only=True)

    class Meta:
        model = Snapshot
        fields = ["number", "sha256", "verdict", "total_budget", "eu_requested"]


# "from" is a keyword: the fields are given to the metaclass as a dict.
StatusChangeSerializer = type(
    "StatusChangeSerializer",
    (serializers.Serializer,),
    {
        "__doc__": "One change of the dossier's state.",
        "__module__": __name__,
        "from": serializers.CharField(
            source="from_status", read_only=True, help_text=_("État quitté (voir status).")
        ),
        "to": serializers.CharField(
            source="to_status", read_only=True, help_text=_("État atteint (voir status).")
        ),
        "at": serializers.DateTimeField(source="created_at", read_only=True),
    },
)


class ApplicationSerializer(serializers.ModelSerializer):
    call = serializers.CharField(source="call.reference", read_only=True)
    measure = serializers.CharField(source="measure.code", read_only=True, allow_null=True)
    status = serializers.ChoiceField(choices=ApplicationStatus.choices, read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    lead = ApplicationLeadSerializer(source="lead_partner", read_only=True, allow_null=True)
    partners = ApplicationPartnerSerializer(many=True, read_only=True)
    submitted_version = SubmittedVersionSerializer(
        source="current_snapshot",
        read_only=True,
        allow_null=True,
        help_text=_(
            "Les faits figés de la version à l'instruction (null avant le premier dépôt). "
            "/ The frozen facts of the version under review (null before the first submission)."
        ),
    )

    class Meta:
        model = Application
        fields = [
            "reference",
            "call",
            "measure",
            "acronym",
            "title",
            "status",
            "status_label",
            "created_at",
            "submitted_at",
            "updated_at",
            "start_date",
            "end_date",
            "lead",
            "partners",
            "submitted_version",
        ]


@extend_schema_field({"$ref": "#/components/schemas/ApplicationStatusEnum"})
class DocumentedStatusField(serializers.ChoiceField):
    """The state, documented as the list's enum (one component for one set of choices)."""


class ApplicationDetailSerializer(ApplicationSerializer):
    status = DocumentedStatusField(choices=ApplicationStatus.choices, read_only=True)
    status_history = StatusChangeSerializer(source="status_changes", many=True, read_only=True)

    class Meta(ApplicationSerializer.Meta):
        fields = [*ApplicationSerializer.Meta.fields, "status_history"]
