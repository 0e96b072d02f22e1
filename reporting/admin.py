"""Admin of progress reports and of the documents the workers render.

A report's status changes only through its workflow, which writes the
``ReportStatusChange`` rows; generated documents are written by the workers only.
"""

from django.contrib import admin
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from applications.models import Indicator, WorkPackage
from partners.models import Partner
from portal.admin import ReadOnlyAdminMixin, narrow_formset_choices

from .models import (
    Expenditure,
    GeneratedDocument,
    IndicatorProgress,
    ProgressReport,
    ReportAttachment,
    ReportStatusChange,
    WorkPackageProgress,
)


class ApplicationRowsInline(admin.TabularInline):
    """An inline whose foreign key ``scoped_field`` points at rows of the report's dossier:
    only those are offered."""

    extra = 0
    scoped_field: str
    scoped_model: type

    def scoped_queryset(self, report):
        if report is None:
            return self.scoped_model.objects.none()
        return self.scoped_model.objects.filter(application_id=report.application_id)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        narrow_formset_choices(formset, self.scoped_field, self.scoped_queryset(obj))
        return formset


class WorkPackageProgressInline(ApplicationRowsInline):
    model = WorkPackageProgress
    fields = ("work_package", "state", "narrative")
    scoped_field = "work_package"
    scoped_model = WorkPackage


class IndicatorProgressInline(ApplicationRowsInline):
    model = IndicatorProgress
    fields = ("indicator", "value_reached", "comment")
    scoped_field = "indicator"
    scoped_model = Indicator


class ExpenditureInline(ApplicationRowsInline):
    model = Expenditure
    fields = ("partner", "cost_category", "description", "amount")
    scoped_field = "partner"
    scoped_model = Partner

    def scoped_queryset(self, report):
        return super().scoped_queryset(report).select_related("organisation")


class ReportStatusChangeInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ReportStatusChange
    extra = 0
    fields = ("created_at", "from_status", "to_status", "actor", "comment")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class ReportAttachmentInline(ReadOnlyAdminMixin, admin.TabularInline):
    """The report's attachments, read only: they are joined and removed on the report's
    page, through the upload checks."""

    model = ReportAttachment
    extra = 0
    fields = ("title", "original_name", "content_type", "size", "sha256", "uploaded_by",
              "uploaded_at")  # fmt: skip
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")


@admin.register(ProgressReport)
class ProgressReportAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "period_start",
        "period_end",
        "due_date",
        "is_final",
        "status",
        "submitted_at",
    )
    list_filter = ("status", "is_final", "application__call__programme")
    search_fields = ("application__reference", "application__acronym")
    date_hierarchy = "due_date"
    autocomplete_fields = ("application",)
    readonly_fields = ("status", "submitted_at", "created_at", "updated_at")
    inlines = (
        WorkPackageProgressInline,
        IndicatorProgressInline,
        ExpenditureInline,
        ReportAttachmentInline,
        ReportStatusChangeInline,
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "application",
                    "number",
                    "period_start",
                    "period_end",
                    "due_date",
                    "report_date",
                    "is_final",
                )
            },
        ),
        (_("État"), {"fields": ("status", "submitted_at", "created_at", "updated_at")}),
        (_("Contenu"), {"fields": ("overall_progress", "results", "added_value")}),
    )

    def get_queryset(self, request):
        # A report is named after its dossier (changelist, change page).
        return super().get_queryset(request).select_related("application")


@admin.register(ReportStatusChange)
class ReportStatusChangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("report", "from_status", "to_status", "actor", "created_at")
    list_filter = ("to_status", "from_status")
    search_fields = ("report__application__reference", "comment")
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("report__application", "actor")


@admin.register(GeneratedDocument)
class GeneratedDocumentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "kind",
        "status",
        "subject",
        "requested_by",
        "requested_at",
        "size_display",
    )
    list_filter = ("kind", "status")
    search_fields = (
        "application__reference",
        "report__application__reference",
        "call__reference",
        "programme__name",
        "task_id",
    )
    date_hierarchy = "requested_at"
    fields = (
        "kind",
        "status",
        "subject",
        "application",
        "snapshot",
        "report",
        "call",
        "programme",
        "language",
        "parameters",
        "file",
        "size_display",
        "sha256",
        "progress",
        "attempts",
        "error",
        "task_id",
        "requested_by",
        "requested_at",
        "started_at",
        "finished_at",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related(
                "application",
                "snapshot__application",
                "report__application",
                "call",
                "programme",
                "requested_by",
            )
        )

    @admin.display(description=_("objet"))
    def subject(self, obj: GeneratedDocument):
        return obj.report or obj.application or obj.call or obj.programme or "—"

    @admin.display(description=_("taille"), ordering="size")
    def size_display(self, obj: GeneratedDocument) -> str:
        return filesizeformat(obj.size) if obj.size is not None else "—"
