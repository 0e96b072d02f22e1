"""(Being built.)"""

from django.http import Http404


def _todo(*args, **kwargs):
    raise Http404


queue = export_csv = bulk_assign = _todo
