"""The officers' journal (/instruction/journal/): an officer reads the events of their
authority's calls and of their own account, never another authority's; filters by call,
action, person and dates (days of Paris); pages of 50; times in Paris; nothing on it
writes. Anyone else is answered 404, a visitor the login page."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.choices import AuditAction
from audit.models import AuditEvent
from audit.services import record
from tests import factories as f

pytestmark = pytest.mark.django_db

JOURNAL = "/instruction/journal/"
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def other_call(other_authority):
    programme = f.ProgrammeFactory(managing_authority=other_authority)
    return f.CallFactory(programme=programme, authority=other_authority, reference="ERASMUS-KA2")


@pytest.fixture
def events(call, other_call, alice, olivia, oscar):
    """Alice's download on Olivia's call, Olivia's decision, Oscar's download on his own
    call, a failed login typed with each officer's address."""
    return {
        "alice_download": record(
            actor=alice,
            action=AuditAction.ATTACHMENT_DOWNLOADED,
            call=call,
            subject=("attachment", "DOS-A — statuts.pdf"),
        ),
        "olivia_decision": record(
            actor=olivia,
            action=AuditAction.DECISION_RECORDED,
            call=call,
            subject=("application", "DOS-A"),
            details={"outcome": "rejected"},
        ),
        "oscar_download": record(
            actor=oscar,
            action=AuditAction.DOCUMENT_DOWNLOADED,
            call=other_call,
            subject=("document", "DOS-SECRET-OSCAR"),
        ),
        "olivia_failed": record(
            actor=None, label=olivia.email, action=AuditAction.LOGIN_FAILED, subject=None
        ),
        "oscar_failed": record(
            actor=None, label=oscar.email, action=AuditAction.LOGIN_FAILED, subject=None
        ),
    }


def journal(client, user, **params):
    client.force_login(user)
    response = client.get(JOURNAL, params)
    assert response.status_code == 200
    return response.content.decode()


def listed(client, user, **params) -> set[int]:
    """The events the journal shows, by the instants' ISO marks."""
    html = journal(client, user, **params)
    return {
        event.pk
        for event in AuditEvent.objects.all()
        if f'datetime="{event.at.astimezone(PARIS).isoformat()}"' in html
    }


# --- who reads it -------------------------------------------------------------------------


def test_the_journals_address():
    assert reverse("audit:journal") == JOURNAL


def test_a_visitor_is_sent_to_the_login_page(client):
    response = client.get(JOURNAL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    "persona,status",
    [
        ("alice", 404),
        ("bob", 404),
        ("charlie", 404),
        ("ada", 404),
        ("olivia", 200),
        ("oscar", 200),
    ],
)
def test_only_officers_read_the_journal(client, request, persona, status):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(JOURNAL).status_code == status


def test_an_officer_reads_their_calls_events_and_their_own_account_only(
    client, events, olivia, oscar
):
    html = journal(client, olivia)
    assert "alice@a.example.org" in html and "DOS-A — statuts.pdf" in html
    assert "Décision enregistrée" in html and "Décision : rejected" in html
    assert "DOS-SECRET-OSCAR" not in html and oscar.email not in html
    # Olivia's own logins: the one by force_login, and the failure typed with her address.
    seen = {AuditEvent.objects.get(pk=pk).action for pk in listed(client, olivia)}
    assert AuditAction.LOGIN_FAILED in seen and AuditAction.LOGIN_SUCCEEDED in seen
    assert events["oscar_failed"].pk not in listed(client, olivia)


def test_another_authoritys_officer_never_sees_olivias_events(client, events, olivia, oscar):
    shown = listed(client, oscar)
    assert events["oscar_download"].pk in shown and events["oscar_failed"].pk in shown
    assert events["alice_download"].pk not in shown
    assert events["olivia_decision"].pk not in shown
    assert events["olivia_failed"].pk not in shown
    html = journal(client, oscar)
    assert "alice@a.example.org" not in html and olivia.email not in html


def test_a_dossiers_reference_links_to_it_for_the_calls_officer(client, events, call, olivia):
    html = journal(client, olivia)
    assert f'href="{reverse("review:dossier", args=["DOS-A"])}"' in html


def test_the_journal_writes_nothing(client, events, olivia):
    html = journal(client, olivia)
    content = html[html.index('id="journal-filters-title"') :]
    assert 'method="get"' in content and 'method="post"' not in content
    count = AuditEvent.objects.count()
    assert client.post(JOURNAL, {"action": "logout"}).status_code == 405
    assert AuditEvent.objects.count() == count


def test_the_officers_menu_links_to_the_journal(client, olivia, alice):
    client.force_login(olivia)
    assert f'href="{JOURNAL}"' in client.get("/").content.decode()
    client.force_login(alice)
    assert f'href="{JOURNAL}"' not in client.get("/").content.decode()


# --- filters ------------------------------------------------------------------------------


def test_filter_by_call_action_and_person(client, events, call, olivia):
    assert listed(client, olivia, call=call.reference) == {
        events["alice_download"].pk,
        events["olivia_decision"].pk,
    }
    assert listed(client, olivia, action=AuditAction.ATTACHMENT_DOWNLOADED) == {
        events["alice_download"].pk
    }
    assert listed(client, olivia, person="ALICE@a.") == {events["alice_download"].pk}


def test_another_authoritys_call_is_not_a_choice_and_is_not_applied(
    client, events, other_call, olivia
):
    html = journal(client, olivia, call=other_call.reference)
    assert "Un critère n'est pas valide" in html
    assert "DOS-SECRET-OSCAR" not in html
    assert "DOS-A — statuts.pdf" in html  # the other filters (none) still apply


def _at(call, olivia, when: dt.datetime) -> AuditEvent:
    return AuditEvent.objects.create(
        at=when,
        actor=olivia,
        actor_label=olivia.email,
        action=AuditAction.PROJECT_STARTED,
        call=call,
        authority_id=call.authority_id,
        subject_type="application",
        subject_ref="DOS-T",
    )


def test_the_dates_are_days_of_paris_both_included(client, call, olivia):
    # 1 July 2026 at 23:30 in Paris is still 1 July there (21:30 UTC).
    late_first = _at(call, olivia, dt.datetime(2026, 7, 1, 21, 30, tzinfo=dt.UTC))
    # 2 July 2026 at 00:30 in Paris (1 July 22:30 UTC).
    early_second = _at(call, olivia, dt.datetime(2026, 7, 1, 22, 30, tzinfo=dt.UTC))
    assert listed(client, olivia, since="2026-07-01", until="2026-07-01") == {late_first.pk}
    assert listed(client, olivia, since="2026-07-02", until="2026-07-02") == {early_second.pk}
    html = journal(client, olivia, since="2026-07-02", until="2026-07-02")
    assert "02/07/2026 00:30:00" in html  # shown in Paris time


def test_an_end_before_the_start_is_said_beside_the_field(client, olivia):
    html = journal(client, olivia, since="2026-07-02", until="2026-07-01")
    assert "La date de fin précède la date de début." in html


def test_pages_of_fifty_with_the_filters_kept(client, call, olivia):
    base = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
    for minute in range(60):
        _at(call, olivia, base + dt.timedelta(minutes=minute))
    first = listed(client, olivia, action=AuditAction.PROJECT_STARTED)
    second = listed(client, olivia, action=AuditAction.PROJECT_STARTED, page=2)
    assert len(first) == 50 and len(second) == 10 and not first & second
    html = journal(client, olivia, action=AuditAction.PROJECT_STARTED)
    assert "action=project_started&amp;page=2" in html


def test_the_journal_takes_the_same_queries_for_3_and_for_60_events(client, call, olivia):
    client.force_login(olivia)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(JOURNAL).status_code == 200
        return len(captured)

    base = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
    for minute in range(2):
        _at(call, olivia, base + dt.timedelta(minutes=minute))
    few = queries()
    for minute in range(2, 60):
        _at(call, olivia, base + dt.timedelta(minutes=minute))
    assert queries() == few
