"""What the audit tests share: where the requests come from, and reading one event back."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from audit.models import AuditEvent

PASSWORD = "correct-horse-battery"
IP = "203.0.113.7"
AGENT = "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0 audit-test"
WHERE = {"REMOTE_ADDR": IP, "HTTP_USER_AGENT": AGENT}


def only(action: str) -> AuditEvent:
    """The single event of ``action``; fails if there are none or several."""
    events = list(AuditEvent.objects.filter(action=action).select_related("actor", "call"))
    assert len(events) == 1, f"{action}: {len(events)} events"
    return events[0]


def assert_who_when_where(event: AuditEvent, user, *, since: dt.datetime, ip=IP, agent=AGENT):
    assert event.actor == user
    assert event.actor_label == user.email
    assert since <= event.at <= timezone.now()
    assert event.ip_address == ip
    assert event.user_agent == agent
