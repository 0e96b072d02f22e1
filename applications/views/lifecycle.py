"""Start a dossier from a call, submit it, withdraw it, copy it. (Being built.)"""

from django.http import Http404


def _todo(*args, **kwargs):
    raise Http404


start = submit = withdraw = copy = _todo
