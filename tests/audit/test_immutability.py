"""The audit log is written once and never changed nor deleted: the model refuses, the
admin offers nothing but reading, and on PostgreSQL a trigger refuses UPDATE and DELETE
whatever the client."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from audit.choices import AuditAction
from audit.models import AuditEvent, ImmutableEvent
from audit.services import record
from tests import factories as f
from tests.conftest import require

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(alice, call):
    return record(
        actor=alice,
        action=AuditAction.ATTACHMENT_DOWNLOADED,
        call=call,
        subject=("attachment", "DOS-1 — statuts.pdf"),
    )


def test_the_model_refuses_to_save_an_existing_event_again(event):
    event.action = AuditAction.LOGOUT
    with pytest.raises(ImmutableEvent):
        event.save()
    assert AuditEvent.objects.get().action == AuditAction.ATTACHMENT_DOWNLOADED


def test_the_model_refuses_to_delete_an_event(event):
    with pytest.raises(ImmutableEvent):
        event.delete()
    assert AuditEvent.objects.count() == 1


def test_the_queryset_refuses_update_and_delete(event):
    with pytest.raises(ImmutableEvent):
        AuditEvent.objects.filter(pk=event.pk).update(actor_label="someone@else.example.org")
    with pytest.raises(ImmutableEvent):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get().actor_label == event.actor_label


def test_a_new_row_with_the_id_of_an_existing_one_never_overwrites_it(event):
    forged = AuditEvent(pk=event.pk, action=AuditAction.LOGOUT, actor_label="x@example.org")
    with pytest.raises(DatabaseError), transaction.atomic():
        forged.save()
    assert AuditEvent.objects.get().action == AuditAction.ATTACHMENT_DOWNLOADED


def test_deleting_the_person_or_the_call_leaves_the_journal_as_it_was(event, alice, call):
    """The journal outlives what it names: no cascade, no SET NULL (an UPDATE)."""
    AuditEvent.objects.create(action=AuditAction.LOGIN_SUCCEEDED, actor=alice, actor_label="a")
    alice.delete()
    row = AuditEvent.objects.get(pk=event.pk)
    assert row.actor_label == "alice@a.example.org" and row.call_id == call.pk
    assert AuditEvent.objects.count() == 2


def test_on_postgresql_a_trigger_refuses_update_and_delete_whatever_the_client(event):
    require(connection.vendor == "postgresql", "the trigger exists on PostgreSQL only")
    table = AuditEvent._meta.db_table
    for statement in (
        f"UPDATE {table} SET actor_label = 'forged@example.org'",
        f"DELETE FROM {table}",
    ):
        with (
            pytest.raises(DatabaseError) as refused,
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)
        assert "append-only" in str(refused.value)
    assert AuditEvent.objects.get().actor_label == "alice@a.example.org"
    # Inserting stays possible.
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (at, actor_label, action, subject_type, subject_ref, "
            "user_agent, details) VALUES (now(), '', 'logout', '', '', '', '{}')"
        )
    assert AuditEvent.objects.count() == 2


# --- the admin ---------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, db):
    admin = f.UserFactory(email="root@portal.example.org", is_staff=True, is_superuser=True)
    client.force_login(admin)
    return client


def test_the_admin_lists_and_shows_events_read_only(admin_client, event):
    listing = admin_client.get(reverse("admin:audit_auditevent_changelist"))
    assert listing.status_code == 200
    assert "alice@a.example.org" in listing.content.decode()
    assert 'name="action"' not in listing.content.decode()  # no bulk action, no delete

    detail = admin_client.get(reverse("admin:audit_auditevent_change", args=[event.pk]))
    assert detail.status_code == 200
    html = detail.content.decode()
    assert 'name="_save"' not in html and "deletelink" not in html


def test_the_admin_adds_changes_and_deletes_nothing(admin_client, event):
    assert admin_client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    assert (
        admin_client.post(
            reverse("admin:audit_auditevent_add"), {"action": "logout", "actor_label": "x"}
        ).status_code
        == 403
    )
    changed = admin_client.post(
        reverse("admin:audit_auditevent_change", args=[event.pk]),
        {"action": "logout", "actor_label": "forged@example.org"},
    )
    assert changed.status_code == 403
    deleted = admin_client.post(
        reverse("admin:audit_auditevent_delete", args=[event.pk]), {"post": "yes"}
    )
    assert deleted.status_code == 403
    (kept,) = AuditEvent.objects.filter(action=AuditAction.ATTACHMENT_DOWNLOADED)
    assert kept.actor_label == "alice@a.example.org"
    assert not AuditEvent.objects.filter(action=AuditAction.LOGOUT).exists()
