"""The Content-Security-Policy enforced in a real chromium: the main pages, as a visitor, an
applicant, an officer, an assessor and a staff member in the admin, load without a single
violation (``securitypolicyviolation`` events and the console's CSP and Permissions-Policy
errors are collected), with the portal's scripts running; and the JavaScript features work
under the policy: the dossier's autosave (htmx posting the section form, its status swapped
in) and a document's status polled by htmx until the PDF is ready.

A control proves the collection works: an inline script and an inline style put into a page
are blocked and reported."""

from __future__ import annotations

import hashlib

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from applications.models import Application
from reporting.choices import DocumentKind, DocumentStatus
from reporting.models import GeneratedDocument
from tests import factories as f
from tests.e2e.conftest import _orm_beside_playwright, browser_page  # noqa: F401 (fixtures)
from tests.reporting.test_reports_services import draft, running  # noqa: F401 (fixtures)
from tests.security.test_headers import PDF, world  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser

# Runs before any script of the page (Playwright's init scripts are not subject to the
# page's policy): every violation the browser reports is kept for the test to read.
COLLECT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(
    event.effectiveDirective + " blocked " + (event.blockedURI || "inline") + " at " +
    (event.sourceFile || "?") + ":" + event.lineNumber
  );
});
"""


class Tab:
    """One signed-in (or anonymous) browser tab that records what the policy refuses."""

    def __init__(self, browser, base: str, user=None):
        self.base = base
        self.context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
        self.context.add_init_script(COLLECT_VIOLATIONS)
        if user is not None:
            client = Client()
            client.force_login(user)
            self.context.add_cookies(
                [
                    {
                        "name": settings.SESSION_COOKIE_NAME,
                        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                        "url": base,
                    }
                ]
            )
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.console: list[str] = []
        self.errors: list[str] = []
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _on_console(self, message) -> None:
        text = message.text
        if any(
            marker in text
            for marker in ("Content Security Policy", "Permissions-Policy", "Refused to")
        ):
            self.console.append(text)

    def open(self, address: str) -> list[str]:
        """Load the page; the violations, CSP console errors and script errors it caused."""
        response = self.page.goto(self.base + address)
        assert response is not None and response.headers.get("content-security-policy")
        self.page.wait_for_load_state("load")
        self.page.wait_for_timeout(250)  # violations are reported in a task of their own
        return self.problems()

    def problems(self) -> list[str]:
        return self.page.evaluate("window.__cspViolations") + self.console + self.errors

    def close(self) -> None:
        self.context.close()


def assert_clean_pages(tab: Tab, addresses: dict[str, str]) -> None:
    problems = {}
    for name, address in addresses.items():
        found = tab.open(address)
        if found:
            problems[name] = found
        # The portal's scripts ran (script-src 'self'), and htmx added no <style> of its own.
        assert tab.page.evaluate("typeof window.htmx") == "object", name
        assert tab.page.evaluate("document.querySelectorAll('style').length") == 0, name
    assert problems == {}


@pytest.fixture
def browser_world(transactional_db, world):  # noqa: F811
    return world


def test_the_collection_reports_an_inline_script_and_an_inline_style(live_server, browser_page):  # noqa: F811
    """The control: what the policy must block is blocked, and the test sees it."""
    tab = Tab(browser_page.context.browser, live_server.url)
    assert tab.open(reverse("home")) == []

    tab.page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.__inlineRan = true;";
          document.body.append(script);
          document.body.firstElementChild.setAttribute("style", "color: red");
        }"""
    )
    tab.page.wait_for_timeout(250)

    problems = " ".join(tab.problems())
    assert tab.page.evaluate("window.__inlineRan === undefined")
    assert "script-src-elem blocked inline" in problems
    assert "style-src-attr blocked inline" in problems
    tab.close()


def test_public_pages_load_without_a_violation(browser_world, live_server, browser_page):  # noqa: F811
    tab = Tab(browser_page.context.browser, live_server.url)
    call = browser_world["call"]
    assert_clean_pages(
        tab,
        {
            "home": reverse("home"),
            "calls": reverse("calls:list"),
            "call": reverse("calls:detail", args=[call.reference]),
            "programmes": reverse("calls:programme_list"),
            "open data": reverse("reporting:open_data"),
            "login": reverse("login"),
            "register": reverse("register"),
            "API docs": reverse("api:docs"),
            "404": "/nulle-part/",
        },
    )
    # The admin's login page has its own scripts (no htmx): no violation either.
    assert tab.open(reverse("admin:login")) == []
    tab.close()


def test_an_applicants_pages_load_without_a_violation(
    browser_world,
    alice,
    live_server,
    browser_page,  # noqa: F811
):
    tab = Tab(browser_page.context.browser, live_server.url, alice)
    reference = browser_world["draft"].reference
    report = browser_world["report"]
    report_args = [report.application.reference, report.number]
    assert_clean_pages(
        tab,
        {
            "account": reverse("account"),
            "dashboard": reverse("applications:dashboard"),
            "overview": reverse("applications:overview", args=[reference]),
            "identification": reverse("applications:identification", args=[reference]),
            "context": reverse("applications:context", args=[reference]),
            "consortium": reverse("applications:consortium", args=[reference]),
            "work packages": reverse("applications:work_packages", args=[reference]),
            "budget": reverse("applications:budget", args=[reference]),
            "partner budget": reverse("applications:partner_budget", args=[reference, 1]),
            "cofinancing": reverse("applications:cofinancing", args=[reference]),
            "attachments": reverse("applications:attachments", args=[reference]),
            "submit": reverse("applications:submit", args=[reference]),
            "organisations": reverse("partners:list"),
            "reports": reverse("reporting:report_list", args=[report_args[0]]),
            "report": reverse("reporting:report_detail", args=report_args),
            "report section": reverse("reporting:report_general", args=report_args),
            "documents": reverse("reporting:documents"),
            "document": reverse("reporting:document", args=[browser_world["document"].pk]),
        },
    )
    tab.close()


def test_an_officers_and_an_assessors_pages_load_without_a_violation(
    browser_world,
    olivia,
    ada,
    live_server,
    browser_page,  # noqa: F811
):
    submitted = browser_world["submitted"]
    officer = Tab(browser_page.context.browser, live_server.url, olivia)
    assert_clean_pages(
        officer,
        {
            "queue": reverse("review:queue"),
            "dossier": reverse("review:dossier", args=[submitted.reference]),
            "screening": reverse("review:screening", args=[submitted.reference]),
            "decision": reverse("review:decide", args=[submitted.reference]),
            "ranking": reverse("review:ranking", args=[browser_world["call"].reference]),
            "summaries": reverse("reporting:summaries"),
        },
    )
    officer.close()

    assessor = Tab(browser_page.context.browser, live_server.url, ada)
    assert_clean_pages(
        assessor,
        {
            "my assessments": reverse("review:my_assessments"),
            "assessment": reverse("review:assess", args=[browser_world["assessment"].pk]),
        },
    )
    assessor.close()


def test_the_admin_pages_load_without_a_violation(browser_world, live_server, browser_page):  # noqa: F811
    staff = f.UserFactory(email="admin@portal.example.eu", is_staff=True, is_superuser=True)
    tab = Tab(browser_page.context.browser, live_server.url, staff)
    for address in (
        reverse("admin:index"),
        reverse("admin:portal_user_changelist"),
        reverse("admin:portal_user_change", args=[staff.pk]),
        reverse("admin:applications_application_changelist"),
    ):
        assert tab.open(address) == [], address
    tab.close()


def test_the_autosave_works_under_the_policy(browser_world, alice, live_server, browser_page):  # noqa: F811
    tab = Tab(browser_page.context.browser, live_server.url, alice)
    dossier = browser_world["draft"]
    assert tab.open(reverse("applications:context", args=[dossier.reference])) == []

    tab.page.locator("#id_context").fill("Un contexte enregistré sous la politique de sécurité")
    tab.page.locator("#autosave-status", has_text="Enregistré à").wait_for()

    assert Application.objects.get(pk=dossier.pk).context == (
        "Un contexte enregistré sous la politique de sécurité"
    )
    assert tab.problems() == []
    tab.close()


def test_a_documents_status_is_polled_by_htmx_until_the_pdf_is_ready(
    browser_world,
    alice,
    live_server,
    browser_page,  # noqa: F811
):
    submitted = browser_world["submitted"]
    pending = GeneratedDocument.objects.create(
        kind=DocumentKind.ACKNOWLEDGEMENT,
        status=DocumentStatus.PENDING,
        application=submitted,
        snapshot=submitted.current_snapshot,
        requested_by=alice,
    )
    tab = Tab(browser_page.context.browser, live_server.url, alice)
    assert tab.open(reverse("reporting:document", args=[pending.pk])) == []
    assert tab.page.get_by_role("link", name="Télécharger le PDF").count() == 0

    pending.file.save("accuse.pdf", ContentFile(PDF), save=False)
    pending.status = DocumentStatus.DONE
    pending.size = len(PDF)
    pending.sha256 = hashlib.sha256(PDF).hexdigest()
    pending.progress = 100
    pending.finished_at = timezone.now()
    pending.save()

    tab.page.get_by_role("link", name="Télécharger le PDF").wait_for()
    assert tab.problems() == []
    tab.close()
