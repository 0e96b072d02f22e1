"""Assessors and their assessments: assignment from the authority's pool, the declaration of
no conflict of interest before anything else, scores within their maximum with a comment,
the submission, the other assessors' scores hidden until one's own is submitted, and the
consolidation (means, spread, recommendation) and ranking of a call."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.http import HttpRequest
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applications.choices import ApplicationStatus as S
from applications.choices import AssessmentStatus as A
from applications.models import Assessment, Score, StatusChange
from applications.services import application_submit
from applications.workflow import transition
from calls.choices import AuthorityRole
from review.assessment import (
    ReviewRefused,
    ScoreInput,
    assessment_assign,
    assessment_declare_no_conflict,
    assessment_decline,
    assessment_remove,
    assessment_save_scores,
    assessment_submit,
    call_ranking,
    consolidated_scores,
)
from tests import factories as f

PASSWORD = "correct-horse-battery"
ASSESS_QUERIES = 8

# --- helpers shared with test_decision ------------------------------------------------------


def erasmus_criteria(call):
    """The KA220 award criteria of DOMAIN.md: 25/30/20/25, each with half its maximum as
    threshold (rounded up), and 60 of 100 in total."""
    call.min_total_score = Decimal("60")
    call.save(update_fields=["min_total_score"])
    specs = [
        ("pertinence", "Pertinence", "25", "13"),
        ("qualite", "Qualité de la conception", "30", "15"),
        ("partenariat", "Partenariat", "20", "10"),
        ("impact", "Impact", "25", "13"),
    ]
    return [
        f.AssessmentCriterionFactory(
            call=call,
            position=position,
            code=code,
            name=name,
            max_score=Decimal(maximum),
            threshold=Decimal(threshold),
        )
        for position, (code, name, maximum, threshold) in enumerate(specs, start=1)
    ]


def make_admissible(application, *, applicant, officer):
    """Submit ``application`` (a snapshot is frozen) and screen it admissible."""
    application_submit(application=application, actor=applicant)
    transition(application=application, to_status=S.ELIGIBILITY_REVIEW, actor=officer)
    transition(application=application, to_status=S.ADMISSIBLE, actor=officer)
    return application


def assessor_of(authority, name: str):
    user = f.UserFactory(email=f"{name.lower()}@experts.example.org", first_name=name)
    f.AuthorityMemberFactory(user=user, authority=authority, role=AuthorityRole.ASSESSOR)
    return user


def scored(assessment, criteria, values, *, submit=True):
    """Declare, score each criterion with ``values`` and (by default) submit."""
    assessment_declare_no_conflict(assessment=assessment, actor=assessment.assessor)
    scores = {
        criterion.pk: ScoreInput(score=Decimal(str(value)), comment="Justifié.")
        for criterion, value in zip(criteria, values, strict=True)
    }
    if submit:
        return assessment_submit(assessment=assessment, actor=assessment.assessor, scores=scores)
    return assessment_save_scores(assessment=assessment, actor=assessment.assessor, scores=scores)


def login(client, user):
    # django-axes throttles every authentication: it needs the request.
    assert client.login(request=HttpRequest(), email=user.email, password=PASSWORD)
    return client


# --- fixtures ----------------------------------------------------------------------------


@pytest.fixture
def criteria(call):
    return erasmus_criteria(call)


@pytest.fixture
def admissible(dossier, alice, olivia):
    return make_admissible(dossier, applicant=alice, officer=olivia)


@pytest.fixture
def ines(authority):
    """A second assessor of Olivia's authority (not assigned unless a test does it)."""
    return assessor_of(authority, "Ines")


@pytest.fixture
def otto(other_authority):
    """An assessor of another authority."""
    return assessor_of(other_authority, "Otto")


@pytest.fixture
def assigned(admissible, ada, olivia, criteria):
    """Ada assigned to the admissible dossier (now under assessment)."""
    (assessment,) = assessment_assign(application=admissible, assessors=[ada], actor=olivia)
    return assessment


def score_post(criteria, values, comments=None, action="save", overall=""):
    data = {"action": action, "overall_comment": overall}
    for index, criterion in enumerate(criteria):
        value = values[index] if index < len(values) else ""
        data[f"score_{criterion.pk}"] = value
        data[f"comment_{criterion.pk}"] = (
            comments[index] if comments is not None else ("Bien argumenté." if value != "" else "")
        )
    return data


# --- assignment --------------------------------------------------------------------------


def test_officer_assigns_assessors_from_the_pool_and_the_dossier_goes_under_assessment(
    client, admissible, olivia, ada, ines, criteria, mailoutbox, django_capture_on_commit_callbacks
):
    login(client, olivia)
    url = reverse("review:assign", args=[admissible.reference])
    page = client.get(url)
    assert page.status_code == 200
    assert "Ada" in page.content.decode() and "Ines" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "assign", "assessors": [ada.pk, ines.pk]})
    assert response.status_code == 302
    admissible.refresh_from_db()
    assert admissible.status == S.UNDER_ASSESSMENT
    assert set(admissible.assessments.values_list("assessor", flat=True)) == {ada.pk, ines.pk}
    change = StatusChange.objects.get(application=admissible, to_status=S.UNDER_ASSESSMENT)
    assert change.actor == olivia and change.from_status == S.ADMISSIBLE
    assert sorted(message.to[0] for message in mailoutbox) == sorted([ada.email, ines.email])
    assert admissible.reference in mailoutbox[0].subject


def test_a_second_assignment_keeps_the_dossier_under_assessment(assigned, olivia, ines):
    assessment_assign(application=assigned.application, assessors=[ines], actor=olivia)
    application = assigned.application
    application.refresh_from_db()
    assert application.status == S.UNDER_ASSESSMENT
    assert StatusChange.objects.filter(to_status=S.UNDER_ASSESSMENT).count() == 1


def test_an_assessor_of_another_authority_is_refused(client, admissible, olivia, otto, ada):
    with pytest.raises(ReviewRefused, match="ne fait pas partie des évaluateurs"):
        assessment_assign(application=admissible, assessors=[otto], actor=olivia)
    login(client, olivia)
    response = client.post(
        reverse("review:assign", args=[admissible.reference]),
        {"action": "assign", "assessors": [otto.pk]},
    )
    assert response.status_code == 422
    assert "Choisissez parmi les évaluateurs proposés." in response.content.decode()
    assert not Assessment.objects.exists()
    admissible.refresh_from_db()
    assert admissible.status == S.ADMISSIBLE


def test_assigning_nobody_is_refused_with_a_message(client, admissible, olivia, ada):
    login(client, olivia)
    response = client.post(
        reverse("review:assign", args=[admissible.reference]), {"action": "assign"}
    )
    assert response.status_code == 422
    assert "Choisissez au moins un évaluateur." in response.content.decode()
    assert not Assessment.objects.exists()


def test_an_officer_of_another_authority_cannot_assign(admissible, oscar, ada):
    with pytest.raises(ReviewRefused):
        assessment_assign(application=admissible, assessors=[ada], actor=oscar)
    assert not Assessment.objects.exists()


def test_a_dossier_not_yet_admissible_gets_no_assessor(client, dossier, alice, olivia, ada):
    application_submit(application=dossier, actor=alice)
    with pytest.raises(ReviewRefused, match="recevable ou en évaluation"):
        assessment_assign(application=dossier, assessors=[ada], actor=olivia)
    login(client, olivia)
    response = client.post(
        reverse("review:assign", args=[dossier.reference]),
        {"action": "assign", "assessors": [ada.pk]},
    )
    assert response.status_code == 409
    assert not Assessment.objects.exists()


def test_an_assessor_already_assigned_is_not_assigned_twice(assigned, olivia, ada):
    with pytest.raises(ReviewRefused, match="déjà désigné"):
        assessment_assign(application=assigned.application, assessors=[ada], actor=olivia)
    assert Assessment.objects.count() == 1


def test_an_assignment_without_scores_can_be_removed_not_one_with_scores(
    client, assigned, olivia, ines, criteria
):
    (other,) = assessment_assign(application=assigned.application, assessors=[ines], actor=olivia)
    scored(assigned, criteria, [20, 20, 15, 20], submit=False)
    login(client, olivia)
    url = reverse("review:assign", args=[assigned.application.reference])
    client.post(url, {"action": "remove", "assessment": other.pk})
    assert not Assessment.objects.filter(pk=other.pk).exists()
    with pytest.raises(ReviewRefused, match="déjà commencé"):
        assessment_remove(assessment=assigned, actor=olivia)
    response = client.post(url, {"action": "remove", "assessment": assigned.pk}, follow=True)
    assert "déjà commencé" in response.content.decode()
    assert Assessment.objects.filter(pk=assigned.pk).exists()


# --- conflict of interest ---------------------------------------------------------------


def test_the_assessor_cannot_score_before_declaring_no_conflict(client, assigned, criteria):
    ada = assigned.assessor
    with pytest.raises(ReviewRefused, match="conflit d'intérêts"):
        assessment_save_scores(
            assessment=assigned,
            actor=ada,
            scores={criteria[0].pk: ScoreInput(Decimal("10"), "Bien.")},
        )
    login(client, ada)
    url = reverse("review:assess", args=[assigned.pk])
    assert client.get(url)["Location"] == reverse("review:declare", args=[assigned.pk])
    response = client.post(url, score_post(criteria, ["10", "10", "10", "10"]))
    assert response.status_code == 403
    assert not Score.objects.exists()


def test_declaring_no_conflict_opens_the_dossier(client, assigned, criteria):
    ada = assigned.assessor
    login(client, ada)
    url = reverse("review:declare", args=[assigned.pk])
    refused = client.post(url, {"action": "declare"})
    assert refused.status_code == 422
    assert "Cochez cette case" in refused.content.decode()
    response = client.post(url, {"action": "declare", "no_conflict": "on"})
    assert response["Location"] == reverse("review:assess", args=[assigned.pk])
    assigned.refresh_from_db()
    assert assigned.no_conflict_declared_at is not None
    page = client.get(reverse("review:assess", args=[assigned.pk]))
    assert page.status_code == 200
    content = page.content.decode()
    assert assigned.application.title in content
    assert "Organisation A" in content and "Organisation B" in content
    assert "Pertinence" in content


def test_declining_needs_a_reason_and_tells_the_officer(
    client, assigned, olivia, mailoutbox, django_capture_on_commit_callbacks
):
    ada = assigned.assessor
    login(client, ada)
    url = reverse("review:declare", args=[assigned.pk])
    refused = client.post(url, {"action": "decline", "reason": "  "})
    assert refused.status_code == 422
    assert "Indiquez le motif" in refused.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "decline", "reason": "Je connais le porteur."})
    assert response.status_code == 302
    assigned.refresh_from_db()
    assert assigned.status == A.DECLINED
    assert assigned.overall_comment == "Je connais le porteur."
    assert [message.to for message in mailoutbox] == [[olivia.email]]
    assert "Je connais le porteur." in mailoutbox[0].body
    with pytest.raises(ReviewRefused):
        assessment_declare_no_conflict(assessment=assigned, actor=ada)


def test_only_the_assigned_assessor_declares(assigned, ines):
    with pytest.raises(ReviewRefused):
        assessment_decline(assessment=assigned, actor=ines, reason="Pas moi.")


# --- scores -----------------------------------------------------------------------------


@pytest.fixture
def declared(assigned):
    assessment_declare_no_conflict(assessment=assigned, actor=assigned.assessor)
    return assigned


def test_a_score_above_the_maximum_is_refused(client, declared, criteria):
    login(client, declared.assessor)
    response = client.post(
        reverse("review:assess", args=[declared.pk]), score_post(criteria, ["26"])
    )
    assert response.status_code == 422
    assert "ne peut pas dépasser 25 points" in response.content.decode()
    assert not Score.objects.exists()
    with pytest.raises(ReviewRefused) as refused:
        assessment_save_scores(
            assessment=declared,
            actor=declared.assessor,
            scores={criteria[0].pk: ScoreInput(Decimal("25.5"), "Trop.")},
        )
    assert criteria[0].pk in refused.value.errors


def test_a_comment_is_required_with_a_score(client, declared, criteria):
    login(client, declared.assessor)
    response = client.post(
        reverse("review:assess", args=[declared.pk]),
        score_post(criteria, ["20"], comments=["", "", "", ""]),
    )
    assert response.status_code == 422
    assert "Justifiez la note" in response.content.decode()
    assert not Score.objects.exists()


def test_a_draft_is_saved_then_the_submission_needs_every_criterion(client, declared, criteria):
    login(client, declared.assessor)
    url = reverse("review:assess", args=[declared.pk])
    response = client.post(url, score_post(criteria, ["20", "22,5"]))
    assert response.status_code == 302
    declared.refresh_from_db()
    assert declared.status == A.IN_PROGRESS
    assert sorted(Score.objects.values_list("score", flat=True)) == [
        Decimal("20.00"),
        Decimal("22.50"),
    ]
    refused = client.post(url, score_post(criteria, ["20", "22,5"], action="submit"))
    assert refused.status_code == 422
    assert "Notez chaque critère" in refused.content.decode()
    declared.refresh_from_db()
    assert declared.status == A.IN_PROGRESS and declared.submitted_at is None
    done = client.post(url, score_post(criteria, ["20", "22,5", "15", "18"], action="submit"))
    assert done.status_code == 302
    declared.refresh_from_db()
    assert declared.status == A.SUBMITTED and declared.submitted_at is not None
    assert Score.objects.filter(assessment=declared).count() == 4
    again = client.post(url, score_post(criteria, ["1", "1", "1", "1"], action="save"))
    assert again.status_code == 409
    assert Score.objects.filter(assessment=declared, score=1).count() == 0


def test_other_assessors_scores_are_hidden_until_ones_own_is_submitted(
    client, assigned, olivia, ines, criteria
):
    (second,) = assessment_assign(application=assigned.application, assessors=[ines], actor=olivia)
    scored(second, criteria, [21, 27, 17, 22], submit=True)
    second_comment = "Argument propre à Ines"
    Score.objects.filter(assessment=second).update(comment=second_comment)
    assessment_declare_no_conflict(assessment=assigned, actor=assigned.assessor)
    login(client, assigned.assessor)
    url = reverse("review:assess", args=[assigned.pk])
    before = client.get(url).content.decode()
    assert second_comment not in before and "Ines" not in before
    assert "une fois votre évaluation remise" in before
    client.post(url, score_post(criteria, ["20", "20", "15", "20"], action="submit"))
    after = client.get(url).content.decode()
    assert second_comment in after and "Ines" in after


# --- consolidation ---------------------------------------------------------------------


def _two_assessments(assigned, olivia, ines, criteria, first, second):
    (other,) = assessment_assign(application=assigned.application, assessors=[ines], actor=olivia)
    scored(assigned, criteria, first)
    scored(other, criteria, second)
    return consolidated_scores(assigned.application)


def test_consolidation_means_per_criterion_and_total(assigned, olivia, ines, criteria):
    result = _two_assessments(
        assigned, olivia, ines, criteria, [20, 25, 15, 20], [22, 26.5, 16, 19]
    )
    assert [row.mean for row in result.criteria] == [
        Decimal("21.00"),
        Decimal("25.75"),
        Decimal("15.50"),
        Decimal("19.50"),
    ]
    assert result.totals == [Decimal("80.00"), Decimal("83.50")]
    assert result.mean_total == Decimal("81.75")
    assert result.max_total == Decimal("100.00")
    assert result.spread == Decimal("3.50")
    assert result.margin == Decimal("30.00")
    assert not result.spread_flagged
    assert result.recommendation == "pass" and result.reasons == []


def test_a_spread_above_the_margin_is_flagged(assigned, olivia, ines, criteria, settings):
    result = _two_assessments(assigned, olivia, ines, criteria, [25, 30, 20, 25], [13, 15, 10, 13])
    assert result.spread == Decimal("49.00") and result.spread_flagged
    settings.REVIEW_SCORE_SPREAD_MARGIN = Decimal("0.50")
    again = consolidated_scores(assigned.application)
    assert again.margin == Decimal("50.00") and not again.spread_flagged


def test_a_criterion_under_its_threshold_fails_even_with_a_good_total(
    assigned, olivia, ines, criteria
):
    result = _two_assessments(assigned, olivia, ines, criteria, [12, 30, 20, 25], [12, 30, 20, 25])
    assert result.mean_total == Decimal("87.00")
    assert result.recommendation == "fail"
    assert result.reasons == ["Pertinence : moyenne 12 sous le seuil de 13."]
    assert result.criteria[0].passes is False and result.criteria[1].passes is True


def test_a_total_under_the_minimum_fails(assigned, olivia, ines, criteria):
    result = _two_assessments(assigned, olivia, ines, criteria, [13, 15, 10, 13], [14, 16, 10, 14])
    assert result.mean_total == Decimal("52.50")
    assert result.recommendation == "fail"
    assert result.reasons == ["Total : moyenne 52,5 sous le minimum de 60."]


def test_without_thresholds_only_submitted_assessments_count(assigned, olivia, ines, criteria):
    type(criteria[0]).objects.filter(pk__in=[c.pk for c in criteria]).update(threshold=None)
    call = assigned.application.call
    call.min_total_score = None
    call.save(update_fields=["min_total_score"])
    (other,) = assessment_assign(application=assigned.application, assessors=[ines], actor=olivia)
    scored(assigned, criteria, [1, 1, 1, 1])
    scored(other, criteria, [25, 30, 20, 25], submit=False)  # a draft does not count
    result = consolidated_scores(assigned.application)
    assert result.totals == [Decimal("4.00")]
    assert result.recommendation == "pass"


def test_no_recommendation_before_any_submission(assigned):
    result = consolidated_scores(assigned.application)
    assert result.recommendation is None and result.mean_total is None


# --- ranking ----------------------------------------------------------------------------


def ranked_dossiers(call, *, officer, assessors, criteria, scores_by_dossier):
    """A dossier under assessment per entry of ``scores_by_dossier`` (a list of score lists,
    one per assessor), each assessed and submitted."""
    applications = []
    for index, per_assessor in enumerate(scores_by_dossier):
        application = f.lead_application(call=call, reference=f"RANK-{index:03d}")
        transition(application=application, to_status=S.SUBMITTED, actor=application.created_by)
        transition(application=application, to_status=S.ELIGIBILITY_REVIEW, actor=officer)
        transition(application=application, to_status=S.ADMISSIBLE, actor=officer)
        created = assessment_assign(
            application=application, assessors=assessors[: len(per_assessor)], actor=officer
        )
        for assessment, values in zip(created, per_assessor, strict=True):
            scored(assessment, criteria, values)
        applications.append(application)
    return applications


def test_the_ranking_orders_by_total_then_first_criterion_then_reference(
    call, olivia, ada, criteria
):
    applications = ranked_dossiers(
        call,
        officer=olivia,
        assessors=[ada],
        criteria=criteria,
        scores_by_dossier=[
            [[15, 25, 15, 15]],  # 70, relevance 15
            [[20, 20, 15, 15]],  # 70, relevance 20: before the first
            [[25, 30, 20, 25]],  # 100
            [[20, 20, 15, 15]],  # 70, relevance 20, a later reference
        ],
    )
    unscored = f.lead_application(call=call, reference="RANK-999")
    transition(application=unscored, to_status=S.SUBMITTED, actor=unscored.created_by)
    transition(application=unscored, to_status=S.ELIGIBILITY_REVIEW, actor=olivia)
    transition(application=unscored, to_status=S.ADMISSIBLE, actor=olivia)
    transition(application=unscored, to_status=S.UNDER_ASSESSMENT, actor=olivia)
    rows = call_ranking(call)
    assert [row.application.reference for row in rows] == [
        applications[2].reference,
        applications[1].reference,
        applications[3].reference,
        applications[0].reference,
        "RANK-999",
    ]
    assert [row.rank for row in rows] == [1, 2, 3, 4, 5]
    assert rows[-1].consolidation.recommendation is None


# --- permissions ----------------------------------------------------------------------------


@pytest.fixture
def personas(alice, bob, charlie, oscar, ines):
    return {"alice": alice, "bob": bob, "charlie": charlie, "oscar": oscar, "ines": ines}


@pytest.mark.parametrize("persona", ["alice", "bob", "charlie", "oscar", "ines", "ada"])
def test_the_assign_page_is_a_404_for_everyone_but_the_authoritys_officers(
    client, assigned, personas, persona
):
    user = personas.get(persona) or assigned.assessor
    login(client, user)
    url = reverse("review:assign", args=[assigned.application.reference])
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "assign", "assessors": [user.pk]}).status_code == 404


@pytest.mark.parametrize("persona", ["alice", "bob", "charlie", "oscar", "ines"])
def test_an_assessment_is_a_404_for_anyone_but_its_assessor(client, assigned, personas, persona):
    login(client, personas[persona])
    for name in ("review:declare", "review:assess"):
        url = reverse(name, args=[assigned.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"action": "declare", "no_conflict": "on"}).status_code == 404
    assigned.refresh_from_db()
    assert assigned.no_conflict_declared_at is None


@pytest.mark.parametrize("persona", ["alice", "bob", "charlie", "oscar"])
def test_my_assessments_is_a_404_for_non_assessors(client, personas, persona):
    login(client, personas[persona])
    assert client.get(reverse("review:my_assessments")).status_code == 404


def test_an_unassigned_assessor_sees_an_empty_list(client, assigned, ines):
    login(client, ines)
    page = client.get(reverse("review:my_assessments"))
    assert page.status_code == 200
    assert assigned.application.reference not in page.content.decode()


def test_my_assessments_lists_the_assessors_dossiers(client, assigned):
    login(client, assigned.assessor)
    page = client.get(reverse("review:my_assessments"))
    assert page.status_code == 200
    assert assigned.application.reference in page.content.decode()
    assert reverse("review:declare", args=[assigned.pk]) in page.content.decode()


def test_anonymous_visitors_are_sent_to_the_login_page(client, assigned):
    for url in (
        reverse("review:assign", args=[assigned.application.reference]),
        reverse("review:my_assessments"),
        reverse("review:declare", args=[assigned.pk]),
        reverse("review:assess", args=[assigned.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and reverse("login") in response["Location"]


# --- query counts ---------------------------------------------------------------------------


def _assess_page_queries(client, assessment):
    login(client, assessment.assessor)
    url = reverse("review:assess", args=[assessment.pk])
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_assess_page_takes_the_same_queries_for_a_small_and_a_large_dossier(
    client, call, olivia, alice, org_a, ada, ines, criteria
):
    counts = []
    for size in (1, 8):
        application = f.lead_application(call=call, organisation=org_a, created_by=alice)
        for number in range(size):
            partner = f.PartnerFactory(application=application, number=number + 2)
            f.BudgetLineFactory(partner=partner)
            f.CofinancingFactory(partner=partner)
        make_admissible(application, applicant=alice, officer=olivia)
        mine, other = assessment_assign(
            application=application, assessors=[ada, ines], actor=olivia
        )
        scored(other, criteria, [20, 20, 15, 20])
        scored(mine, criteria, [18, 22, 14, 19])
        counts.append(_assess_page_queries(client, mine))
    # session, user, the assessment with its dossier, call and authority (the assessor's
    # authorities as a subquery), criteria, own scores, the other submitted assessments and
    # their scores (prefetch), the latest snapshot (the session is written again once a
    # minute, not here).
    assert counts == [ASSESS_QUERIES, ASSESS_QUERIES], counts
