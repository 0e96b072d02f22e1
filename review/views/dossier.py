"""(Being built.)"""

from django.http import Http404


def _todo(*args, **kwargs):
    raise Http404


dossier = snapshot = _todo
