"""The shared sections of a dossier, edited by the lead's members: identification, context
and objectives, priorities and target groups; and the dossier's overview page."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views import View

from .. import sections
from ..forms import ContextForm, IdentificationForm, PrioritiesForm
from ..selectors import budget_overview
from .base import DossierMixin, SectionView


class OverviewView(DossierMixin, View):
    """The dossier at a glance: status, sections and their marks, budget in total, what
    is missing, the history of its states."""

    section = "overview"  # not a section of the menu: no item is the current page

    def get(self, request, reference):
        context = {
            **self.layout_context(),
            "overview": budget_overview(application=self.application),
            "status_changes": list(
                self.application.status_changes.select_related("actor").order_by("created_at")
            ),
        }
        context["current_section"] = {"label": _("Vue d'ensemble")}
        return render(request, "applications/overview.html", context)


class IdentificationView(SectionView):
    section = sections.IDENTIFICATION
    template_name = "applications/sections/identification.html"
    form_template = "applications/sections/_identification_form.html"

    def build_forms(self, data=None, files=None):
        return {
            "form": IdentificationForm(
                data, instance=self.application, call=self.application.call, prefix=None
            )
        }


class ContextView(SectionView):
    section = sections.CONTEXT
    template_name = "applications/sections/context.html"
    form_template = "applications/sections/_context_form.html"
    free_text_fields = frozenset(ContextForm.Meta.fields)  # all three are free texts

    def build_forms(self, data=None, files=None):
        return {"form": ContextForm(data, instance=self.application)}


class PrioritiesView(SectionView):
    section = sections.PRIORITIES
    template_name = "applications/sections/priorities.html"
    form_template = "applications/sections/_priorities_form.html"

    def build_forms(self, data=None, files=None):
        return {"form": PrioritiesForm(data, instance=self.application, call=self.application.call)}
