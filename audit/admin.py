"""The audit log in the admin: read only. Nobody adds, changes or deletes an event, not
even a superuser; the list is filtered and searched."""

from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "actor_label", "action", "subject_type", "subject_ref", "ip_address")
    list_filter = ("action", "authority")
    search_fields = ("actor_label", "subject_ref", "ip_address")
    date_hierarchy = "at"
    list_select_related = ()
    actions = None
    readonly_fields = [field.name for field in AuditEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
