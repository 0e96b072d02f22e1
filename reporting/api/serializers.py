"""The public list of operations (Regulation (EU) 2021/1060, art. 49(3)) as the CSV file
gives it: one operation per row, amounts as strings with two decimals, dates ISO."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from applications.choices import ApplicationStatus
from applications.models import Application
from reporting.exports import cofinancing_rate, purpose


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
