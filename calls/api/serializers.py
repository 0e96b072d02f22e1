"""Public representations of funds, programmes (with axes, measures, priorities),
authorities and published calls (with their rules in plain language, criteria and lump
sums). Amounts are strings with two decimals; codes link one resource to another."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from calls.models import (
    AssessmentCriterion,
    Authority,
    Axis,
    Call,
    CallStatus,
    DocumentType,
    EligibilityRule,
    Fund,
    Measure,
    Priority,
    Programme,
    TargetGroup,
)


class FundSerializer(serializers.ModelSerializer):
    class Meta:
        model = Fund
        fields = ["code", "name", "short_name", "description", "website"]


class AuthoritySerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Authority
        fields = [
            "code",
            "name",
            "short_name",
            "kind",
            "kind_label",
            "department",
            "street",
            "postcode",
            "city",
            "country",
            "email",
            "phone",
            "website",
        ]


class TargetGroupSerializer(serializers.ModelSerializer):
    class Meta:
        model = TargetGroup
        fields = ["code", "name", "description"]


class MeasureSerializer(serializers.ModelSerializer):
    operation_types = serializers.ListField(
        source="operation_type_list", child=serializers.CharField(), read_only=True
    )
    selection_priorities = serializers.ListField(
        source="selection_priority_list", child=serializers.CharField(), read_only=True
    )
    eligible_legal_types = serializers.ListField(child=serializers.CharField(), read_only=True)
    target_groups = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = Measure
        fields = [
            "code",
            "name",
            "framework",
            "purposes",
            "operation_types",
            "selection_priorities",
            "eligible_organisations",
            "eligible_legal_types",
            "target_groups",
        ]


class AxisSerializer(serializers.ModelSerializer):
    measures = MeasureSerializer(many=True, read_only=True)

    class Meta:
        model = Axis
        fields = ["code", "name", "objective", "description", "measures"]


class PrioritySerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Priority
        fields = ["code", "kind", "kind_label", "sector", "name", "description"]


class ProgrammeSerializer(serializers.ModelSerializer):
    fund = serializers.SlugRelatedField(slug_field="code", read_only=True)
    managing_authority = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    axes = AxisSerializer(many=True, read_only=True)
    priorities = PrioritySerializer(many=True, read_only=True)
    target_groups = TargetGroupSerializer(many=True, read_only=True)

    class Meta:
        model = Programme
        fields = [
            "code",
            "name",
            "short_name",
            "description",
            "fund",
            "period_start_year",
            "period_end_year",
            "managing_authority",
            "report_interval_months",
            "website",
            "axes",
            "priorities",
            "target_groups",
        ]


class CallMeasureSerializer(serializers.ModelSerializer):
    axis = serializers.CharField(source="axis.code", read_only=True)

    class Meta:
        model = Measure
        fields = ["code", "name", "axis"]


class RuleSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    blocking = serializers.BooleanField(source="is_blocking", read_only=True)
    explanation = serializers.CharField(
        source="describe",
        read_only=True,
        help_text=_("La règle en langage clair. / The rule in plain language."),
    )

    class Meta:
        model = EligibilityRule
        fields = ["kind", "kind_label", "blocking", "explanation"]


class CriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = AssessmentCriterion
        fields = ["code", "name", "description", "max_score", "threshold"]


class DocumentTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = DocumentType
        fields = ["code", "name", "description", "per_partner"]


@extend_schema_field(
    serializers.ListField(child=serializers.DecimalField(max_digits=14, decimal_places=2))
)
class LumpSumsField(serializers.Field):
    """The lump sums a call offers, as amounts."""

    def to_representation(self, value):
        field = serializers.DecimalField(max_digits=14, decimal_places=2)
        return [field.to_representation(lump_sum.amount) for lump_sum in value.all()]


class CallSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=CallStatus.choices, read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    programme = serializers.SlugRelatedField(slug_field="code", read_only=True)
    fund = serializers.CharField(source="programme.fund.code", read_only=True)
    authority = serializers.SlugRelatedField(slug_field="code", read_only=True)
    cost_model_label = serializers.CharField(source="get_cost_model_display", read_only=True)
    measures = CallMeasureSerializer(many=True, read_only=True)
    priorities = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    target_groups = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    required_documents = DocumentTypeSerializer(
        source="required_document_types", many=True, read_only=True
    )
    rules = RuleSerializer(many=True, read_only=True)
    criteria = CriterionSerializer(many=True, read_only=True)
    lump_sums = LumpSumsField(read_only=True)

    class Meta:
        model = Call
        fields = [
            "reference",
            "title",
            "summary",
            "status",
            "status_label",
            "programme",
            "fund",
            "authority",
            "opens_at",
            "closes_at",
            "budget_envelope",
            "cost_model",
            "cost_model_label",
            "max_cofinancing_rate",
            "min_duration_months",
            "max_duration_months",
            "max_grant",
            "min_total_score",
            "contact_email",
            "max_attachment_mb",
            "measures",
            "priorities",
            "target_groups",
            "required_documents",
            "rules",
            "criteria",
            "lump_sums",
            "updated_at",
        ]
