"""An organisation as its members read it on its page: identity, address and contact
details, identifiers, the account's role in it and the number of its active members. Its
bank details (IBAN) are not on its page, nor here."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from partners.choices import MembershipRole
from partners.models import Organisation


class AddressSerializer(serializers.Serializer):
    street = serializers.CharField()
    postcode = serializers.CharField()
    city = serializers.CharField()
    country = serializers.CharField(help_text=_("Code ISO à deux lettres (FR, BE…)."))
    nuts_code = serializers.CharField(help_text=_("Région (code NUTS), vide si inconnue."))


class IdentifiersSerializer(serializers.Serializer):
    siret = serializers.CharField()
    siren = serializers.CharField()
    enterprise_number = serializers.CharField(
        help_text=_("Numéro d'entreprise (BCE/KBO), en Belgique.")
    )
    vat_number = serializers.CharField()
    pic = serializers.CharField(help_text=_("Code PIC (Participant Identification Code)."))
    oid = serializers.CharField(help_text=_("Identifiant Erasmus+ (OID)."))


class OrganisationSerializer(serializers.ModelSerializer):
    legal_type_label = serializers.CharField(source="get_legal_type_display", read_only=True)
    country_label = serializers.CharField(source="get_country_display", read_only=True)
    address = AddressSerializer(source="*", read_only=True)
    identifiers = IdentifiersSerializer(source="*", read_only=True)
    role = serializers.ChoiceField(
        source="viewer_role",
        choices=MembershipRole.choices,
        read_only=True,
        help_text=_("Le rôle du compte dans l'organisation. / The account's role in it."),
    )
    members_count = serializers.IntegerField(
        read_only=True, help_text=_("Nombre de membres actifs. / Number of active members.")
    )

    class Meta:
        model = Organisation
        fields = [
            "id",
            "legal_name",
            "acronym",
            "legal_type",
            "legal_type_label",
            "country",
            "country_label",
            "address",
            "email",
            "phone",
            "website",
            "identifiers",
            "role",
            "members_count",
            "created_at",
            "updated_at",
        ]
