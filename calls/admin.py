"""Admin of funds, programmes and their structure, authorities and calls: where programme
officers configure what applicants answer."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from partners.choices import LegalType
from portal.admin import ChoiceLabelsMixin, HttpsUrlsMixin, narrow_choices, submitted_pk

from .models import (
    AssessmentCriterion,
    Authority,
    AuthorityMember,
    Axis,
    Call,
    CallLumpSum,
    DocumentType,
    EligibilityRule,
    Fund,
    Measure,
    Priority,
    Programme,
    TargetGroup,
)

# --- Funds, authorities ----------------------------------------------------------------------


@admin.register(Fund)
class FundAdmin(HttpsUrlsMixin, admin.ModelAdmin):
    list_display = ("short_name", "name", "code")
    search_fields = ("code", "name", "short_name")


class AuthorityMemberInline(admin.TabularInline):
    model = AuthorityMember
    extra = 0
    autocomplete_fields = ("user",)
    fields = ("user", "role", "is_active", "created_at")
    readonly_fields = ("created_at",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")


@admin.register(Authority)
class AuthorityAdmin(HttpsUrlsMixin, admin.ModelAdmin):
    list_display = ("name", "short_name", "kind", "city", "country", "email")
    list_filter = ("kind", "country")
    search_fields = ("code", "name", "short_name", "city")
    inlines = (AuthorityMemberInline,)
    fieldsets = (
        (None, {"fields": ("code", "name", "short_name", "kind", "department")}),
        (_("Adresse"), {"fields": ("street", "postcode", "city", "country")}),
        (_("Contact"), {"fields": ("email", "phone", "website")}),
    )


@admin.register(AuthorityMember)
class AuthorityMemberAdmin(admin.ModelAdmin):
    list_display = ("user", "authority", "role", "is_active", "created_at")
    list_filter = ("role", "is_active", "authority")
    list_select_related = ("user", "authority")
    search_fields = ("user__email", "user__first_name", "user__last_name", "authority__name")
    autocomplete_fields = ("user", "authority")
    readonly_fields = ("created_at",)


# --- Programmes and their structure --------------------------------------------------------


class AxisInline(admin.TabularInline):
    model = Axis
    extra = 0
    fields = ("position", "code", "name")
    show_change_link = True


@admin.register(Programme)
class ProgrammeAdmin(HttpsUrlsMixin, admin.ModelAdmin):
    list_display = (
        "name",
        "short_name",
        "fund",
        "period_start_year",
        "period_end_year",
        "managing_authority",
    )
    list_filter = ("fund", "managing_authority")
    list_select_related = ("fund", "managing_authority")
    search_fields = ("code", "name", "short_name")
    autocomplete_fields = ("managing_authority",)
    inlines = (AxisInline,)


class MeasureInline(admin.TabularInline):
    model = Measure
    extra = 0
    fields = ("position", "code", "name")
    show_change_link = True


@admin.register(Axis)
class AxisAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "programme", "position")
    list_filter = ("programme__fund", "programme")
    search_fields = ("code", "name", "programme__name", "programme__short_name")
    inlines = (MeasureInline,)

    def get_queryset(self, request):
        # An axis is named after its programme (changelist, autocomplete, change page).
        return super().get_queryset(request).select_related("programme")


class MeasureAdminForm(forms.ModelForm):
    """The eligible legal types are ticked in a list rather than typed as JSON; the target
    groups offered are those of the measure's programme."""

    eligible_legal_types = forms.MultipleChoiceField(
        label=_("statuts juridiques éligibles"),
        choices=LegalType.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Statuts juridiques des organisations admises à déposer."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        axis_pk = submitted_pk(self, "axis") or self.instance.axis_id
        if axis_pk:
            narrow_choices(
                self,
                "target_groups",
                TargetGroup.objects.filter(programme__axes__pk=axis_pk),
            )


@admin.register(Measure)
class MeasureAdmin(ChoiceLabelsMixin, admin.ModelAdmin):
    form = MeasureAdminForm
    choice_select_related = {"axis": ("programme",)}
    list_display = ("code", "name", "axis", "position")
    # Not by axis: the filter would name each axis after its programme, a query per axis.
    list_filter = ("axis__programme__fund", "axis__programme")
    list_select_related = ("axis__programme",)
    search_fields = ("code", "name")
    filter_horizontal = ("target_groups",)
    fieldsets = (
        (None, {"fields": ("axis", "code", "name", "position", "framework")}),
        (
            _("Contenu"),
            {"fields": ("purposes", "operation_types", "selection_priorities")},
        ),
        (
            _("Éligibilité"),
            {"fields": ("eligible_organisations", "eligible_legal_types", "target_groups")},
        ),
    )


@admin.register(Priority)
class PriorityAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "sector", "programme", "position")
    list_filter = ("programme", "kind")
    list_select_related = ("programme",)
    search_fields = ("code", "name", "sector")


@admin.register(TargetGroup)
class TargetGroupAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "programme")
    list_filter = ("programme",)
    list_select_related = ("programme",)
    search_fields = ("code", "name")


@admin.register(DocumentType)
class DocumentTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "per_partner")
    list_filter = ("per_partner",)
    search_fields = ("code", "name")


# --- Calls -----------------------------------------------------------------------------------


class CallLumpSumInline(admin.TabularInline):
    model = CallLumpSum
    extra = 0


class EligibilityRuleInline(admin.StackedInline):
    model = EligibilityRule
    extra = 0
    fields = ("position", "kind", "severity", "is_active", "parameters", "explanation")
    show_change_link = True


class AssessmentCriterionInline(admin.TabularInline):
    model = AssessmentCriterion
    extra = 0
    fields = ("position", "code", "name", "max_score", "threshold")
    show_change_link = True


class CallAdminForm(forms.ModelForm):
    """Measures, priorities and target groups offered are those of the call's programme."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        programme_pk = submitted_pk(self, "programme") or self.instance.programme_id
        if programme_pk:
            narrow_choices(
                self,
                "measures",
                Measure.objects.filter(axis__programme_id=programme_pk),
            )
            narrow_choices(self, "priorities", Priority.objects.filter(programme_id=programme_pk))
            narrow_choices(
                self, "target_groups", TargetGroup.objects.filter(programme_id=programme_pk)
            )


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    form = CallAdminForm
    list_display = (
        "reference",
        "title",
        "programme",
        "authority",
        "opens_at",
        "closes_at",
        "status_display",
        "budget_envelope",
        "is_published",
    )
    list_filter = ("programme__fund", "programme", "authority", "cost_model", "is_published")
    list_select_related = ("programme", "authority")
    search_fields = ("reference", "title")
    date_hierarchy = "closes_at"
    autocomplete_fields = ("programme", "authority")
    filter_horizontal = ("measures", "priorities", "target_groups", "required_document_types")
    readonly_fields = ("status_display", "application_sequence", "created_at", "updated_at")
    inlines = (CallLumpSumInline, EligibilityRuleInline, AssessmentCriterionInline)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "reference",
                    "title",
                    "programme",
                    "authority",
                    "summary",
                    "contact_email",
                )
            },
        ),
        (
            _("Calendrier"),
            {"fields": ("is_published", "opens_at", "closes_at", "status_display")},
        ),
        (
            _("Financement"),
            {
                "fields": (
                    "budget_envelope",
                    "cost_model",
                    "max_cofinancing_rate",
                    "max_grant",
                    "min_duration_months",
                    "max_duration_months",
                    "min_total_score",
                )
            },
        ),
        (
            _("Contenu de l'appel"),
            {"fields": ("measures", "priorities", "target_groups", "required_document_types")},
        ),
        (
            _("Numérotation des dossiers"),
            {"fields": ("application_prefix", "application_sequence")},
        ),
        (_("Suivi"), {"fields": ("created_at", "updated_at")}),
    )

    @admin.display(description=_("état"))
    def status_display(self, obj: Call) -> str:
        if obj.pk is None:
            return "—"
        return obj.get_status_display()


@admin.register(EligibilityRule)
class EligibilityRuleAdmin(admin.ModelAdmin):
    list_display = ("call", "kind", "severity", "is_active", "position")
    list_filter = ("kind", "severity", "is_active")
    search_fields = ("call__reference", "explanation")
    autocomplete_fields = ("call",)

    def get_queryset(self, request):
        # A rule is named after its call (changelist, autocomplete, change page).
        return super().get_queryset(request).select_related("call")


@admin.register(AssessmentCriterion)
class AssessmentCriterionAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "call", "max_score", "threshold", "position")
    list_filter = ("call__programme",)
    list_select_related = ("call",)
    search_fields = ("code", "name", "call__reference")
    autocomplete_fields = ("call",)
