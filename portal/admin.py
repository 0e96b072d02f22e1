"""Admin of the accounts: people log in with their e-mail address, there is no username.

Also names the admin site for the programme officers who use it, and holds the few helpers
the other apps' admins share.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.contrib.auth.forms import UserCreationForm as DjangoUserCreationForm
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.models import TokenProxy

from .models import User

admin.site.site_header = _("Portail des fonds européens — administration")
admin.site.site_title = _("Portail des fonds européens — administration")
admin.site.index_title = _("Portail des fonds européens — administration")


# --- Helpers shared by the apps' admins ----------------------------------------------------


def submitted_pk(form: forms.BaseForm, field_name: str) -> int | None:
    """The primary key a bound form received for ``field_name``, or None."""
    if not form.is_bound:
        return None
    try:
        return int(form.data.get(form.add_prefix(field_name)))
    except (TypeError, ValueError):
        return None


def narrow_choices(form: forms.BaseForm, field_name: str, queryset) -> None:
    """Offer only ``queryset`` in a model choice field (when the form shows the field)."""
    field = form.fields.get(field_name)
    if field is not None:
        field.queryset = queryset


class ChoiceLabelsMixin:
    """Loads the rows a foreign key's choices need for their labels together with them, so
    that a select does not run one query per option (``Partner`` is labelled with its
    organisation, ``Axis`` with its programme...).

    ``choice_select_related`` maps a foreign key's name to the relations to follow.
    """

    choice_select_related: dict[str, tuple[str, ...]] = {}

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = self.choice_select_related.get(db_field.name)
        if related and "queryset" not in kwargs:
            manager = db_field.remote_field.model._default_manager
            kwargs["queryset"] = manager.select_related(*related)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class EmailIsUniqueMixin:
    """The e-mail address is the login: stored in lower case (as ``UserManager`` does) and
    unique whatever its case, with a message a person understands rather than the name of
    the database constraint."""

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        others = User.objects.filter(email__iexact=email)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(
                _("Un compte existe déjà avec l'adresse %(email)s."),
                code="unique",
                params={"email": email},
            )
        return email


class UserCreationForm(EmailIsUniqueMixin, DjangoUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "first_name", "last_name")


class UserChangeForm(EmailIsUniqueMixin, DjangoUserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            _("Identité"),
            {"fields": ("first_name", "last_name", "phone", "preferred_language")},
        ),
        (
            _("Droits"),
            {
                "fields": (
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                )
            },
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "first_name", "last_name", "password1", "password2"),
            },
        ),
    )
    list_display = ("email", "first_name", "last_name", "is_staff", "is_active", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups")
    search_fields = ("email", "first_name", "last_name")
    ordering = ("last_name", "first_name", "email")
    readonly_fields = ("last_login", "date_joined")


def narrow_formset_choices(formset_class, field_name: str, queryset) -> None:
    """Offer only ``queryset`` in a model choice field of every form of an inline formset
    class (as built by ``InlineModelAdmin.get_formset``, a fresh class each time)."""
    field = formset_class.form.base_fields.get(field_name)
    if field is not None:
        field.queryset = queryset


class HttpsUrlsMixin:
    """Web addresses typed without a scheme are read as https:// (Django 6's default)."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class ReadOnlyAdminMixin:
    """For rows written by the code only (audit trails, frozen snapshots, rendered
    documents): they can be looked at, never added, changed or deleted through the admin."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# The API's tokens are secrets: DRF's admin would list them in clear. A user revokes theirs
# through the API (DELETE /api/v1/auth/token/); an administrator disables the account.
if admin.site.is_registered(TokenProxy):
    admin.site.unregister(TokenProxy)
