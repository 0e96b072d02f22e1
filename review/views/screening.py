"""(Being built.)"""

from django.http import Http404


def _todo(*args, **kwargs):
    raise Http404


screening = clarification = _todo
