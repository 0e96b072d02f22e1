"""Work packages (with activities and deliverables) and indicators. (Being built.)"""

from django.http import Http404

from .. import sections
from .base import SectionView


class _Todo(SectionView):
    def get(self, *args, **kwargs):
        raise Http404


class WorkPackagesView(_Todo):
    section = sections.WORK_PACKAGES


class WorkPackageView(_Todo):
    section = sections.WORK_PACKAGES


class IndicatorsView(_Todo):
    section = sections.INDICATORS
