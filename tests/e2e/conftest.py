"""The browser of the end-to-end tests: Debian's chromium driven by Playwright.

Playwright's sync API runs an event loop in the test's thread, and Django's ORM refuses to
run in a thread with a running loop. The tests only read and write rows between browser
steps, never while the page waits on them, so the check is lifted for the browser tests
(``DJANGO_ALLOW_ASYNC_UNSAFE``, as Django documents for such cases); the live server answers
from its own threads."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import require
from tests.reporting.test_document_worker import queue  # noqa: F401 (a worker's queue)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(autouse=True)
def _orm_beside_playwright(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def browser_page():
    require(
        bool(shutil.which("chromium")) or Path(CHROMIUM).exists(),
        "Debian's chromium is needed for the browser tests",
    )
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        context.close()
        browser.close()
