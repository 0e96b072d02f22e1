"""axe-core on every page of the applicant's path, as a visitor and logged in: no serious or
critical violation. Screenshots of each page are kept as test artefacts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from partners.choices import MembershipRole, PartnerRole
from tests import factories as f

from .accessibility import assert_accessible, screenshot

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery"


@pytest.fixture
def world(transactional_db):
    call = f.CallFactory(reference="FWVL-2026-AXE4", title="Interreg France-Wallonie-Vlaanderen")
    lead = f.OrganisationFactory(legal_name="Lille Solidarités", siret=f.VALID_SIRETS[0])
    partner = f.OrganisationFactory(
        legal_name="Mons Emploi ASBL",
        country="BE",
        legal_type="asbl",
        nuts_code="BE322",
        enterprise_number=f.VALID_BE_NUMBERS[0],
    )
    alice = f.UserFactory(email="alice@a.example.org", first_name="Alice", last_name="Martin")
    f.MembershipFactory(user=alice, organisation=lead, role=MembershipRole.LEGAL_REPRESENTATIVE)
    application = f.lead_application(call=call, organisation=lead, created_by=alice)
    partner_b = f.PartnerFactory(
        application=application, organisation=partner, role=PartnerRole.PARTNER, number=2
    )
    lead_partner = application.partners.get(number=1)
    f.WorkPackageFactory(application=application, number=1, lead_partner=lead_partner)
    f.BudgetLineFactory(partner=lead_partner)
    f.BudgetLineFactory(partner=partner_b)
    f.CofinancingFactory(partner=lead_partner)
    f.IndicatorFactory(application=application)
    return {"call": call, "application": application, "organisation": lead}


def _log_in(page, base_url):
    page.goto(base_url + reverse("login"))
    page.get_by_label("Adresse e-mail").fill("alice@a.example.org")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Se connecter").click()
    page.get_by_role("button", name="Se déconnecter").wait_for()


PUBLIC_PAGES = ("home", "calls:list", "login", "register", "password_reset")

DOSSIER_PAGES = (
    ("overview", ()),
    ("identification", ()),
    ("context", ()),
    ("priorities", ()),
    ("consortium", ()),
    ("partner_edit", (1,)),
    ("partner_edit", (2,)),
    ("partner_remove", (2,)),
    ("partner_make_lead", (2,)),
    ("work_packages", ()),
    ("work_package", (1,)),
    ("indicators", ()),
    ("budget", ()),
    ("partner_budget", (1,)),
    ("partner_budget", (2,)),
    ("cofinancing", ()),
    ("partner_cofinancing", (1,)),
    ("attachments", ()),
    ("submit", ()),
    ("withdraw", ()),
    ("copy", ()),
)


def test_public_and_account_pages_have_no_serious_violation(world, live_server, browser_page):
    page = browser_page
    for name in PUBLIC_PAGES:
        page.goto(live_server.url + reverse(name))
        assert_accessible(page, name)
        screenshot(page, f"a11y-{name.replace(':', '-')}")
    page.goto(live_server.url + reverse("calls:detail", args=[world["call"].reference]))
    assert_accessible(page, "calls:detail")


def test_dossier_pages_have_no_serious_violation(world, live_server, browser_page):
    page = browser_page
    _log_in(page, live_server.url)
    reference = world["application"].reference
    for name, args in DOSSIER_PAGES:
        url = reverse(f"applications:{name}", args=[reference, *args])
        response = page.goto(live_server.url + url)
        assert response.status == 200, url
        assert_accessible(page, url)
        screenshot(page, f"a11y-dossier-{name}-{'-'.join(map(str, args))}")
    for name, args in (
        ("applications:dashboard", []),
        ("account", []),
        ("applications:start", [world["call"].reference]),
        ("partners:list", []),
        ("partners:create", []),
        ("partners:join", []),
        ("partners:detail", [world["organisation"].pk]),
    ):
        page.goto(live_server.url + reverse(name, args=args))
        assert_accessible(page, name)


def test_the_check_reports_a_field_without_label(browser_page):
    """The check can fail: a page with an unlabelled field is reported."""
    page = browser_page
    page.set_content(
        '<!DOCTYPE html><html lang="fr"><head><title>t</title></head>'
        "<body><main><h1>Formulaire</h1><input type='text'></main></body></html>"
    )
    with pytest.raises(AssertionError, match="label"):
        assert_accessible(page, "unlabelled")
