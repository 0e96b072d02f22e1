"""The applicant's whole path in real Chromium, as a new user would take it: register,
confirm the e-mail address, register an association in Lille, start a dossier on the
Interreg France-Wallonie-Vlaanderen demo call, see the checklist fail for want of a Belgian
partner, invite one; the Belgian member accepts and fills its own parts; the lead completes
the dossier and submits it; the acknowledgement arrives. A screenshot of each step is kept
(var/test-artefacts/journey-*.png) and every page is checked with axe-core."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from applications.models import Application, Snapshot, StatusChange
from partners.choices import MembershipRole
from tests import factories as f

from .accessibility import assert_accessible, screenshot

pytestmark = pytest.mark.browser

CALL = "FWVL-A4-2026"
PASSWORD = "Passerelle-Lille-2026"
PDF = f.pdf_bytes()


@pytest.fixture
def demo_world(transactional_db):
    """The reference data and the demo calls, and a Belgian ASBL of Hainaut whose member
    already has an account."""
    with override_settings(DEBUG=True):
        call_command("load_demo", stdout=StringIO())
    mons = f.OrganisationFactory(
        legal_name="Mons Insertion ASBL",
        country="BE",
        legal_type="asbl",
        nuts_code="BE322",
        city="Mons",
        postcode="7000",
        enterprise_number=f.VALID_BE_NUMBERS[1],
    )
    bram = f.UserFactory(
        email="bram@mons-insertion.example.be", first_name="Bram", last_name="Claes"
    )
    f.MembershipFactory(user=bram, organisation=mons, role=MembershipRole.LEGAL_REPRESENTATIVE)
    return {"mons": mons, "bram": bram}


def _link(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


def _step(page, name):
    assert_accessible(page, name)
    screenshot(page, f"journey-{name}")


def _saved(page):
    page.locator("#autosave-status", has_text="Enregistré à").wait_for()


def _log_in(page, base, email, password):
    page.goto(base + reverse("login"))
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.locator("main").get_by_role("button", name="Se connecter").click()
    page.get_by_role("button", name="Se déconnecter").wait_for()


def _fill_row(page, prefix, index, **values):
    for field, value in values.items():
        selector = f"#id_{prefix}-{index}-{field}"
        if page.locator(selector).evaluate("e => e.tagName") == "SELECT":
            page.select_option(selector, value)
        else:
            page.fill(selector, value)


def _save(page):
    page.locator("#section-form").get_by_role("button", name="Enregistrer", exact=True).click()
    _saved(page)


def _attach(page, document, filename, partner=None):
    value = page.locator("#id_document_type option", has_text=document).first.get_attribute("value")
    page.select_option("#id_document_type", value)
    if partner:
        page.select_option("#id_partner", label=partner)
    page.set_input_files(
        "#id_file", files=[{"name": filename, "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name="Joindre la pièce").click()
    page.locator(".alert--success", has_text=filename).wait_for()


def _fill_budget_and_financing(page, base, reference, number, amount, eu, own):
    page.goto(f"{base}/dossiers/{reference}/budget/{number}/")
    _fill_row(page, "lines", 0, cost_category="staff", year="2027", amount=amount)
    _save(page)
    page.locator("#budget-totals").wait_for()
    page.goto(f"{base}/dossiers/{reference}/financement/{number}/")
    _fill_row(page, "resources", 0, source="eu", amount=eu)
    _save(page)
    # The saved line gets a fresh blank line below it for the next resource.
    page.locator("#id_resources-1-amount").wait_for()
    _fill_row(page, "resources", 1, source="own_funds", amount=own)
    _save(page)
    page.locator("#cofinancing-totals").wait_for()


def test_a_new_applicant_submits_an_interreg_dossier_with_a_belgian_partner(
    demo_world, live_server, browser_page
):
    page = browser_page
    base = live_server.url
    mail.outbox.clear()

    # 1. A new user registers from the home page and confirms the address.
    page.goto(base + "/")
    page.get_by_role("link", name="Créer un compte").first.click()
    page.get_by_label("Adresse e-mail").fill("nadia.benali@lille-solidarites.example.org")
    page.get_by_label("Prénom").fill("Nadia")
    page.get_by_label("Nom de famille").fill("Benali")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    _step(page, "01-register")
    page.locator("main").get_by_role("button").last.click()
    page.get_by_role("heading", name="Vérifiez votre boîte e-mail").wait_for()
    page.goto(_link(mail.outbox[-1]))
    page.get_by_text("Votre adresse e-mail est confirmée").wait_for()
    _step(page, "02-confirmed")

    # 2. She registers her association in Lille.
    page.goto(base + reverse("partners:create"))
    page.fill("#id_legal_name", "Lille Solidarités Emploi")
    page.select_option("#id_legal_type", "association")
    page.select_option("#id_country", "FR")
    page.fill("#id_siret", f.VALID_SIRETS[2])
    page.fill("#id_street", "12 rue Nationale")
    page.fill("#id_postcode", "59000")
    page.fill("#id_city", "Lille")
    page.fill("#id_nuts_code", "FRE11")
    _step(page, "03-organisation")
    page.get_by_role("button", name="Inscrire l'organisation").click()
    page.wait_for_url(re.compile(r".*/organisations/\d+/$"))

    # 3. From the Interreg demo call, she starts a dossier.
    page.goto(base + reverse("calls:detail", args=[CALL]))
    page.get_by_role("link", name="Déposer un dossier").click()
    _step(page, "04-start")
    page.get_by_role("button", name="Créer le dossier").click()
    page.wait_for_url(re.compile(r".*/dossiers/FWVL-4-2026-\d+/identification/$"))
    reference = page.url.rstrip("/").split("/")[-2]

    # 4. Identification, saved as she types (a change of field saves it).
    page.select_option("#id_measure", index=1)
    page.fill("#id_acronym", "PASSERELLES")
    page.keyboard.press("Tab")
    _saved(page)
    page.fill("#id_title", "Passerelles transfrontalières vers l'emploi")
    page.fill("#id_summary", "Accompagner des demandeurs d'emploi du Nord et du Hainaut.")
    page.fill("#id_start_date", "2027-01-01")
    page.fill("#id_end_date", "2028-12-31")
    _save(page)
    # The checklist fails for want of a Belgian partner, with a link to the partnership.
    checklist = page.locator("#checklist")
    assert "Belgique" in checklist.inner_text()
    assert checklist.get_by_role("link", name="Corriger : Partenariat").first.is_visible()
    _step(page, "05-identification-checklist-fails")

    # 5. She invites the Belgian partner.
    checklist.get_by_role("link", name="Corriger : Partenariat").first.click()
    page.get_by_label("Adresse e-mail de la personne à inviter").fill(demo_world["bram"].email)
    page.get_by_role("button", name="Envoyer l'invitation").click()
    page.get_by_text(demo_world["bram"].email).first.wait_for()
    _step(page, "06-invited")
    invitation = mail.outbox[-1]
    assert invitation.to == [demo_world["bram"].email]

    # 6. The Belgian member accepts in his own browser and fills his parts.
    bram_context = page.context.browser.new_context(
        locale="fr-FR", viewport={"width": 1280, "height": 900}
    )
    bram = bram_context.new_page()
    bram.set_default_timeout(15_000)
    _log_in(bram, base, demo_world["bram"].email, "correct-horse-battery")
    bram.goto(_link(invitation))
    _step(bram, "07-invitation")
    bram.get_by_role("button", name="Accepter l'invitation").click()
    bram.wait_for_url(re.compile(rf".*/dossiers/{reference}/$"))
    _fill_budget_and_financing(bram, base, reference, 2, "50 000,00", "30 000,00", "20 000,00")
    _step(bram, "08-partner-cofinancing")
    bram.goto(f"{base}/dossiers/{reference}/partenariat/2/")
    bram.get_by_role("button", name="Signer la lettre d'engagement").click()
    bram.get_by_text("signée").first.wait_for()
    bram.goto(f"{base}/dossiers/{reference}/pieces/")
    _attach(bram, "Lettre d'engagement", "engagement-mons.pdf", partner=None)
    _step(bram, "09-partner-attachments")
    bram_context.close()

    # 7. The lead completes the dossier: context, budget, co-financing, commitment, files.
    page.goto(f"{base}/dossiers/{reference}/contexte/")
    page.fill("#id_context", "Chômage frontalier élevé des deux côtés de la frontière.")
    page.fill("#id_objectives", "Accompagner 200 personnes vers l'emploi transfrontalier.")
    _save(page)
    _fill_budget_and_financing(page, base, reference, 1, "100 000,00", "60 000,00", "40 000,00")
    page.goto(f"{base}/dossiers/{reference}/partenariat/1/")
    page.get_by_role("button", name="Signer la lettre d'engagement").click()
    page.get_by_text("signée").first.wait_for()
    page.goto(f"{base}/dossiers/{reference}/pieces/")
    _attach(page, "Lettre d'engagement", "engagement-lille.pdf")
    _attach(page, "Budget détaillé", "budget.pdf")
    _step(page, "10-attachments")

    # 8. Every blocking rule passes: she submits.
    page.goto(f"{base}/dossiers/{reference}/depot/")
    assert "Tous les critères bloquants sont remplis." in page.locator("#checklist").inner_text()
    _step(page, "11-submit")
    page.locator("input[type=checkbox][name=confirm]").check()
    page.get_by_role("button", name="Déposer le dossier").click()
    page.wait_for_url(re.compile(rf".*/dossiers/{reference}/$"))
    _step(page, "12-submitted")

    application = Application.objects.get(reference=reference)
    assert application.status == "submitted"
    snapshot = Snapshot.objects.get(application=application)
    assert snapshot.sha256 in page.locator("main").inner_text() or snapshot.sha256[:12] in (
        page.content()
    )
    assert StatusChange.objects.filter(application=application, to_status="submitted").exists()
    acknowledgements = [m for m in mail.outbox if reference in m.subject]
    assert {m.to[0] for m in acknowledgements} >= {
        "nadia.benali@lille-solidarites.example.org",
        demo_world["bram"].email,
    }
    assert snapshot.sha256 in acknowledgements[0].body

    # 9. The dossier is read-only now.
    page.goto(f"{base}/dossiers/{reference}/identification/")
    assert page.locator("#id_acronym").is_disabled()
