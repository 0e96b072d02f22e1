"""The consortium: partners, invitations, each partner's identity and commitment letter.
(Being built.)"""

from django.http import Http404

from .. import sections
from .base import SectionView


def _todo(*args, **kwargs):
    raise Http404


consortium = invite = invitation_cancel = commitment = remove = make_lead = accept = _todo


class PartnerView(SectionView):
    section = sections.CONSORTIUM

    def get(self, *args, **kwargs):
        raise Http404
