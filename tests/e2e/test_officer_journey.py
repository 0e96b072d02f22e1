"""The officer's whole path in real Chromium, on the dossier an applicant submitted on the
Interreg France-Wallonie-Vlaanderen demo call: an officer of the joint secretariat finds it
in the queue, reads its fingerprint and its frozen eligibility verdicts, opens the screening
and asks a clarification; the applicant answers and submits again (a second version is
frozen, the first stays readable); the officer screens every rule, declares the dossier
admissible and assigns two assessors, who declare no conflict of interest and score it; the
officer ranks the call, selects the dossier with an amount, contracts it and starts the
project, whose report calendar follows the programme's rhythm (every 6 months for
Interreg). A screenshot of each step is kept (var/test-artefacts/officer-*.png) and every
page is checked with axe-core.

The submitted dossier is built without the browser (the applicant's journey has its own
test): the officer's side is what is driven here."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from decimal import Decimal
from io import StringIO

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from applications.choices import ApplicationStatus as S
from applications.choices import AssessmentStatus, FundingSource
from applications.models import Assessment, Attachment, Decision, Snapshot
from applications.services import SubmissionRefused, application_create, application_submit
from calls.choices import AuthorityRole
from calls.models import Authority, Call, DocumentType
from partners.choices import MembershipRole, PartnerRole
from tests import factories as f

from .accessibility import assert_accessible, screenshot
from .test_applicant_journey import PDF, _log_in, _saved

pytestmark = pytest.mark.browser

CALL = "FWVL-A4-2026"
AUTHORITY = "secretariat-conjoint-fwvl"
PASSWORD = "correct-horse-battery"  # UserFactory's
ACRONYM = "PASSERELLES"
QUESTION = "Précisez dans le résumé le nombre de personnes accompagnées de chaque côté."
NEW_SUMMARY = (
    "Accompagner 120 demandeurs d'emploi du Nord et 80 du Hainaut vers un emploi "
    "de l'autre côté de la frontière."
)
AMOUNT = Decimal("85000.00")  # of the 90 000 EUR of EU funds requested


def _pdf(name: str) -> ContentFile:
    return ContentFile(PDF, name=name)


def _attachment(application, code, filename, user, partner=None):
    return Attachment.objects.create(
        application=application,
        partner=partner,
        document_type=DocumentType.objects.get(code=code),
        file=_pdf(filename),
        original_name=filename,
        content_type="application/pdf",
        size=len(PDF),
        sha256=hashlib.sha256(PDF).hexdigest(),
        uploaded_by=user,
    )


@pytest.fixture
def officer_world(transactional_db):
    """The demo data; an officer and two assessors of the joint secretariat; two award
    criteria on the Interreg call; and a dossier of a Lille association with a Belgian ASBL,
    submitted (its first snapshot frozen by the real service)."""
    with override_settings(DEBUG=True):
        call_command("load_demo", stdout=StringIO())
    authority = Authority.objects.get(code=AUTHORITY)
    call = Call.objects.get(reference=CALL)

    officer = f.UserFactory(
        email="claire.dumont@interreg-fwvl.example.eu", first_name="Claire", last_name="Dumont"
    )
    f.AuthorityMemberFactory(user=officer, authority=authority, role=AuthorityRole.OFFICER)
    assessors = []
    for email, first, last in [
        ("pieter.janssens@experts.example.be", "Pieter", "Janssens"),
        ("sophie.leroy@experts.example.fr", "Sophie", "Leroy"),
    ]:
        user = f.UserFactory(email=email, first_name=first, last_name=last)
        f.AuthorityMemberFactory(user=user, authority=authority, role=AuthorityRole.ASSESSOR)
        assessors.append(user)

    criteria = [
        f.AssessmentCriterionFactory(
            call=call,
            position=1,
            code="pertinence",
            name="Pertinence",
            max_score=Decimal("30"),
            threshold=Decimal("15"),
        ),
        f.AssessmentCriterionFactory(
            call=call,
            position=2,
            code="qualite",
            name="Qualité",
            max_score=Decimal("20"),
            threshold=Decimal("10"),
        ),
    ]
    call.min_total_score = Decimal("30")
    call.save(update_fields=["min_total_score"])

    # The consortium: a Lille association leads, a Belgian ASBL of Hainaut partners.
    lille = f.OrganisationFactory(
        legal_name="Lille Solidarités Emploi",
        legal_type="association",
        country="FR",
        nuts_code="FRE11",
        city="Lille",
        postcode="59000",
        street="12 rue Nationale",
        siret=f.VALID_SIRETS[2],
    )
    mons = f.OrganisationFactory(
        legal_name="Mons Insertion ASBL",
        legal_type="asbl",
        country="BE",
        nuts_code="BE322",
        city="Mons",
        postcode="7000",
        street="5 Grand-Place",
        enterprise_number=f.VALID_BE_NUMBERS[1],
    )
    nadia = f.UserFactory(
        email="nadia.benali@lille-solidarites.example.org", first_name="Nadia", last_name="Benali"
    )
    f.MembershipFactory(user=nadia, organisation=lille, role=MembershipRole.LEGAL_REPRESENTATIVE)
    bram = f.UserFactory(
        email="bram@mons-insertion.example.be", first_name="Bram", last_name="Claes"
    )
    f.MembershipFactory(user=bram, organisation=mons, role=MembershipRole.LEGAL_REPRESENTATIVE)

    application = application_create(
        call=call,
        organisation=lille,
        actor=nadia,
        measure=call.measures.first(),
        acronym=ACRONYM,
        title="Passerelles transfrontalières vers l'emploi",
        summary="Accompagner des demandeurs d'emploi du Nord et du Hainaut.",
        context="Chômage frontalier élevé des deux côtés de la frontière.",
        objectives="Accompagner 200 personnes vers l'emploi transfrontalier.",
        start_date=dt.date(2027, 1, 1),
        end_date=dt.date(2028, 12, 31),
    )
    lead = application.partners.get(role=PartnerRole.LEAD)
    partner = f.PartnerFactory(
        application=application,
        organisation=mons,
        role=PartnerRole.PARTNER,
        number=2,
        contact_name="Bram Claes",
        contact_email=bram.email,
    )
    signed = timezone.now()
    for member, user, budget, eu, own in [
        (lead, nadia, "100000", "60000", "40000"),
        (partner, bram, "50000", "30000", "20000"),
    ]:
        f.BudgetLineFactory(partner=member, year=2027, amount=Decimal(budget))
        f.CofinancingFactory(partner=member, source=FundingSource.EU, amount=Decimal(eu))
        f.CofinancingFactory(partner=member, source=FundingSource.OWN_FUNDS, amount=Decimal(own))
        member.commitment_signed_at = signed
        member.commitment_signed_by = user
        member.save(update_fields=["commitment_signed_at", "commitment_signed_by"])
        _attachment(
            application, "lettre-engagement", f"engagement-{member.number}.pdf", user, member
        )
    _attachment(application, "budget-detaille", "budget.pdf", nadia)

    try:
        application_submit(application=application, actor=nadia)
    except SubmissionRefused as refused:
        pytest.fail("The dossier is refused: " + " | ".join(refused.reasons))
    application.refresh_from_db()
    assert application.status == S.SUBMITTED
    return {
        "application": application,
        "officer": officer,
        "assessors": assessors,
        "criteria": criteria,
        "nadia": nadia,
        "call": call,
    }


def _step(page, name):
    assert_accessible(page, name)
    screenshot(page, f"officer-{name}")


def _new_page(page):
    """A page in a browser context of its own: another person, another session."""
    context = page.context.browser.new_context(
        locale="fr-FR", viewport={"width": 1280, "height": 900}
    )
    other = context.new_page()
    other.set_default_timeout(15_000)
    return other


def _success(page, text):
    page.locator(".alert--success", has_text=text).first.wait_for()


def test_an_interreg_officer_takes_a_dossier_from_submission_to_the_project_start(
    officer_world, live_server, browser_page
):
    page = browser_page
    base = live_server.url
    application = officer_world["application"]
    reference = application.reference
    first = Snapshot.objects.get(application=application, number=1)
    criteria = officer_world["criteria"]
    mail.outbox.clear()

    # 1. The officer logs in, opens the queue from the menu, searches the acronym and opens
    # the dossier: its fingerprint and the verdicts frozen at submission.
    _log_in(page, base, officer_world["officer"].email, PASSWORD)
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Instruction"
    ).click()
    page.get_by_role("heading", name="Instruction des dossiers").wait_for()
    page.fill("#id_q", ACRONYM)
    page.get_by_role("button", name="Filtrer").click()
    page.wait_for_url(re.compile(r".*[?&]q=PASSERELLES.*"))
    assert page.locator(".queue-table tbody tr").count() == 1
    _step(page, "01-queue")
    page.get_by_role("link", name=reference, exact=True).click()
    page.wait_for_url(re.compile(rf".*/instruction/dossiers/{reference}/$"))
    main = page.locator("main")
    assert first.sha256 in main.inner_text()
    eligibility = page.locator(".eligibility-table").first
    assert eligibility.locator(".badge--verdict-pass").count() >= 5
    assert eligibility.locator(".badge--verdict-fail").count() == 0
    assert "Aucune différence avec les verdicts figés au dépôt." in main.inner_text()
    _step(page, "02-dossier")

    # 2. The officer opens the screening, then asks a clarification before concluding:
    # "Identification" is reopened with a question.
    page.get_by_role("link", name="Recevabilité", exact=True).click()
    page.get_by_role("button", name="Commencer le contrôle de recevabilité").click()
    _success(page, "Le contrôle de recevabilité est ouvert.")
    _step(page, "03-screening-open")
    page.get_by_role("link", name="Demandes de compléments", exact=True).click()
    page.get_by_label("Identification", exact=True).check()
    page.get_by_label("Question posée au porteur").fill(QUESTION)
    _step(page, "04-clarification")
    page.get_by_role("button", name="Envoyer la demande de compléments").click()
    page.wait_for_url(re.compile(rf".*/instruction/dossiers/{reference}/$"))
    _success(page, "La demande de compléments est envoyée")
    page.locator(".clarification", has_text=QUESTION).get_by_text(
        "En attente de réponse"
    ).wait_for()
    _step(page, "05-clarification-sent")
    asked = [m for m in mail.outbox if "Demande de compléments" in m.subject]
    assert [m.to for m in asked] == [[officer_world["nadia"].email]]
    assert QUESTION in asked[0].body

    # 3. The applicant, in her own browser, reads the question, completes the summary
    # (saved as she types) and submits again.
    nadia = _new_page(page)
    _log_in(nadia, base, officer_world["nadia"].email, PASSWORD)
    nadia.goto(f"{base}/dossiers/{reference}/")
    notice = nadia.locator(".clarification-notice")
    assert QUESTION in notice.inner_text()
    _step(nadia, "06-applicant-question")
    notice.get_by_role("link", name="Identification").click()
    nadia.wait_for_url(re.compile(rf".*/dossiers/{reference}/identification/$"))
    nadia.fill("#id_summary", NEW_SUMMARY)
    nadia.keyboard.press("Tab")
    _saved(nadia)
    _step(nadia, "07-applicant-identification")
    nadia.goto(f"{base}/dossiers/{reference}/depot/")
    _step(nadia, "08-applicant-resubmit")
    nadia.locator("input[type=checkbox][name=confirm]").check()
    nadia.get_by_role("button", name="Déposer le dossier").click()
    nadia.wait_for_url(re.compile(rf".*/dossiers/{reference}/$"))
    nadia.context.close()
    second = Snapshot.objects.get(application=application, number=2)
    assert second.sha256 != first.sha256
    assert second.data["summary"] == NEW_SUMMARY

    # 4. The officer sees version 2 and its new fingerprint, reads version 1, screens every
    # rule as the engine judged it and declares the dossier admissible.
    page.goto(f"{base}{reverse('review:dossier', args=[reference])}")
    main = page.locator("main")
    assert second.sha256 in main.inner_text()
    assert "n° 2 (la plus récente)" in main.inner_text()
    assert "Répondue par" in main.inner_text()
    _step(page, "09-version-2")
    page.get_by_role("link", name="Version 1", exact=True).click()
    page.wait_for_url(re.compile(r".*/versions/1/$"))
    assert first.sha256 in page.locator("main").inner_text()
    _step(page, "10-version-1")
    page.goto(f"{base}{reverse('review:screening', args=[reference])}")
    page.get_by_role("button", name="Commencer le contrôle de recevabilité").click()
    _success(page, "Le contrôle de recevabilité est ouvert.")
    selects = page.locator("select[name$='-officer_verdict']")
    assert selects.count() >= 5
    for index in range(selects.count()):
        assert (
            "verdict du moteur confirmé"
            in selects.nth(index).locator("option:checked").inner_text()
        )
    page.get_by_role("button", name="Enregistrer les verdicts").click()
    _success(page, "Les verdicts de l'agent sont enregistrés.")
    page.get_by_label("Recevable", exact=True).check()
    page.get_by_label("Motifs transmis au porteur").fill(
        "Toutes les conditions d'éligibilité de l'appel sont remplies."
    )
    _step(page, "11-screening")
    page.get_by_role("button", name="Conclure la recevabilité").click()
    page.wait_for_url(re.compile(rf".*/instruction/dossiers/{reference}/$"))
    _success(page, "Recevable")
    application.refresh_from_db()
    assert application.status == S.ADMISSIBLE

    # 5. The officer assigns the two assessors.
    page.goto(f"{base}{reverse('review:assign', args=[reference])}")
    for assessor in officer_world["assessors"]:
        page.get_by_label(assessor.get_full_name(), exact=True).check()
    _step(page, "12-assign")
    page.get_by_role("button", name="Désigner", exact=True).click()
    _success(page, "Évaluateurs désignés")
    _step(page, "13-assigned")
    application.refresh_from_db()
    assert application.status == S.UNDER_ASSESSMENT

    # 6. Each assessor, in their own browser, declares no conflict of interest, scores both
    # criteria with a justification and submits.
    for number, (assessor, scores) in enumerate(
        zip(officer_world["assessors"], [("24", "16"), ("22", "14")], strict=True), start=1
    ):
        expert = _new_page(page)
        _log_in(expert, base, assessor.email, PASSWORD)
        expert.get_by_role("navigation", name="Menu principal").get_by_role(
            "link", name="Mes évaluations"
        ).click()
        expert.get_by_role("heading", name="Mes évaluations", exact=True).wait_for()
        _step(expert, f"{13 + 2 * number - 1:02d}-assessor-{number}-list")
        expert.get_by_role("link", name=reference).click()
        expert.get_by_label(re.compile("aucun conflit d'intérêts")).check()
        expert.get_by_role("button", name="Déclarer et ouvrir le dossier").click()
        expert.wait_for_url(re.compile(r".*/evaluations/\d+/$"))
        assert second.sha256 in expert.locator("main").inner_text()
        for criterion, score in zip(criteria, scores, strict=True):
            expert.fill(f"#id_score_{criterion.pk}", score)
            expert.fill(
                f"#id_comment_{criterion.pk}",
                f"{criterion.name} : argumentation solide, public bien ciblé.",
            )
        _step(expert, f"{13 + 2 * number:02d}-assessor-{number}-scores")
        expert.get_by_role("button", name="Remettre l'évaluation").click()
        _success(expert, "Votre évaluation du dossier")
        expert.context.close()

    # 7. The officer opens the call's ranking: the dossier with its consolidated score and a
    # favourable recommendation; selected with an amount by the committee.
    page.goto(f"{base}{reverse('review:ranking', args=[CALL])}")
    row = page.locator("table.ranking-table tbody tr", has_text=reference)
    ranked = " ".join(row.text_content().split())
    assert "2 évaluations remises" in ranked
    assert "38 / 50" in ranked  # (40 + 36) / 2
    assert "Favorable" in ranked
    page.select_option(f"#id_outcome_{application.pk}", "selected")
    page.fill(f"#id_amount_{application.pk}", "85 000,00")
    page.fill(f"#id_reasons_{application.pk}", "Montant ajusté aux coûts éligibles.")
    page.fill("#id_committee", "Comité de pilotage Interreg FWVL")
    page.fill("#id_decided_on", timezone.localdate().isoformat())
    page.fill("#id_reasons", "Projet pertinent, partenariat équilibré des deux côtés.")
    _step(page, "18-ranking")
    page.get_by_role("button", name="Enregistrer les décisions").click()
    _success(page, "1 décision(s) enregistrée(s)")
    assert "Retenu — 85" in page.locator("table.ranking-table").text_content()
    _step(page, "19-selected")

    # 8. The officer records the agreement and starts the project: the report calendar,
    # every 6 months under Interreg.
    page.goto(f"{base}{reverse('review:contract', args=[reference])}")
    page.get_by_label("Référence de la convention").fill("FWVL-4-CONV-2026-017")
    page.get_by_label("Date de signature").fill(timezone.localdate().isoformat())
    _step(page, "20-contract")
    page.get_by_role("button", name="Enregistrer la convention").click()
    _success(page, "FWVL-4-CONV-2026-017")
    page.get_by_role("button", name="Démarrer le projet").click()
    _success(page, "est en cours de réalisation")
    calendar = page.locator("section[aria-labelledby=contract-calendar]")
    assert "tous les 6 mois" in calendar.inner_text()
    assert calendar.locator("tbody tr").count() == 4  # 24 months of project
    assert "4 (final)" in calendar.inner_text()
    _step(page, "21-in-progress")

    # The record: every transition, both versions, both assessments, the decision, the mail.
    application.refresh_from_db()
    assert application.status == S.IN_PROGRESS
    assert application.contract_reference == "FWVL-4-CONV-2026-017"
    assert application.call.programme.report_interval_months == 6
    trail = list(
        application.status_changes.order_by("created_at", "pk").values_list(
            "from_status", "to_status"
        )
    )
    assert trail == [
        (S.DRAFT, S.SUBMITTED),
        (S.SUBMITTED, S.ELIGIBILITY_REVIEW),
        (S.ELIGIBILITY_REVIEW, S.CLARIFICATION_REQUESTED),
        (S.CLARIFICATION_REQUESTED, S.SUBMITTED),
        (S.SUBMITTED, S.ELIGIBILITY_REVIEW),
        (S.ELIGIBILITY_REVIEW, S.ADMISSIBLE),
        (S.ADMISSIBLE, S.UNDER_ASSESSMENT),
        (S.UNDER_ASSESSMENT, S.SELECTED),
        (S.SELECTED, S.CONTRACTED),
        (S.CONTRACTED, S.IN_PROGRESS),
    ]
    assert Snapshot.objects.filter(application=application).count() == 2
    assert (
        Assessment.objects.filter(application=application, status=AssessmentStatus.SUBMITTED)
        .values("assessor")
        .count()
        == 2
    )
    decision = Decision.objects.get(application=application)
    assert decision.amount_granted == AMOUNT
    assert decision.decided_by == officer_world["officer"]
    assert decision.committee == "Comité de pilotage Interreg FWVL"
    to_nadia = {m.subject: m for m in mail.outbox if m.to == [officer_world["nadia"].email]}
    assert {
        f"Demande de compléments sur votre dossier {reference}",
        f"Votre dossier {reference} est recevable",
        f"Décision sur votre dossier {reference}",
        f"Convention signée pour votre dossier {reference}",
        f"Votre projet {reference} a démarré",
    } <= set(to_nadia), sorted(to_nadia)
    notice = to_nadia[f"Décision sur votre dossier {reference}"].body
    assert "Retenu" in notice and "Projet pertinent" in notice
