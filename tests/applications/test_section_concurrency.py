"""Two people saving the same section at the same instant, on PostgreSQL with real row
locks: exactly one save goes through, the other is told of the conflict, nothing is lost
or half-written."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from applications.models import Application, SectionVersion
from applications.services import SectionConflict, section_save
from tests import factories as f
from tests.conftest import require


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_saves_of_one_section_give_one_conflict(call, org_a, alice):
    require(connection.vendor == "postgresql", "row locks are tested on PostgreSQL (as in CI)")
    claire = f.UserFactory(first_name="Claire")
    f.MembershipFactory(user=claire, organisation=org_a)
    application = f.lead_application(call=call, organisation=org_a, created_by=alice)
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def save(actor, text):
        try:
            barrier.wait()

            def write():
                Application.objects.filter(pk=application.pk).update(context=text)

            outcomes[text] = section_save(
                application=application, key="context", version=0, actor=actor, write=write
            )
        except SectionConflict as conflict:
            outcomes[text] = conflict
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=save, args=(alice, "Alice")),
        threading.Thread(target=save, args=(claire, "Claire")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    conflicts = [text for text, outcome in outcomes.items() if isinstance(outcome, SectionConflict)]
    saved = [text for text, outcome in outcomes.items() if outcome == 1]
    assert len(conflicts) == 1 and len(saved) == 1, outcomes
    application.refresh_from_db()
    assert application.context == saved[0]
    row = SectionVersion.objects.get(application=application, key="context")
    assert row.version == 1
    winner = alice if saved[0] == "Alice" else claire
    assert row.updated_by == winner
    assert outcomes[conflicts[0]].updated_by == winner
