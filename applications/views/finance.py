"""Budget and co-financing plan, in total and per partner. (Being built.)"""

from django.http import Http404

from .. import sections
from .base import SectionView


class _Todo(SectionView):
    def get(self, *args, **kwargs):
        raise Http404


class BudgetView(_Todo):
    section = sections.BUDGET


class PartnerBudgetView(_Todo):
    section = sections.BUDGET


class CofinancingView(_Todo):
    section = sections.COFINANCING


class PartnerCofinancingView(_Todo):
    section = sections.COFINANCING
