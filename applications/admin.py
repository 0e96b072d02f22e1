"""Admin of applications (dossiers), their sections, their history and their review.

The status of a dossier is never editable here: it changes only through
``applications.workflow``, which writes the ``StatusChange`` row that goes with it.
"""

import json

from django import forms
from django.contrib import admin
from django.db.models import Prefetch
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from calls.models import AssessmentCriterion, Measure, Priority, TargetGroup
from calls.templatetags.portal_format import money, percent
from partners.choices import PartnerRole
from partners.models import Partner
from portal.admin import (
    ReadOnlyAdminMixin,
    narrow_choices,
    narrow_formset_choices,
    submitted_pk,
)

from .models import (
    Activity,
    Application,
    Assessment,
    Attachment,
    BudgetLine,
    ClarificationRequest,
    Cofinancing,
    Decision,
    Deliverable,
    EligibilityScreening,
    Indicator,
    Score,
    SectionVersion,
    Snapshot,
    StatusChange,
    WorkPackage,
)
from .selectors import budget_overview


def partners_of(application_pk):
    """The partners of one dossier (none before the dossier exists), with the organisation
    that names each of them."""
    if application_pk is None:
        return Partner.objects.none()
    return Partner.objects.filter(application_id=application_pk).select_related("organisation")


# --- Application and its inlines -----------------------------------------------------------


class PartnerInlineFormSet(forms.BaseInlineFormSet):
    """A consortium has one lead partner; the database refuses a second one, this says so
    before it gets there."""

    def clean(self):
        super().clean()
        leads = [
            form
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("role") == PartnerRole.LEAD
        ]
        if len(leads) > 1:
            raise forms.ValidationError(
                _("Un dossier n'a qu'un seul chef de file ; %(count)d sont indiqués."),
                code="one_lead",
                params={"count": len(leads)},
            )


class PartnerInline(admin.TabularInline):
    model = Partner
    formset = PartnerInlineFormSet
    extra = 0
    fields = (
        "number",
        "organisation",
        "role",
        "contact_name",
        "contact_email",
        "contact_phone",
        "commitment_signed_at",
        "commitment_signed_by",
    )
    autocomplete_fields = ("organisation", "commitment_signed_by")
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("organisation", "commitment_signed_by")


class WorkPackageInline(admin.TabularInline):
    model = WorkPackage
    extra = 0
    fields = ("number", "title", "lead_partner", "start_month", "end_month")
    show_change_link = True

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        narrow_formset_choices(formset, "lead_partner", partners_of(obj.pk if obj else None))
        return formset


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0
    fields = ("code", "name", "kind", "unit", "target_value")


class AttachmentInline(admin.TabularInline):
    """Documents are uploaded from the portal; here they are listed, and each opens on its
    own page."""

    model = Attachment
    extra = 0
    fields = ("document_type", "partner", "original_name", "size_display", "uploaded_at")
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("document_type", "partner__organisation")
        )

    @admin.display(description=_("taille"))
    def size_display(self, obj: Attachment) -> str:
        return filesizeformat(obj.size)


class StatusChangeInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = StatusChange
    extra = 0
    fields = ("created_at", "from_status", "to_status", "actor", "comment")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class SectionVersionInline(ReadOnlyAdminMixin, admin.TabularInline):
    """Who saved each section last, and its version: read only, written by the autosave."""

    model = SectionVersion
    extra = 0
    fields = ("key", "version", "updated_by", "updated_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("updated_by")


class ClarificationRequestInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ClarificationRequest
    extra = 0
    fields = ("asked_at", "asked_by", "question", "sections", "answered_at", "answered_by")
    readonly_fields = fields


class ApplicationAdminForm(forms.ModelForm):
    """Measures, target groups and priorities offered are those of the call's programme."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        call_pk = submitted_pk(self, "call") or self.instance.call_id
        if call_pk:
            narrow_choices(self, "measure", Measure.objects.filter(axis__programme__calls=call_pk))
            narrow_choices(
                self, "target_groups", TargetGroup.objects.filter(programme__calls=call_pk)
            )
            narrow_choices(self, "priorities", Priority.objects.filter(programme__calls=call_pk))


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    form = ApplicationAdminForm
    list_display = (
        "reference",
        "acronym",
        "call",
        "lead_organisation",
        "status",
        "submitted_at",
    )
    list_filter = ("status", "call__programme__fund", "call")
    search_fields = ("reference", "acronym", "title", "partners__organisation__legal_name")
    date_hierarchy = "created_at"
    autocomplete_fields = ("call", "created_by")
    filter_horizontal = ("target_groups", "priorities")
    readonly_fields = ("status", "submitted_at", "created_at", "updated_at", "budget_overview")
    inlines = (
        PartnerInline,
        WorkPackageInline,
        IndicatorInline,
        AttachmentInline,
        StatusChangeInline,
        ClarificationRequestInline,
        SectionVersionInline,
    )
    fieldsets = (
        (
            None,
            {"fields": ("call", "measure", "reference", "acronym", "title", "created_by")},
        ),
        (
            _("État"),
            {
                "fields": ("status", "submitted_at", "created_at", "updated_at"),
                "description": _(
                    "L'état d'un dossier ne change que par les actions de l'instruction "
                    "(dépôt, recevabilité, décision…), qui en gardent l'historique."
                ),
            },
        ),
        (
            _("Projet"),
            {
                "fields": (
                    "summary",
                    "context",
                    "objectives",
                    "cross_border_added_value",
                    "target_groups",
                    "priorities",
                    "start_date",
                    "end_date",
                    "lump_sum",
                )
            },
        ),
        (
            _("Budget et plan de financement"),
            {
                "fields": ("budget_overview",),
                "description": _(
                    "Les lignes budgétaires et les cofinancements se saisissent par partenaire "
                    "(lien « lignes » de chaque partenaire)."
                ),
            },
        ),
        (_("Convention"), {"fields": ("contract_reference", "contract_signed_on")}),
    )

    def get_queryset(self, request):
        # The lead organisation column reads the prefetched partners: one query for all rows.
        partners = Partner.objects.select_related("organisation")
        return (
            super()
            .get_queryset(request)
            .select_related("call")
            .prefetch_related(Prefetch("partners", queryset=partners))
        )

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("created_by", request.user.pk)
        return initial

    @admin.display(description=_("budget par partenaire"))
    def budget_overview(self, obj: Application):
        if obj.pk is None:
            return "—"
        overview = budget_overview(application=obj)
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
            '<td><a href="{}">{}</a></td></tr>',
            (
                (
                    row.partner.organisation,
                    row.partner.get_role_display(),
                    money(row.budget),
                    money(row.resources),
                    percent(row.eu_rate),
                    reverse("admin:partners_partner_change", args=[row.partner.pk]),
                    _("lignes"),
                )
                for row in overview.partners
            ),
        )
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th>"
            "<th></th></tr></thead><tbody>{}</tbody><tfoot><tr><th>{}</th><th></th>"
            "<th>{}</th><th>{}</th><th>{}</th><th></th></tr></tfoot></table>",
            _("partenaire"),
            _("rôle"),
            _("coût total"),
            _("ressources"),
            _("taux UE"),
            rows,
            _("Total"),
            money(overview.budget),
            money(overview.resources),
            percent(overview.eu_rate),
        )

    @admin.display(description=_("chef de file"))
    def lead_organisation(self, obj: Application):
        lead = obj.lead_partner
        return lead.organisation if lead else "—"


# --- Sections ------------------------------------------------------------------------------


class ActivityInline(admin.TabularInline):
    model = Activity
    extra = 0
    fields = ("position", "title", "description", "start_month", "end_month")


class DeliverableInline(admin.TabularInline):
    model = Deliverable
    extra = 0
    fields = ("position", "title", "description", "due_month")


class WorkPackageAdminForm(forms.ModelForm):
    """The partner in charge is one of the dossier's partners."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        narrow_choices(
            self,
            "lead_partner",
            partners_of(submitted_pk(self, "application") or self.instance.application_id),
        )


@admin.register(WorkPackage)
class WorkPackageAdmin(admin.ModelAdmin):
    form = WorkPackageAdminForm
    list_display = ("application", "number", "title", "lead_partner", "start_month", "end_month")
    list_select_related = ("application", "lead_partner__organisation")
    search_fields = ("title", "application__reference", "application__acronym")
    autocomplete_fields = ("application",)
    inlines = (ActivityInline, DeliverableInline)


class BudgetLineAdminForm(forms.ModelForm):
    """A budget line's work package belongs to the same dossier as its partner."""

    def clean(self):
        cleaned = super().clean()
        partner = cleaned.get("partner")
        work_package = cleaned.get("work_package")
        if partner and work_package and work_package.application_id != partner.application_id:
            self.add_error(
                "work_package",
                _("Ce module appartient à un autre dossier que celui du partenaire."),
            )
        return cleaned


class PartnerLineAdmin(admin.ModelAdmin):
    """Shared by the lines that belong to one partner of one dossier."""

    list_select_related = ("partner__organisation", "partner__application")
    search_fields = (
        "partner__application__reference",
        "partner__organisation__legal_name",
        "description",
    )
    autocomplete_fields = ("partner",)

    @admin.display(description=_("dossier"), ordering="partner__application__reference")
    def application_reference(self, obj) -> str:
        return obj.partner.application.reference


@admin.register(BudgetLine)
class BudgetLineAdmin(PartnerLineAdmin):
    form = BudgetLineAdminForm
    list_display = (
        "application_reference",
        "partner",
        "cost_category",
        "year",
        "amount",
        "work_package",
    )
    list_filter = ("cost_category", "year")
    list_select_related = (*PartnerLineAdmin.list_select_related, "work_package")
    autocomplete_fields = ("partner", "work_package")


@admin.register(Cofinancing)
class CofinancingAdmin(PartnerLineAdmin):
    list_display = ("application_reference", "partner", "source", "funder", "amount", "is_secured")
    list_filter = ("source", "is_secured")
    search_fields = (
        "partner__application__reference",
        "partner__organisation__legal_name",
        "funder",
    )


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "application", "kind", "unit", "target_value")
    list_filter = ("kind",)
    list_select_related = ("application",)
    search_fields = ("name", "code", "application__reference")
    autocomplete_fields = ("application",)


class AttachmentAdminForm(forms.ModelForm):
    """The partner concerned is one of the dossier's partners."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        narrow_choices(self, "partner", partners_of(self.instance.application_id))


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    """Files are uploaded from the portal, which checks them and computes their size and
    fingerprint; here an officer may only correct the type or the partner concerned."""

    form = AttachmentAdminForm
    list_display = (
        "original_name",
        "document_type",
        "application",
        "partner",
        "size_display",
        "uploaded_by",
        "uploaded_at",
    )
    list_filter = ("document_type",)
    list_select_related = ("application", "document_type", "partner__organisation", "uploaded_by")
    search_fields = ("original_name", "application__reference")
    fields = (
        "application",
        "document_type",
        "partner",
        "file",
        "original_name",
        "content_type",
        "size_display",
        "sha256",
        "uploaded_by",
        "uploaded_at",
    )
    readonly_fields = (
        "application",
        "file",
        "original_name",
        "content_type",
        "size_display",
        "sha256",
        "uploaded_by",
        "uploaded_at",
    )

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("taille"), ordering="size")
    def size_display(self, obj: Attachment) -> str:
        return filesizeformat(obj.size)


# --- History and snapshots (written by the code only) ---------------------------------------


@admin.register(StatusChange)
class StatusChangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("application", "from_status", "to_status", "actor", "created_at")
    list_filter = ("to_status", "from_status")
    search_fields = ("application__reference", "comment")
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("application", "actor")


def pretty_json(value) -> str:
    return format_html(
        "<pre>{}</pre>", json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)
    )


@admin.register(Snapshot)
class SnapshotAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("application", "number", "sha256", "created_by", "created_at")
    search_fields = ("application__reference", "sha256")
    fields = (
        "application",
        "number",
        "sha256",
        "created_by",
        "created_at",
        "eligibility_results_display",
        "data_display",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("application", "created_by")

    @admin.display(description=_("résultats d'éligibilité"))
    def eligibility_results_display(self, obj: Snapshot) -> str:
        return pretty_json(obj.eligibility_results)

    @admin.display(description=_("contenu"))
    def data_display(self, obj: Snapshot) -> str:
        return pretty_json(obj.data)


# --- Review ----------------------------------------------------------------------------------


@admin.register(EligibilityScreening)
class EligibilityScreeningAdmin(admin.ModelAdmin):
    list_display = (
        "application",
        "rule",
        "engine_verdict",
        "officer_verdict",
        "is_override",
        "officer",
        "decided_at",
    )
    list_filter = ("officer_verdict", "engine_verdict")
    list_select_related = ("application", "rule__call", "officer")
    search_fields = ("application__reference", "justification")
    autocomplete_fields = ("application", "rule", "officer")

    def get_readonly_fields(self, request, obj=None):
        # The engine's verdict is frozen at submission: set once, never changed after.
        if obj is None:
            return ("decided_at",)
        return ("application", "rule", "engine_verdict", "decided_at")

    @admin.display(description=_("verdict corrigé"), boolean=True)
    def is_override(self, obj: EligibilityScreening) -> bool:
        return obj.is_override


class ScoreInline(admin.TabularInline):
    model = Score
    extra = 0
    fields = ("criterion", "score", "comment")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        if obj is None:
            criteria = AssessmentCriterion.objects.none()
        else:
            criteria = AssessmentCriterion.objects.filter(call__applications__assessments=obj.pk)
        narrow_formset_choices(formset, "criterion", criteria)
        return formset


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ("application", "assessor", "status", "assigned_at", "submitted_at")
    list_filter = ("status",)
    search_fields = (
        "application__reference",
        "assessor__email",
        "assessor__first_name",
        "assessor__last_name",
    )
    autocomplete_fields = ("application", "assessor", "assigned_by")
    readonly_fields = ("assigned_at",)
    inlines = (ScoreInline,)

    def get_queryset(self, request):
        # An assessment is named after its dossier and assessor (autocomplete, change page).
        return super().get_queryset(request).select_related("application", "assessor")


class ScoreAdminForm(forms.ModelForm):
    """The criterion is one of the call the assessed dossier answers."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        assessment_pk = submitted_pk(self, "assessment") or self.instance.assessment_id
        if assessment_pk:
            narrow_choices(
                self,
                "criterion",
                AssessmentCriterion.objects.filter(call__applications__assessments=assessment_pk),
            )


@admin.register(Score)
class ScoreAdmin(admin.ModelAdmin):
    form = ScoreAdminForm
    list_display = ("assessment", "criterion", "score")
    list_select_related = ("assessment__application", "assessment__assessor", "criterion")
    search_fields = ("assessment__application__reference", "criterion__name", "comment")
    autocomplete_fields = ("assessment",)


@admin.register(Decision)
class DecisionAdmin(admin.ModelAdmin):
    list_display = ("application", "outcome", "amount_granted", "decided_on", "decided_by")
    list_filter = ("outcome",)
    list_select_related = ("application", "decided_by")
    search_fields = ("application__reference", "committee")
    date_hierarchy = "decided_on"
    autocomplete_fields = ("application", "decided_by")
    readonly_fields = ("created_at",)
