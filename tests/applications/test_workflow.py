"""The application's state machine: allowed transitions, compare-and-set, history."""

from __future__ import annotations

from collections import deque
from datetime import timedelta

import pytest
from django.utils import timezone

from applications.choices import ApplicationStatus as S
from applications.models import Application, StatusChange
from applications.workflow import TRANSITIONS, TransitionError, transition

TERMINAL_STATES = {S.INELIGIBLE, S.REJECTED, S.CLOSED, S.WITHDRAWN}


def test_submitting_a_draft_moves_it_to_submitted_and_writes_its_history(dossier, alice):
    before = timezone.now()

    change = transition(
        application=dossier, to_status=S.SUBMITTED, actor=alice, comment="Dépôt du dossier."
    )

    after = timezone.now()
    assert dossier.status == S.SUBMITTED
    assert before <= dossier.submitted_at <= after
    stored = Application.objects.get(pk=dossier.pk)
    assert stored.status == S.SUBMITTED
    assert stored.submitted_at == dossier.submitted_at
    assert list(StatusChange.objects.filter(application=dossier)) == [change]
    assert change.from_status == S.DRAFT
    assert change.to_status == S.SUBMITTED
    assert change.actor == alice
    assert change.comment == "Dépôt du dossier."


def test_withdrawing_a_draft_does_not_set_the_submission_date(dossier, alice):
    transition(application=dossier, to_status=S.WITHDRAWN, actor=alice)
    assert Application.objects.get(pk=dossier.pk).submitted_at is None


def test_a_transition_that_is_not_allowed_is_refused_in_french_and_writes_nothing(dossier, olivia):
    with pytest.raises(TransitionError) as excinfo:
        transition(application=dossier, to_status=S.SELECTED, actor=olivia)

    assert not excinfo.value.conflict
    assert str(excinfo.value) == (
        "Un dossier à l'état « Brouillon » ne peut pas passer à l'état « Retenu »."
    )
    assert dossier.status == S.DRAFT
    assert Application.objects.get(pk=dossier.pk).status == S.DRAFT
    assert not StatusChange.objects.exists()


def test_the_second_of_two_concurrent_transitions_is_refused_as_a_conflict(dossier, alice):
    first = Application.objects.get(pk=dossier.pk)
    second = Application.objects.get(pk=dossier.pk)
    transition(application=first, to_status=S.SUBMITTED, actor=alice)

    with pytest.raises(TransitionError) as excinfo:
        transition(application=second, to_status=S.WITHDRAWN, actor=alice)

    assert excinfo.value.conflict
    assert "changé d'état entre-temps" in str(excinfo.value)
    assert Application.objects.get(pk=dossier.pk).status == S.SUBMITTED
    assert StatusChange.objects.filter(application=dossier).count() == 1


def test_the_same_transition_fired_twice_from_stale_copies_is_written_once(dossier, alice):
    first = Application.objects.get(pk=dossier.pk)
    second = Application.objects.get(pk=dossier.pk)
    transition(application=first, to_status=S.SUBMITTED, actor=alice)

    with pytest.raises(TransitionError) as excinfo:
        transition(application=second, to_status=S.SUBMITTED, actor=alice)

    assert excinfo.value.conflict
    assert StatusChange.objects.filter(application=dossier).count() == 1


def test_every_state_has_its_list_of_transitions():
    assert set(TRANSITIONS) == set(S.values)


def test_every_transition_leads_to_a_known_state():
    for targets in TRANSITIONS.values():
        assert targets <= set(S.values)


def test_every_state_can_be_reached_from_draft():
    reached = {S.DRAFT}
    queue = deque([S.DRAFT])
    while queue:
        for target in TRANSITIONS[queue.popleft()]:
            if target not in reached:
                reached.add(target)
                queue.append(target)
    assert reached == set(S.values)


def test_only_the_terminal_states_have_no_way_out():
    dead_ends = {state for state, targets in TRANSITIONS.items() if not targets}
    assert dead_ends == TERMINAL_STATES


def test_an_imported_history_keeps_the_instant_it_is_given(dossier, olivia):
    filed = timezone.now() - timedelta(days=400)
    change = transition(application=dossier, to_status=S.SUBMITTED, actor=olivia, at=filed)
    dossier.refresh_from_db()
    assert dossier.submitted_at == filed
    assert StatusChange.objects.get(pk=change.pk).created_at == filed


def test_every_state_a_transition_leads_to_has_the_role_that_fires_it():
    from applications.workflow import APPLICANT, FIRED_BY, OFFICER, TRANSITIONS, may_fire

    targets = {to for tos in TRANSITIONS.values() for to in tos}
    assert targets == set(FIRED_BY)
    assert may_fire(APPLICANT, "submitted") and not may_fire(OFFICER, "submitted")
    assert may_fire(OFFICER, "selected") and not may_fire(APPLICANT, "selected")
