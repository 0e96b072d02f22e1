"""Admin of organisations, their members, their places in consortia and the invitations."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from applications.models import BudgetLine, Cofinancing, WorkPackage
from portal.admin import HttpsUrlsMixin

from .models import ColleagueInvitation, Invitation, Membership, Organisation, Partner


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)
    fields = ("user", "role", "is_active", "created_at")
    readonly_fields = ("created_at",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")


@admin.register(Organisation)
class OrganisationAdmin(HttpsUrlsMixin, admin.ModelAdmin):
    list_display = (
        "legal_name",
        "acronym",
        "legal_type",
        "country",
        "city",
        "national_identifier_display",
    )
    list_filter = ("legal_type", "country")
    search_fields = (
        "legal_name",
        "acronym",
        "siret",
        "enterprise_number",
        "vat_number",
        "pic",
        "oid",
        "city",
    )
    readonly_fields = ("created_at", "updated_at")
    inlines = (MembershipInline,)
    fieldsets = (
        (_("Identité"), {"fields": ("legal_name", "acronym", "legal_type")}),
        (
            _("Adresse"),
            {
                "fields": (
                    "street",
                    "postcode",
                    "city",
                    "country",
                    "nuts_code",
                    "email",
                    "phone",
                    "website",
                )
            },
        ),
        (
            _("Identifiants"),
            {"fields": ("siret", "siren", "enterprise_number", "vat_number", "pic", "oid")},
        ),
        (_("Coordonnées bancaires"), {"fields": ("iban",)}),
        (_("Suivi"), {"fields": ("created_at", "updated_at")}),
    )

    @admin.display(description=_("identifiant national"))
    def national_identifier_display(self, obj: Organisation) -> str:
        return obj.national_identifier or "—"


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "organisation", "role", "is_active", "created_at")
    list_filter = ("role", "is_active")
    list_select_related = ("user", "organisation")
    search_fields = (
        "user__email",
        "user__first_name",
        "user__last_name",
        "organisation__legal_name",
        "organisation__acronym",
    )
    autocomplete_fields = ("user", "organisation")
    readonly_fields = ("created_at",)


class BudgetLineInline(admin.TabularInline):
    model = BudgetLine
    fields = ("cost_category", "year", "work_package", "description", "amount")
    extra = 0

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Work packages offered are those of the partner's own dossier.
        if db_field.name == "work_package":
            partner_pk = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = WorkPackage.objects.filter(application__partners=partner_pk)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class CofinancingInline(admin.TabularInline):
    model = Cofinancing
    fields = ("source", "funder", "amount", "is_secured")
    extra = 0


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = (
        "application_reference",
        "organisation",
        "role",
        "number",
        "has_signed_commitment",
    )
    list_filter = ("role",)
    search_fields = (
        "application__reference",
        "organisation__legal_name",
        "organisation__acronym",
    )
    autocomplete_fields = ("application", "organisation", "commitment_signed_by")
    readonly_fields = ("created_at",)
    inlines = (BudgetLineInline, CofinancingInline)

    def get_queryset(self, request):
        # A partner is named after its organisation (changelist, autocomplete, change page).
        return super().get_queryset(request).select_related("application", "organisation")

    @admin.display(description=_("dossier"), ordering="application__reference")
    def application_reference(self, obj: Partner) -> str:
        return obj.application.reference

    @admin.display(description=_("engagement signé"), boolean=True)
    def has_signed_commitment(self, obj: Partner) -> bool:
        return obj.has_signed_commitment


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invitations are sent by the lead from the portal, which alone knows the token; an
    officer may only revoke one or extend its expiry. The token's hash is never editable."""

    list_display = ("email", "application", "role", "status", "invited_by", "expires_at")
    list_filter = ("status", "role")
    search_fields = ("email", "application__reference")
    fields = (
        "application",
        "email",
        "role",
        "message",
        "status",
        "expires_at",
        "invited_by",
        "created_at",
        "accepted_at",
        "accepted_by",
        "partner",
        "token_hash",
    )
    readonly_fields = (
        "application",
        "email",
        "role",
        "message",
        "invited_by",
        "created_at",
        "accepted_at",
        "accepted_by",
        "partner",
        "token_hash",
    )

    def has_add_permission(self, request):
        return False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("application", "invited_by", "accepted_by", "partner__organisation")
        )


@admin.register(ColleagueInvitation)
class ColleagueInvitationAdmin(admin.ModelAdmin):
    """Colleagues are invited by members from the portal, which alone knows the token; an
    officer may only shorten or extend an invitation's validity. The token's hash is never
    editable."""

    list_display = ("email", "organisation", "role", "invited_by", "expires_at", "accepted_at")
    list_filter = ("role",)
    list_select_related = ("organisation", "invited_by")
    search_fields = ("email", "organisation__legal_name", "organisation__acronym")
    fields = (
        "organisation",
        "email",
        "role",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "accepted_by",
        "token_hash",
    )
    readonly_fields = (
        "organisation",
        "email",
        "role",
        "invited_by",
        "created_at",
        "accepted_at",
        "accepted_by",
        "token_hash",
    )

    def has_add_permission(self, request):
        return False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("organisation", "invited_by", "accepted_by")
        )
