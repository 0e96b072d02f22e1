"""Work packages (with their activities and deliverables) and indicators: shared sections,
edited by the lead's members; a work package's activities and deliverables also by the
members of the partner that leads it.

Every list is a formset: one row per line plus a blank one to fill, each row deletable. The
choices of a row (the lead partner among the dossier's partners) come from the partners the
page has already loaded, so a page costs the same number of queries for 2 partners or 20,
for 2 lines or 20.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from .. import sections
from ..forms import ActivityFormSet, DeliverableFormSet, IndicatorFormSet, WorkPackageFormSet
from ..models import WorkPackage
from .base import SectionView


class WorkPackagesView(SectionView):
    """The list of work packages: number, title, description, lead partner, months."""

    section = sections.WORK_PACKAGES
    template_name = "applications/sections/work_packages.html"
    form_template = "applications/sections/_work_packages_form.html"

    def version_key(self) -> str:
        return "work_packages"

    def build_forms(self, data=None, files=None) -> dict:
        return {
            "formset": WorkPackageFormSet(
                data,
                instance=self.application,
                prefix="wp",
                form_kwargs={
                    "partners": self.access.partners,
                    "duration": self.application.duration_months,
                },
            )
        }


class WorkPackageView(SectionView):
    """One work package's activities and deliverables, two lists saved together."""

    section = sections.WORK_PACKAGES
    template_name = "applications/sections/work_package.html"
    form_template = "applications/sections/_work_package_form.html"

    @cached_property
    def work_package(self) -> WorkPackage:
        work_package = WorkPackage.objects.filter(
            application=self.application, number=self.kwargs["number"]
        ).first()
        if work_package is None:
            raise Http404
        return work_package

    @cached_property
    def lead_partner(self):
        """The work package's lead partner, taken from the partners already loaded."""
        lead_id = self.work_package.lead_partner_id
        return next((p for p in self.access.partners if p.pk == lead_id), None)

    def version_key(self) -> str:
        return f"wp-{self.work_package.pk}"

    def can_edit(self) -> bool:
        # The lead's members (shared section) and the members of the partner leading
        # this work package.
        if self.access.can_edit_shared:
            return True
        return self.lead_partner is not None and self.access.can_edit_partner(self.lead_partner)

    def read_only_reason(self) -> str:
        if not self.access.is_editable:
            return super().read_only_reason()
        return _(
            "Les activités et les livrables de ce module sont remplis par le chef de file et "
            "par le partenaire responsable du module : vous pouvez les lire."
        )

    def build_forms(self, data=None, files=None) -> dict:
        duration = self.application.duration_months
        return {
            "activities": ActivityFormSet(
                data,
                instance=self.work_package,
                prefix="activities",
                form_kwargs={"duration": duration},
            ),
            "deliverables": DeliverableFormSet(
                data,
                instance=self.work_package,
                prefix="deliverables",
                form_kwargs={"duration": duration},
            ),
        }

    def extra_context(self) -> dict:
        return {"work_package": self.work_package, "work_package_lead": self.lead_partner}


class IndicatorsView(SectionView):
    """The dossier's indicators with their targets."""

    section = sections.INDICATORS
    template_name = "applications/sections/indicators.html"
    form_template = "applications/sections/_indicators_form.html"

    def version_key(self) -> str:
        return "indicators"

    def build_forms(self, data=None, files=None) -> dict:
        return {"formset": IndicatorFormSet(data, instance=self.application, prefix="indicators")}
