"""Every kind of page the portal answers carries its security headers: the
Content-Security-Policy (no inline or evaluated script, no inline style, no plugin, no
framing), X-Frame-Options, Referrer-Policy, Permissions-Policy, Cross-Origin-Opener-Policy
and X-Content-Type-Options: public pages, accounts, an applicant's dossier and reports, an
officer's queue, dossier and decision, an assessor's page, documents, the PDF/CSV/XLSX
downloads, the API's JSON and its documentation, the admin, and the 403, 404 and expired-form
pages.

The HTML of the same pages is read for what the policy would block in a browser: an inline
script, an event-handler attribute, a ``javascript:`` address, an ``hx-on`` attribute, an
inline style. ``test_csp_browser.py`` loads the main pages in chromium with the policy
enforced."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from partners.choices import MembershipRole
from reporting.choices import DocumentKind, DocumentStatus
from reporting.models import GeneratedDocument
from review.assessment import assessment_assign, assessment_declare_no_conflict
from tests import factories as f
from tests.reporting.test_reports_services import draft, running  # noqa: F401 (fixtures)
from tests.review.test_assessment import erasmus_criteria, make_admissible

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


# --- the headers ----------------------------------------------------------------------------


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def assert_security_headers(response, address: str) -> None:
    csp = response.headers.get("Content-Security-Policy")
    assert csp, f"{address}: no Content-Security-Policy"
    directives = csp_directives(csp)
    assert directives["default-src"] == ["'self'"], address
    assert directives["script-src"] == ["'self'"], address
    for directive in ("script-src", "style-src", "default-src"):
        assert "'unsafe-inline'" not in directives[directive], (address, directive)
        assert "'unsafe-eval'" not in directives[directive], (address, directive)
    assert directives["style-src"] == ["'self'"], address
    assert directives["object-src"] == ["'none'"], address
    assert directives["frame-ancestors"] == ["'none'"], address
    assert directives["base-uri"] == ["'self'"], address
    assert directives["form-action"] == ["'self'"], address
    assert directives["img-src"] == ["'self'", "data:"], address

    assert response.headers.get("X-Frame-Options") == "DENY", address
    assert response.headers.get("X-Content-Type-Options") == "nosniff", address
    assert response.headers.get("Referrer-Policy") == "same-origin", address
    assert response.headers.get("Cross-Origin-Opener-Policy") == "same-origin", address
    permissions = response.headers.get("Permissions-Policy", "")
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in permissions, (address, feature)


# --- what a strict policy would block in the HTML -------------------------------------------

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>")
EVENT_HANDLER = re.compile(r"<[a-zA-Z][^>]*\son[a-z]+\s*=", re.DOTALL)
JAVASCRIPT_URL = re.compile(r"""(?:href|src|action|formaction)\s*=\s*["']?\s*javascript:""", re.I)
HX_ON = re.compile(r"\shx-on(?::|-|=)")
STYLE_ATTRIBUTE = re.compile(r"<[a-zA-Z][^>]*\sstyle\s*=", re.DOTALL)
STYLE_ELEMENT = re.compile(r"<style[\s>]")


def blocked_markup(html: str) -> list[str]:
    found = []
    for name, pattern in (
        ("inline <script>", INLINE_SCRIPT),
        ("on…= handler", EVENT_HANDLER),
        ("javascript: address", JAVASCRIPT_URL),
        ("hx-on attribute", HX_ON),
        ("style= attribute", STYLE_ATTRIBUTE),
        ("<style> element", STYLE_ELEMENT),
    ):
        found += [f"{name}: {match.group(0)[:80]!r}" for match in pattern.finditer(html)]
    return found


def test_the_markup_check_finds_what_the_policy_would_block():
    """The patterns above do find each kind of inline code (else the page walk would pass
    whatever the templates hold)."""
    html = (
        '<script>alert(1)</script><script src="/static/js/portal.js"></script>'
        '<button type="button" onclick="go()">x</button><a href="javascript:void(0)">y</a>'
        '<div hx-on:click="x"></div><p style="color: red">z</p><style>p{}</style>'
    )

    found = blocked_markup(html)

    assert len(found) == 6, found
    assert blocked_markup('<script src="/a.js" defer></script><p class="on">online</p>') == []


# --- one page of each kind ------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    name: str
    address: str
    user: object
    status: int
    html: bool = True


@pytest.fixture
def world(call, org_a, org_b, alice, bob, olivia, ada, dossier, running, draft):  # noqa: F811
    """Alice's draft dossier and a second one submitted, admissible and assigned to Ada; a
    project of Alice's in progress with its first report opened; a dossier PDF done; a
    member of A who is not its legal representative (refused the organisation's form)."""
    criteria = erasmus_criteria(call)
    submitted = f.lead_application(call=call, organisation=org_a, created_by=alice)
    f.PartnerFactory(application=submitted, organisation=org_b, role="partner", number=2)
    make_admissible(submitted, applicant=alice, officer=olivia)
    (assessment,) = assessment_assign(application=submitted, assessors=[ada], actor=olivia)
    assessment_declare_no_conflict(assessment=assessment, actor=ada)
    submitted.refresh_from_db()
    assert criteria

    report = draft

    document = GeneratedDocument(
        kind=DocumentKind.DOSSIER,
        status=DocumentStatus.DONE,
        application=submitted,
        snapshot=submitted.current_snapshot,
        requested_by=alice,
        size=len(PDF),
        sha256=hashlib.sha256(PDF).hexdigest(),
        progress=100,
    )
    document.file.save("dossier.pdf", ContentFile(PDF), save=False)
    document.save()

    editor = f.UserFactory(email="edith@a.example.org", first_name="Edith")
    f.MembershipFactory(user=editor, organisation=org_a, role=MembershipRole.EDITOR)

    return {
        "call": call,
        "draft": dossier,
        "submitted": submitted,
        "assessment": assessment,
        "running": running,
        "report": report,
        "document": document,
        "editor": editor,
        "org_a": org_a,
    }


def pages(world, alice, olivia, ada) -> list[Page]:
    call, dossier, submitted = world["call"], world["draft"], world["submitted"]
    report, document = world["report"], world["document"]
    report_args = [report.application.reference, report.number]
    return [
        # public
        Page("home", reverse("home"), None, 200),
        Page("calls list", reverse("calls:list"), None, 200),
        Page("call detail", reverse("calls:detail", args=[call.reference]), None, 200),
        Page("programmes", reverse("calls:programme_list"), None, 200),
        Page("open data", reverse("reporting:open_data"), None, 200),
        Page("open data CSV", reverse("reporting:public_operations_csv"), None, 200, html=False),
        Page("login", reverse("login"), None, 200),
        Page("register", reverse("register"), None, 200),
        Page("password reset", reverse("password_reset"), None, 200),
        Page("404", "/nulle-part/", None, 404),
        Page("admin login", reverse("admin:login"), None, 200),
        Page("API docs", reverse("api:docs"), None, 200),
        Page("API JSON", reverse("api:call-list"), None, 200, html=False),
        Page("API schema", reverse("api:schema"), None, 200, html=False),
        Page("API 404", "/api/v1/nulle-part/", None, 404, html=False),
        # an applicant
        Page("account", reverse("account"), alice, 200),
        Page("dashboard", reverse("applications:dashboard"), alice, 200),
        Page(
            "dossier overview",
            reverse("applications:overview", args=[dossier.reference]),
            alice,
            200,
        ),
        Page(
            "dossier section",
            reverse("applications:identification", args=[dossier.reference]),
            alice,
            200,
        ),
        Page(
            "consortium", reverse("applications:consortium", args=[dossier.reference]), alice, 200
        ),
        Page("budget", reverse("applications:budget", args=[dossier.reference]), alice, 200),
        Page(
            "attachments", reverse("applications:attachments", args=[dossier.reference]), alice, 200
        ),
        Page("submit page", reverse("applications:submit", args=[dossier.reference]), alice, 200),
        Page("organisations", reverse("partners:list"), alice, 200),
        Page("organisation", reverse("partners:detail", args=[world["org_a"].pk]), alice, 200),
        Page("reports", reverse("reporting:report_list", args=[report_args[0]]), alice, 200),
        Page("report", reverse("reporting:report_detail", args=report_args), alice, 200),
        Page("report section", reverse("reporting:report_general", args=report_args), alice, 200),
        Page("documents", reverse("reporting:documents"), alice, 200),
        Page("document", reverse("reporting:document", args=[document.pk]), alice, 200),
        Page(
            "document PDF",
            reverse("reporting:document_download", args=[document.pk]),
            alice,
            200,
            html=False,
        ),
        Page("API JSON (session)", reverse("api:application-list"), alice, 200, html=False),
        Page(
            "403",
            reverse("partners:edit", args=[world["org_a"].pk]),
            world["editor"],
            403,
        ),
        # an officer
        Page("queue", reverse("review:queue"), olivia, 200),
        Page("queue CSV", reverse("review:queue_export"), olivia, 200, html=False),
        Page("queue XLSX", reverse("review:queue_export_xlsx"), olivia, 200, html=False),
        Page("officer dossier", reverse("review:dossier", args=[submitted.reference]), olivia, 200),
        Page("screening", reverse("review:screening", args=[submitted.reference]), olivia, 200),
        Page("decision", reverse("review:decide", args=[submitted.reference]), olivia, 200),
        Page("ranking", reverse("review:ranking", args=[call.reference]), olivia, 200),
        Page("summaries", reverse("reporting:summaries"), olivia, 200),
        # an assessor
        Page("my assessments", reverse("review:my_assessments"), ada, 200),
        Page("assessment", reverse("review:assess", args=[world["assessment"].pk]), ada, 200),
    ]


def fetch(page: Page):
    client = Client()
    if page.user is not None:
        client.force_login(page.user)
    response = client.get(page.address)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def test_every_kind_of_page_carries_the_security_headers(world, alice, olivia, ada):
    for page in pages(world, alice, olivia, ada):
        response, _body = fetch(page)

        assert response.status_code == page.status, (page.name, page.address)
        assert_security_headers(response, f"{page.name} ({page.address})")


def test_no_page_holds_markup_the_policy_would_block(world, alice, olivia, ada):
    problems = {}
    html_pages = 0
    for page in pages(world, alice, olivia, ada):
        if not page.html:
            continue
        response, body = fetch(page)
        assert response["Content-Type"].startswith("text/html"), page.name
        html_pages += 1
        if found := blocked_markup(body.decode()):
            problems[page.name] = found

    assert problems == {}
    assert html_pages >= 30


def test_the_downloads_are_attachments_of_their_own_type(world, alice, olivia, ada):
    """A download is never shown as a page of the portal's origin: its type is declared
    and not sniffed, and it comes as an attachment (or as JSON for the API)."""
    expected = {
        "open data CSV": "text/csv",
        "queue CSV": "text/csv",
        "queue XLSX": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "document PDF": "application/pdf",
    }
    seen = set()
    for page in pages(world, alice, olivia, ada):
        if page.name not in expected:
            continue
        response, body = fetch(page)
        assert response["Content-Type"].startswith(expected[page.name]), page.name
        assert response["Content-Disposition"].startswith("attachment"), page.name
        assert body
        seen.add(page.name)

    assert seen == set(expected)


def test_the_admin_pages_of_a_staff_member_carry_the_headers_and_no_inline_code(db):
    staff = f.UserFactory(email="admin@portal.example.eu", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(staff)
    for address in (
        reverse("admin:index"),
        reverse("admin:portal_user_changelist"),
        reverse("admin:portal_user_change", args=[staff.pk]),
    ):
        response = client.get(address)

        assert response.status_code == 200, address
        assert_security_headers(response, address)
        assert blocked_markup(response.content.decode()) == [], address


def test_the_api_answers_json_to_a_browser_never_drfs_html_pages(client):
    response = client.get(reverse("api:call-list"), HTTP_ACCEPT="text/html,*/*;q=0.8")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


def test_the_policy_is_sent_in_enforcing_mode_not_report_only(client):
    response = client.get(reverse("home"))

    assert "Content-Security-Policy" in response.headers
    assert "Content-Security-Policy-Report-Only" not in response.headers


def test_the_permissions_policy_header_is_written_as_browsers_read_it():
    from portal.security import permissions_policy

    header = permissions_policy(
        {"camera": [], "fullscreen": ["self"], "payment": ["self", "https://pay.example.eu"]}
    )

    assert header == 'camera=(), fullscreen=(self), payment=(self "https://pay.example.eu")'
