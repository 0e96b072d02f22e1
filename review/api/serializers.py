"""A decision as the pages show it: the dossier it decides (with its call, programme, fund
and authority as codes), the outcome, the amount granted (a string with two decimals, null
unless selected), the committee, the date, the reasons and conditions."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from applications.choices import DecisionOutcome
from applications.models import Decision


class DecisionLeadSerializer(serializers.Serializer):
    name = serializers.CharField(source="lead_name", allow_null=True)
    country = serializers.CharField(source="lead_country", allow_null=True)


class DecisionSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(
        source="application.reference",
        read_only=True,
        help_text=_("Référence du dossier décidé. / Reference of the dossier decided."),
    )
    acronym = serializers.CharField(source="application.acronym", read_only=True)
    title = serializers.CharField(source="application.title", read_only=True)
    lead = DecisionLeadSerializer(source="*", read_only=True)
    call = serializers.CharField(source="application.call.reference", read_only=True)
    programme = serializers.CharField(source="application.call.programme.code", read_only=True)
    fund = serializers.CharField(source="application.call.programme.fund.code", read_only=True)
    authority = serializers.CharField(source="application.call.authority.code", read_only=True)
    outcome = serializers.ChoiceField(choices=DecisionOutcome.choices, read_only=True)
    outcome_label = serializers.CharField(source="get_outcome_display", read_only=True)
    amount_granted = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        read_only=True,
        allow_null=True,
        help_text=_("Montant UE accordé (EUR), null sauf retenu. / EU amount granted (EUR)."),
    )

    class Meta:
        model = Decision
        fields = [
            "reference",
            "acronym",
            "title",
            "lead",
            "call",
            "programme",
            "fund",
            "authority",
            "outcome",
            "outcome_label",
            "amount_granted",
            "committee",
            "decided_on",
            "reasons",
            "conditions",
            "created_at",
            "updated_at",
        ]
