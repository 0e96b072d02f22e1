"""The machinery every section page of a dossier shares: access (404 for those who may not
see the dossier), the side menu and the eligibility checklist, and the autosave protocol.

Autosave. Every section form carries the version of the section it was built from. htmx
posts the form when a field changes (and while typing, after a pause); without JavaScript
the "Enregistrer" button posts the same form. The save goes through
``services.section_save``: a compare-and-set on the section's version, so a second person
who edited the same section from the same version is told who saved it and when, and their
entries are kept in the form, never silently overwritten nor lost.

Responses to htmx: on success, only the save status, the new version and the checklist are
swapped (the fields the user is typing in are left alone); when the rows of a list changed
(a line added or deleted) or on an error or a conflict, the whole form is swapped (htmx
keeps the focus on the field with the same id). Responses without JavaScript follow
post/redirect/get on success and render the page with the errors otherwise.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views import View

from calls.eligibility import check_application

from .. import sections
from ..permissions import DossierAccess, dossier_access
from ..services import SectionConflict, ServiceRefused, section_save, section_version

STATUS_INVALID = 422
STATUS_CONFLICT = 409


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


class DossierMixin(LoginRequiredMixin):
    """Loads the dossier for the logged-in user (404 when they may not see it) and builds the
    layout's context: side menu with completion marks, eligibility checklist."""

    section: str = sections.IDENTIFICATION
    raise_exception = False

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            if is_htmx(request):
                return _session_expired()
            return self.handle_no_permission()
        self.access: DossierAccess = dossier_access(request.user, kwargs["reference"])
        # While a clarification is requested, only the reopened sections are editable.
        self.access.section = self.section
        self.application = self.access.application
        return super().dispatch(request, *args, **kwargs)

    def layout_context(self) -> dict:
        outcome = check_application(self.application)
        return {
            "access": self.access,
            "application": self.application,
            "call": self.application.call,
            "menu": sections.section_menu(self.access, outcome=outcome, current=self.section),
            "checklist": sections.checklist_items(self.application, outcome),
            "outcome": outcome,
            "current_section": sections.SECTION_BY_KEY.get(self.section),
        }


def _session_expired() -> HttpResponse:
    """An autosave after the session ended: nothing is saved, the page says so and keeps
    the entries (htmx does not swap a 401)."""
    response = HttpResponse(
        _("Votre session a expiré : reconnectez-vous dans un autre onglet, puis enregistrez."),
        status=401,
    )
    response["HX-Trigger"] = "session-expired"
    return response


class SectionView(DossierMixin, View):
    """A section page with one form (or several: formsets) saved as one, with a version.

    Subclasses set ``section``, ``template_name`` and ``form_template`` and implement
    ``version_key()``, ``can_edit()``, ``build_forms(data, files)`` (a dict of forms and
    formsets) and ``write(forms)``. ``structural_change(forms)`` says whether rows were
    added or removed (then the whole form is swapped after an htmx save)."""

    template_name: str = ""
    form_template: str = ""
    oob_templates: tuple[str, ...] = ("applications/_checklist_oob.html",)
    # The section's free texts: no eligibility rule reads them, and the completion marks
    # read only whether they are filled. An autosave that changes only these, filling or
    # emptying none, leaves the checklist and the menu as they were: it answers with the
    # status alone, without reading them again (they were half of an autosave's cost).
    free_text_fields: frozenset[str] = frozenset()

    def version_key(self) -> str:
        return self.section

    def can_edit(self) -> bool:
        return self.access.can_edit_shared

    def build_forms(self, data=None, files=None) -> dict:
        raise NotImplementedError

    def write(self, forms: dict) -> None:
        for form in forms.values():
            save_form(form)

    def structural_change(self, forms: dict) -> bool:
        for form in forms.values():
            if hasattr(form, "deleted_forms") and (
                form.deleted_forms or any(f.has_changed() and not f.instance.pk for f in form)
            ):
                return True
            if getattr(form, "adds_row", False):
                return True
        return False

    def extra_context(self) -> dict:
        return {}

    def layout_unchanged_by(self, forms: dict) -> bool:
        """Whether saving these (valid) forms can change neither the checklist nor the menu:
        only free texts changed, and none went from empty to filled or back."""
        if not self.free_text_fields:
            return False
        for form in forms.values():
            if hasattr(form, "management_form"):
                return False
            for name in form.changed_data:
                if name not in self.free_text_fields:
                    return False
                if bool(form.initial.get(name)) != bool(form.cleaned_data.get(name)):
                    return False
        return True

    def read_only_reason(self) -> str:
        if not self.access.is_editable:
            if self.access.clarification is not None:
                return _(
                    "La demande de compléments du service instructeur ne rouvre pas cette "
                    "section : elle se lit, elle ne se modifie pas."
                )
            return _(
                "Ce dossier est à l'état « %(status)s » : il se lit, il ne se modifie plus."
            ) % {"status": self.application.get_status_display()}
        return _("Cette section est remplie par d'autres partenaires : vous pouvez la lire.")

    # --- rendering ------------------------------------------------------------------------

    def context(self, forms: dict, **extra) -> dict:
        editable = self.can_edit()
        if not editable:
            for form in forms.values():
                _disable(form)
        context = {
            **self.layout_context(),
            "forms": forms,
            **forms,
            "editable": editable,
            "read_only_reason": "" if editable else self.read_only_reason(),
            "version": extra.pop("version", None)
            if "version" in extra
            else section_version(application=self.application, key=self.version_key()),
            "form_template": self.form_template,
            "form_action": self.request.path,
            **self.extra_context(),
            **extra,
        }
        return context

    def get(self, request, *args, **kwargs):
        return render(request, self.template_name, self.context(self.build_forms()))

    def post(self, request, *args, **kwargs):
        if not self.can_edit():
            return self._forbidden()
        forms = self.build_forms(request.POST, request.FILES)
        try:
            version = int(request.POST.get("version", ""))
        except ValueError:
            version = -1
        explicit = not is_htmx(request) or "save" in request.POST or "save_and_next" in request.POST
        if not all(form.is_valid() for form in forms.values()):
            if not explicit:
                # An autosave of a half-typed entry: the form is left as the user types it,
                # the status says what is not saved yet and why.
                return self._respond_unsaved(forms)
            return self._respond_form(forms, status=STATUS_INVALID)
        structural = self.structural_change(forms)
        layout_unchanged = self.layout_unchanged_by(forms)
        try:
            new_version = section_save(
                application=self.application,
                key=self.version_key(),
                version=version,
                actor=request.user,
                write=lambda: self.write(forms),
                section=self.section,
            )
        except SectionConflict as conflict:
            return self._respond_form(
                forms,
                status=STATUS_CONFLICT,
                conflict=conflict,
                version=conflict.version,
            )
        except ServiceRefused as refusal:
            messages.error(request, refusal.message)
            return HttpResponseRedirect(request.path)
        saved_at = formats.time_format(timezone.localtime(), "H:i")
        if is_htmx(request):
            if "save_and_next" in request.POST:
                response = HttpResponse()
                response["HX-Redirect"] = self.success_url()
                return response
            if structural:
                return self._respond_form(
                    self.build_forms(), status=200, version=new_version, saved_at=saved_at
                )
            return self._respond_status(new_version, saved_at, layout=not layout_unchanged)
        messages.success(request, _("Section enregistrée à %(time)s.") % {"time": saved_at})
        return HttpResponseRedirect(self.success_url())

    def success_url(self) -> str:
        if "save_and_next" in self.request.POST:
            keys = [section.key for section in sections.SECTIONS]
            index = keys.index(self.section)
            if index + 1 < len(keys):
                return sections.section_url(keys[index + 1], self.application)
        return self.request.path

    def _has_errors(self, forms: dict) -> bool:
        for form in forms.values():
            if hasattr(form, "total_error_count"):
                if form.total_error_count():
                    return True
            elif form.errors:
                return True
        return False

    def _respond_form(self, forms: dict, *, status: int, **extra) -> HttpResponse:
        context = self.context(forms, **extra)
        if is_htmx(self.request):
            body = render_to_string(self.form_template, context, request=self.request)
            body += self._oob(context)
            response = HttpResponse(body, status=status)
            response["HX-Retarget"] = "#section-form"
            response["HX-Reswap"] = "outerHTML"
            return response
        return render(self.request, self.template_name, context, status=status)

    def _respond_unsaved(self, forms: dict) -> HttpResponse:
        errors = []
        for form in forms.values():
            rows = getattr(form, "forms", None)
            if rows is None:
                rows = [form]
            else:
                errors.extend(form.non_form_errors())
            for row in rows:
                for name, field_errors in row.errors.items():
                    label = row.fields[name].label if name in row.fields else ""
                    errors.extend(
                        f"{label} : {error}" if label else error for error in field_errors
                    )
        body = render_to_string(
            "applications/_autosave_status.html", {"unsaved_errors": errors}, request=self.request
        )
        return HttpResponse(body)

    def _respond_status(self, version: int, saved_at: str, *, layout: bool = True) -> HttpResponse:
        """The autosave's answer: the status and the new version; with ``layout``, the
        checklist, the menu and the section's other blocks again (out of band)."""
        if not layout:
            context = {"version": version, "saved_at": saved_at}
            return HttpResponse(
                render_to_string(
                    "applications/_autosave_status.html", context, request=self.request
                )
            )
        context = {
            **self.layout_context(),
            **self.extra_context(),
            "version": version,
            "saved_at": saved_at,
        }
        body = render_to_string("applications/_autosave_status.html", context, request=self.request)
        body += self._oob(context)
        return HttpResponse(body)

    def _oob(self, context: dict) -> str:
        return "".join(
            render_to_string(name, context, request=self.request) for name in self.oob_templates
        )

    def _forbidden(self) -> HttpResponse:
        message = self.read_only_reason()
        if is_htmx(self.request):
            return HttpResponse(message, status=403)
        messages.error(self.request, message)
        return render(
            self.request, self.template_name, self.context(self.build_forms()), status=403
        )


def _disable(form) -> None:
    """Show a form read-only: every field disabled (and so ignored if posted)."""
    for sub in getattr(form, "forms", None) or [form]:
        for field in sub.fields.values():
            field.disabled = True
    if hasattr(form, "management_form"):
        form.can_delete = False


def save_form(form) -> None:
    """Save a form of a section: a formset as usual; a model form writes only its own
    columns (``update_fields``), so that two sections of the same dossier saved at the same
    time never overwrite each other with stale values."""
    if hasattr(form, "management_form") or form.instance.pk is None:
        form.save()
        return
    instance = form.save(commit=False)
    columns = [
        name
        for name in form.cleaned_data
        if name in form.fields and not instance._meta.get_field(name).many_to_many
    ]
    if columns:
        instance.save(update_fields=columns)
    form.save_m2m()
