"""A visitor in a real browser (Debian's chromium driven by Playwright): from the home page
to a call, in English, then logged in."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from calls.choices import CostModel, RuleSeverity
from calls.models import CallLumpSum
from tests import factories as f

SCREENSHOT = Path("/tmp/home.png")

pytestmark = pytest.mark.browser


def a_published_call():
    authority = f.AuthorityFactory(
        name="Agence Erasmus+ France Éducation Formation",
        street="9 rue des Gamins",
        postcode="33080",
        city="Bordeaux",
    )
    fund = f.FundFactory(code="erasmus-plus", name="Erasmus+", short_name="Erasmus+")
    programme = f.ProgrammeFactory(
        fund=fund, name="Erasmus+ 2021-2027", managing_authority=authority
    )
    call = f.CallFactory(
        programme=programme,
        authority=authority,
        reference="KA220-VET-2026",
        title="Partenariats de coopération dans l'enseignement professionnel",
        cost_model=CostModel.LUMP_SUM,
        min_total_score=Decimal("30"),
    )
    for amount in ("120000", "250000", "400000"):
        CallLumpSum.objects.create(call=call, amount=Decimal(amount))
    f.EligibilityRuleFactory(
        call=call, explanation="Au moins 3 organisations de 3 pays différents."
    )
    f.EligibilityRuleFactory(
        call=call,
        severity=RuleSeverity.WARNING,
        explanation="La durée du projet est comprise entre 12 et 36 mois.",
    )
    f.AssessmentCriterionFactory(
        call=call, name="Pertinence du projet", max_score=Decimal("25"), threshold=Decimal("13")
    )
    f.AssessmentCriterionFactory(call=call, name="Impact", max_score=Decimal("25"), threshold=None)
    return call


@pytest.fixture
def visitor_world(transactional_db):
    """The call the visitor reads and Alice's account, in the database before the browser
    starts."""
    call = a_published_call()
    f.UserFactory(email="alice@a.example.org", first_name="Alice", last_name="Martin")
    return call


def test_a_visitor_finds_a_call_reads_it_in_english_and_logs_in(
    visitor_world, live_server, browser_page
):
    call = visitor_world
    page = browser_page

    # The home page lists the open call.
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "fr"
    open_calls = page.locator("section[aria-labelledby='open-calls']")
    open_calls.get_by_role("link", name=call.title).wait_for()
    assert "J-20" in open_calls.inner_text()
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    # Through to the call's page: its rules and criteria.
    open_calls.get_by_role("link", name=call.title).click()
    page.wait_for_url(f"**/appels/{call.reference}/")
    assert page.get_by_role("heading", level=1).inner_text() == call.title
    body = page.locator("main").inner_text()
    assert "Au moins 3 organisations de 3 pays différents." in body
    assert "La durée du projet est comprise entre 12 et 36 mois." in body
    assert "Pertinence du projet" in body
    assert "120\u00a0000\u00a0€" in body
    page.screenshot(path="/tmp/call.png", full_page=True)

    # The skip link is the first stop of the keyboard and leads to the content.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#contenu"

    # Switching to English with the select and its button, no script needed.
    page.get_by_label("Langue").select_option("en")
    page.get_by_role("button", name="Changer de langue").click()
    page.wait_for_url(f"**/en/appels/{call.reference}/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Eligibility rules").is_visible()
    assert page.get_by_role("heading", name="Award criteria").is_visible()
    assert "€120,000" in page.locator("main").inner_text()

    # Logging in with an e-mail address; the layout then offers to log out.
    page.get_by_role("link", name="Log in").click()
    page.get_by_label("E-mail address").fill("alice@a.example.org")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.locator("main").get_by_role("button", name="Log in").click()
    page.get_by_role("button", name="Log out").wait_for()
    assert "You are logged in." in page.locator("[role=status]").inner_text()
    assert "Alice Martin" in page.locator("header").inner_text()
