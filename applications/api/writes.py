"""What a client writes to a dossier through the API (filled in by the writes work)."""

from __future__ import annotations


class ApplicationWritesMixin:
    """The write actions of ``ApplicationViewSet``: each through the pages' services."""
