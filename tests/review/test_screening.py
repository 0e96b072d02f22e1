"""Eligibility screening by an officer of the call's authority: opening it, confirming or
overriding each rule's frozen verdict (an override needs a justification), declaring the
dossier admissible or ineligible with reasons told to the applicant; transitions outside the
table and two officers concluding at once are refused; nobody else sees the page."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from applications.choices import ApplicationStatus, ScreeningVerdict
from applications.models import Application, EligibilityScreening, StatusChange
from applications.services import ServiceRefused, application_submit
from applications.workflow import TransitionError
from calls.choices import AuthorityRole, RuleKind, RuleSeverity
from review.screening import (
    ScreeningEntry,
    screening_conclude,
    screening_record,
    screening_start,
)
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def rules(call):
    """A blocking rule the dossier meets and a warning rule it does not."""
    return (
        f.EligibilityRuleFactory(
            call=call, kind=RuleKind.MIN_PARTNERS, parameters={"minimum": 2}, position=1
        ),
        f.EligibilityRuleFactory(
            call=call,
            kind=RuleKind.MIN_PARTNERS,
            parameters={"minimum": 3},
            severity=RuleSeverity.WARNING,
            position=2,
        ),
    )


@pytest.fixture
def submitted(dossier, rules, alice):
    partner = dossier.partners.get(number=2)
    partner.contact_email = "contact@b.example.org"
    partner.save()
    application_submit(application=dossier, actor=alice)
    dossier.refresh_from_db()
    return dossier


@pytest.fixture
def in_review(submitted, olivia):
    screening_start(application=submitted, actor=olivia)
    submitted.refresh_from_db()
    return submitted


def _url(application):
    return reverse("review:screening", args=[application.reference])


def _verdicts(rules, verdicts, justifications=None):
    data = {"action": "record"}
    justifications = justifications or {}
    for rule, verdict in zip(rules, verdicts, strict=True):
        data[f"rule-{rule.pk}-officer_verdict"] = verdict
        data[f"rule-{rule.pk}-justification"] = justifications.get(rule.pk, "")
    return data


def _conclude(outcome, reasons="", seen=ApplicationStatus.ELIGIBILITY_REVIEW):
    return {"action": "conclude", "outcome": outcome, "reasons": reasons, "seen_status": seen}


def _confirm_all(client, application, rules):
    return client.post(_url(application), _verdicts(rules, ["pass", "warning"]))


# --- opening the screening -----------------------------------------------------------------


def test_the_officer_opens_the_screening_of_a_submitted_dossier(client, olivia, submitted):
    client.force_login(olivia)
    page = client.get(_url(submitted)).content.decode()
    assert "Commencer le contrôle de recevabilité" in page

    response = client.post(
        _url(submitted), {"action": "start", "seen_status": ApplicationStatus.SUBMITTED}
    )

    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.ELIGIBILITY_REVIEW
    change = StatusChange.objects.filter(application=submitted).latest("created_at", "pk")
    assert (change.from_status, change.to_status, change.actor) == (
        "submitted",
        "eligibility_review",
        olivia,
    )


def test_the_screening_page_lists_each_rule_with_its_frozen_verdict(client, olivia, in_review):
    client.force_login(olivia)
    html = client.get(_url(in_review)).content.decode()
    assert "Au moins 2 organisations sont requises ; ce consortium en compte 2." in html
    assert "Au moins 3 organisations sont requises ; ce consortium en compte 2." in html
    assert 'name="rule-' in html
    assert "verdict du moteur confirmé" in html
    assert "Conclure la recevabilité" in html


# --- recording verdicts --------------------------------------------------------------------


def test_confirming_the_engine_verdicts_records_them_with_the_officer(
    client, olivia, in_review, rules
):
    client.force_login(olivia)
    response = _confirm_all(client, in_review, rules)
    assert response.status_code == 302
    screenings = list(EligibilityScreening.objects.filter(application=in_review))
    assert len(screenings) == 2
    assert all(not s.is_override and s.officer == olivia for s in screenings)
    assert {s.engine_verdict for s in screenings} == {"pass", "warning"}


def test_an_override_without_justification_is_refused_with_a_message_and_nothing_saved(
    client, olivia, in_review, rules
):
    client.force_login(olivia)
    response = client.post(_url(in_review), _verdicts(rules, ["fail", "warning"]))
    assert response.status_code == 422
    html = response.content.decode()
    assert "Une justification est obligatoire pour modifier le verdict du moteur" in html
    assert "Rien n&#x27;a été enregistré" in html
    assert not EligibilityScreening.objects.exists()


def test_the_service_refuses_an_override_without_justification_too(olivia, in_review, rules):
    with pytest.raises(ServiceRefused) as refused:
        screening_record(
            application=in_review,
            entries=[
                ScreeningEntry(rules[0].pk, "pass"),
                ScreeningEntry(rules[1].pk, "pass"),
            ],
            actor=olivia,
        )
    assert "une justification est obligatoire" in refused.value.message
    assert not EligibilityScreening.objects.exists()


def test_an_override_with_justification_is_saved_and_shown_as_such(
    client, olivia, in_review, rules
):
    client.force_login(olivia)
    response = client.post(
        _url(in_review),
        _verdicts(rules, ["pass", "pass"], {rules[1].pk: "Le troisième partenaire est associé."}),
    )
    assert response.status_code == 302
    override = EligibilityScreening.objects.get(rule=rules[1])
    assert override.is_override
    assert (override.engine_verdict, override.officer_verdict) == ("warning", "pass")
    assert override.justification == "Le troisième partenaire est associé."
    html = client.get(reverse("review:dossier", args=[in_review.reference])).content.decode()
    assert "Verdict modifié" in html
    assert "Le troisième partenaire est associé." in html
    assert "Olivia" in html


def test_verdicts_are_not_recorded_before_the_screening_is_opened(olivia, submitted, rules):
    with pytest.raises(ServiceRefused):
        screening_record(
            application=submitted,
            entries=[ScreeningEntry(rules[0].pk, "pass")],
            actor=olivia,
        )
    assert not EligibilityScreening.objects.exists()


# --- concluding ----------------------------------------------------------------------------


def test_admissible_requires_every_rule_screened(client, olivia, in_review):
    client.force_login(olivia)
    response = client.post(_url(in_review), _conclude(ApplicationStatus.ADMISSIBLE))
    assert response.status_code == 422
    assert "Chaque règle de l&#x27;appel doit être contrôlée" in response.content.decode()
    in_review.refresh_from_db()
    assert in_review.status == ApplicationStatus.ELIGIBILITY_REVIEW


def test_a_screened_dossier_is_declared_admissible_and_the_applicant_told(
    client, olivia, in_review, rules, django_capture_on_commit_callbacks
):
    client.force_login(olivia)
    _confirm_all(client, in_review, rules)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _url(in_review), _conclude(ApplicationStatus.ADMISSIBLE, "Dossier complet.")
        )
    assert response.status_code == 302
    in_review.refresh_from_db()
    assert in_review.status == ApplicationStatus.ADMISSIBLE
    change = StatusChange.objects.get(application=in_review, to_status="admissible")
    assert (change.from_status, change.actor, change.comment) == (
        "eligibility_review",
        olivia,
        "Dossier complet.",
    )
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@a.example.org", "contact@b.example.org"]
    assert "est recevable" in mail.outbox[0].subject
    assert "Dossier complet." in mail.outbox[0].body


def test_ineligible_requires_reasons(client, olivia, in_review):
    client.force_login(olivia)
    response = client.post(_url(in_review), _conclude(ApplicationStatus.INELIGIBLE, "  "))
    assert response.status_code == 422
    assert "Indiquez les motifs de l&#x27;irrecevabilité" in response.content.decode()
    in_review.refresh_from_db()
    assert in_review.status == ApplicationStatus.ELIGIBILITY_REVIEW
    assert not StatusChange.objects.filter(to_status="ineligible").exists()


def test_an_ineligible_dossier_carries_its_reasons_to_the_applicant_by_mail_and_on_its_page(
    client, olivia, alice, in_review, django_capture_on_commit_callbacks
):
    client.force_login(olivia)
    reasons = "Le porteur n'est pas établi sur le territoire du programme."
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url(in_review), _conclude(ApplicationStatus.INELIGIBLE, reasons))
    assert response.status_code == 302
    in_review.refresh_from_db()
    assert in_review.status == ApplicationStatus.INELIGIBLE
    assert StatusChange.objects.get(to_status="ineligible").comment == reasons
    assert {m.to[0] for m in mail.outbox} == {"alice@a.example.org", "contact@b.example.org"}
    assert all(reasons in m.body and "irrecevable" in m.subject for m in mail.outbox)

    client.force_login(alice)
    overview = client.get(reverse("applications:overview", args=[in_review.reference]))
    html = overview.content.decode()
    assert "Votre dossier est irrecevable" in html
    assert "Le porteur n&#x27;est pas établi sur le territoire du programme." in html


def test_the_outcome_mail_goes_out_only_once_committed(client, olivia, in_review):
    client.force_login(olivia)
    client.post(_url(in_review), _conclude(ApplicationStatus.INELIGIBLE, "Hors délai."))
    assert mail.outbox == []


def test_a_blocking_rule_judged_failed_forbids_admissible(client, olivia, in_review, rules):
    client.force_login(olivia)
    client.post(
        _url(in_review),
        _verdicts(rules, ["fail", "warning"], {rules[0].pk: "Le partenaire B a été dissous."}),
    )
    response = client.post(_url(in_review), _conclude(ApplicationStatus.ADMISSIBLE))
    assert response.status_code == 422
    assert "Une règle bloquante est jugée non conforme" in response.content.decode()
    in_review.refresh_from_db()
    assert in_review.status == ApplicationStatus.ELIGIBILITY_REVIEW
    # Irrecevable remains possible, with reasons.
    response = client.post(
        _url(in_review), _conclude(ApplicationStatus.INELIGIBLE, "Partenaire dissous.")
    )
    assert response.status_code == 302


# --- the workflow --------------------------------------------------------------------------


def test_concluding_without_opening_the_screening_is_refused(client, olivia, submitted):
    client.force_login(olivia)
    response = client.post(
        _url(submitted),
        _conclude(ApplicationStatus.ADMISSIBLE, seen=ApplicationStatus.SUBMITTED),
    )
    assert response.status_code == 409
    assert "ne peut pas passer à l&#x27;état « Recevable »" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.SUBMITTED
    assert list(StatusChange.objects.values_list("to_status", flat=True)) == ["submitted"]


def test_the_service_refuses_a_transition_not_in_the_table(olivia, submitted):
    with pytest.raises(TransitionError) as refused:
        screening_conclude(
            application=submitted, outcome=ApplicationStatus.ADMISSIBLE, reasons="", actor=olivia
        )
    assert not refused.value.conflict


def test_an_officer_of_another_authority_cannot_use_the_services(oscar, submitted):
    with pytest.raises(ServiceRefused):
        screening_start(application=submitted, actor=oscar)
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.SUBMITTED


def test_two_officers_concluding_at_once_one_wins_the_other_is_told(
    client, olivia, authority, in_review, rules, django_capture_on_commit_callbacks
):
    colleague = f.UserFactory(email="omar@authority.example.org", first_name="Omar")
    f.AuthorityMemberFactory(user=colleague, authority=authority, role=AuthorityRole.OFFICER)
    client.force_login(olivia)
    _confirm_all(client, in_review, rules)
    # Both pages were opened while the dossier was under screening.
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(_url(in_review), _conclude(ApplicationStatus.ADMISSIBLE, "Complet."))
    assert first.status_code == 302
    client.force_login(colleague)
    with django_capture_on_commit_callbacks(execute=True):
        second = client.post(
            _url(in_review), _conclude(ApplicationStatus.INELIGIBLE, "Pièce manquante.")
        )
    assert second.status_code == 409
    assert "Le dossier a changé d&#x27;état entre-temps" in second.content.decode()
    in_review.refresh_from_db()
    assert in_review.status == ApplicationStatus.ADMISSIBLE
    outcomes = StatusChange.objects.filter(to_status__in=["admissible", "ineligible"])
    assert list(outcomes.values_list("to_status", "actor")) == [("admissible", olivia.pk)]
    assert len(mail.outbox) == 2  # the first outcome only


def test_a_stale_dossier_raises_a_conflict_in_the_service(olivia, in_review, rules):
    screening_record(
        application=in_review,
        entries=[ScreeningEntry(rules[0].pk, "pass"), ScreeningEntry(rules[1].pk, "warning")],
        actor=olivia,
    )
    stale = Application.objects.get(pk=in_review.pk)
    screening_conclude(
        application=in_review, outcome=ApplicationStatus.ADMISSIBLE, reasons="", actor=olivia
    )
    with pytest.raises(TransitionError) as refused:
        screening_conclude(
            application=stale, outcome=ApplicationStatus.INELIGIBLE, reasons="Non.", actor=olivia
        )
    assert refused.value.conflict


# --- permissions ---------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["alice", "bob", "charlie", "oscar", "ada"])
def test_only_the_calls_officers_see_the_screening(client, request, persona, in_review, rules):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    assert client.get(_url(in_review)).status_code == 404
    assert client.post(_url(in_review), _verdicts(rules, ["pass", "warning"])).status_code == 404
    assert (
        client.post(_url(in_review), _conclude(ApplicationStatus.INELIGIBLE, "x")).status_code
        == 404
    )
    assert not EligibilityScreening.objects.exists()
    in_review.refresh_from_db()
    assert in_review.status == ApplicationStatus.ELIGIBILITY_REVIEW


def test_a_visitor_is_sent_to_the_login_page(client, submitted):
    response = client.get(_url(submitted))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]
    response = client.post(_url(submitted), {"action": "start"})
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_a_draft_does_not_exist_for_the_officer(client, olivia, dossier):
    client.force_login(olivia)
    assert client.get(_url(dossier)).status_code == 404


def test_the_screening_page_keeps_the_same_number_of_queries_whatever_the_rules(
    client, olivia, in_review, rules, call
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(olivia)
    client.get(_url(in_review))
    with CaptureQueriesContext(connection) as few:
        assert client.get(_url(in_review)).status_code == 200
    for position in range(3, 13):
        f.EligibilityRuleFactory(
            call=call,
            kind=RuleKind.MIN_PARTNERS,
            parameters={"minimum": 2},
            position=position,
        )
    client.get(_url(in_review))  # the engine's cache of the call's rules, loaded again
    with CaptureQueriesContext(connection) as many:
        assert client.get(_url(in_review)).status_code == 200
    assert len(few) == len(many)


def test_screening_verdict_choices_are_the_models(in_review):
    assert set(ScreeningVerdict.values) == {"pass", "fail", "warning", "not_applicable"}


def test_verdicts_recorded_before_a_clarification_must_be_recorded_again(
    client, olivia, alice, in_review, rules
):
    from review.screening import clarification_request

    client.force_login(olivia)
    _confirm_all(client, in_review, rules)
    clarification_request(
        application=in_review, sections=["context"], question="Précisez.", actor=olivia
    )
    application_submit(application=in_review, actor=alice)
    screening_start(application=in_review, actor=olivia)

    response = client.post(_url(in_review), _conclude(ApplicationStatus.ADMISSIBLE))
    assert response.status_code == 422
    assert "Chaque règle de l&#x27;appel doit être contrôlée" in response.content.decode()
    assert "Contrôle antérieur à la dernière version déposée" in response.content.decode()
    _confirm_all(client, in_review, rules)
    response = client.post(_url(in_review), _conclude(ApplicationStatus.ADMISSIBLE))
    assert response.status_code == 302
