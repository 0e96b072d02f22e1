"""The dossier's pages in real Chromium beyond the main journey: the core path without
JavaScript (slower, not broken), autosave while typing, a conflict between two browsers, and
the warning before the session expires."""

from __future__ import annotations

import time

import pytest
from django.test import override_settings
from django.urls import reverse

from applications.models import Application, BudgetLine
from partners.choices import MembershipRole
from tests import factories as f

from .accessibility import assert_accessible, screenshot

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery"


@pytest.fixture
def world(transactional_db):
    call = f.CallFactory(reference="FWVL-2026-TEST", title="Interreg France-Wallonie-Vlaanderen")
    lead = f.OrganisationFactory(legal_name="Lille Solidarités", siret=f.VALID_SIRETS[0])
    alice = f.UserFactory(email="alice@a.example.org", first_name="Alice", last_name="Martin")
    claire = f.UserFactory(email="claire@a.example.org", first_name="Claire", last_name="Dupont")
    for user in (alice, claire):
        f.MembershipFactory(user=user, organisation=lead, role=MembershipRole.LEGAL_REPRESENTATIVE)
    application = f.lead_application(call=call, organisation=lead, created_by=alice)
    application.start_date = application.start_date or None
    return {"application": application, "lead": lead}


def _log_in(page, base, email):
    page.goto(base + reverse("login"))
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Se connecter").click()
    page.get_by_role("button", name="Se déconnecter").wait_for()


def _new_page(browser, *, javascript=True):
    context = browser.new_context(
        locale="fr-FR", viewport={"width": 1280, "height": 900}, java_script_enabled=javascript
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def test_without_javascript_the_sections_save_with_their_button(world, live_server, browser_page):
    page = _new_page(browser_page.context.browser, javascript=False)
    base = live_server.url
    reference = world["application"].reference
    _log_in(page, base, "alice@a.example.org")
    page.goto(f"{base}/dossiers/{reference}/identification/")
    page.fill("#id_acronym", "SANSJS")
    page.fill("#id_start_date", "2027-01-01")
    page.fill("#id_end_date", "2027-12-31")
    page.get_by_role("button", name="Enregistrer et continuer").click()
    page.wait_for_url(f"**/dossiers/{reference}/contexte/")
    assert "Section enregistrée" in page.locator("[role=status]").first.inner_text()
    page.goto(f"{base}/dossiers/{reference}/budget/1/")
    page.select_option("#id_lines-0-cost_category", "staff")
    page.fill("#id_lines-0-year", "2027")
    page.fill("#id_lines-0-amount", "12 500,50")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.locator("#id_lines-1-amount").wait_for()
    screenshot(page, "nojs-budget")
    application = Application.objects.get(pk=world["application"].pk)
    assert application.acronym == "SANSJS"
    assert [
        str(line.amount) for line in BudgetLine.objects.filter(partner__application=application)
    ] == ["12500.50"]
    page.context.close()


def test_autosave_saves_while_typing_and_a_second_browser_gets_the_conflict(
    world, live_server, browser_page
):
    base = live_server.url
    reference = world["application"].reference
    alice = browser_page
    _log_in(alice, base, "alice@a.example.org")
    claire = _new_page(alice.context.browser)
    _log_in(claire, base, "claire@a.example.org")
    url = f"{base}/dossiers/{reference}/contexte/"
    alice.goto(url)
    claire.goto(url)

    # Alice types; after a pause the text area is saved without any button.
    alice.locator("#id_context").fill("Le contexte d'Alice")
    alice.locator("#autosave-status", has_text="Enregistré à").wait_for()
    assert Application.objects.get(pk=world["application"].pk).context == "Le contexte d'Alice"

    # Claire's page was opened from the same version: her save is refused, her text kept.
    claire.locator("#id_context").fill("Le contexte de Claire")
    claire.get_by_role("alert").filter(has_text="Alice Martin").wait_for()
    assert claire.locator("#id_context").input_value() == "Le contexte de Claire"
    assert Application.objects.get(pk=world["application"].pk).context == "Le contexte d'Alice"
    assert_accessible(claire, "conflict")
    screenshot(claire, "autosave-conflict")

    # She chooses to save hers over Alice's.
    claire.get_by_role("button", name="Enregistrer mes saisies").click()
    claire.locator("#autosave-status", has_text="Enregistré à").wait_for()
    assert Application.objects.get(pk=world["application"].pk).context == "Le contexte de Claire"
    claire.context.close()


def test_the_session_warning_appears_before_expiry_and_staying_connected_keeps_it(
    world, live_server, browser_page
):
    page = browser_page
    with override_settings(SESSION_COOKIE_AGE=6, SESSION_EXPIRY_WARNING_SECONDS=4):
        _log_in(page, live_server.url, "alice@a.example.org")
        page.goto(f"{live_server.url}/dossiers/{world['application'].reference}/contexte/")
        warning = page.locator("#session-warning")
        assert warning.is_hidden()
        warning.wait_for(state="visible", timeout=5_000)
        assert_accessible(page, "session-warning")
        screenshot(page, "session-warning")
        warning.get_by_role("button", name="Rester connecté").click()
        warning.wait_for(state="hidden")
        # The session was extended: a save after the original end still goes through.
        time.sleep(3)
        page.locator("#id_objectives").fill("Toujours connectée")
        page.locator("#autosave-status", has_text="Enregistré à").wait_for()
