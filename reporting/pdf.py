"""HTML to PDF with WeasyPrint, inside the portal's own walls.

Templates under ``templates/pdf/`` are rendered by Django, then by WeasyPrint with:

- the portal's own fonts (``static/fonts``, declared by ``@font-face`` in
  ``static/pdf/document.css``): the same glyphs on every machine, whatever it has installed;
- a URL fetcher that reads nothing but files under the portal's static folders and media
  folder, and ``data:`` URIs: no network, no ``/etc/passwd``, whatever a template or a
  dossier's text contains;
- a tagged PDF (structure, title, language) by default, or the PDF/A-3u variant for
  archiving.

Only this module imports WeasyPrint, and only when a document is rendered: web processes
never pay for it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders

ARCHIVE_VARIANT = "pdf/a-3u"


class ResourceRefused(ValueError):
    """A template asked for a file outside the portal's static and media folders, or for a
    URL: WeasyPrint leaves the resource out (and logs it)."""


def allowed_roots() -> list[Path]:
    """The folders WeasyPrint may read from: the static folders and the media folder."""
    roots = [Path(folder) for folder in settings.STATICFILES_DIRS]
    roots += [Path(settings.STATIC_ROOT), Path(settings.MEDIA_ROOT)]
    return [root.resolve() for root in roots]


def is_allowed_file(path: Path) -> bool:
    resolved = path.resolve()
    return any(resolved.is_relative_to(root) for root in allowed_roots())


def static_url(relative: str) -> str:
    """The ``file://`` URL of a static file (``pdf/document.css``), as WeasyPrint reads it."""
    found = finders.find(relative)
    if not found:
        raise FileNotFoundError(relative)
    return Path(found).resolve().as_uri()


def _fetcher_class():
    from weasyprint.urls import URLFetcher

    class PortalURLFetcher(URLFetcher):
        """``file:`` URLs under the allowed roots and ``data:`` URIs; anything else is
        refused."""

        def __init__(self):
            super().__init__(timeout=5, allowed_protocols={"file", "data"})

        def fetch(self, url, headers=None):
            scheme = urlsplit(url).scheme.lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme != "file":
                raise ResourceRefused(f"Ressource refusée (hors du portail) : {url[:200]}")
            path = Path(unquote(urlsplit(url).path))
            if not is_allowed_file(path):
                raise ResourceRefused(f"Fichier refusé (hors du portail) : {url[:200]}")
            return super().fetch(url, headers)

    return PortalURLFetcher


def url_fetcher():
    """A fresh fetcher of the portal (WeasyPrint's fetchers keep per-request state)."""
    return _fetcher_class()()


@dataclass
class Rendered:
    """A rendered PDF with how long each step took (the bench reads them)."""

    content: bytes
    pages: int
    layout_seconds: float
    write_seconds: float


def html_to_pdf(html: str, *, archive: bool = False) -> Rendered:
    """The PDF of ``html`` (a whole document rendered from ``templates/pdf/``): tagged, or
    PDF/A-3u when ``archive``. Relative URLs resolve against the static folder."""
    from weasyprint import HTML

    base_url = Path(settings.STATICFILES_DIRS[0]).resolve().as_uri() + "/"
    started = time.perf_counter()
    document = HTML(string=html, base_url=base_url, url_fetcher=url_fetcher()).render()
    laid_out = time.perf_counter()
    options = {"pdf_tags": True}
    if archive:
        options = {"pdf_variant": ARCHIVE_VARIANT, "pdf_tags": True}
    content = document.write_pdf(**options)
    written = time.perf_counter()
    return Rendered(
        content=content,
        pages=len(document.pages),
        layout_seconds=laid_out - started,
        write_seconds=written - laid_out,
    )
