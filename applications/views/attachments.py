"""Attachments: upload (type checked by content, size limited per call), download
(permission-checked), delete. (Being built.)"""

from django.http import Http404


def _todo(*args, **kwargs):
    raise Http404


attachments = download = delete = _todo
