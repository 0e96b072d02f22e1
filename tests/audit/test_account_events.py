"""The account's events: a login, a failed login (the address typed, never the password),
a logout, an API token created or revoked (from the account page or the API), and a
signed-in person refused a protected page (403 or 404). Each gives exactly one row with
who, what, when and where."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from audit.choices import AuditAction
from audit.models import AuditEvent

from .helpers import IP, PASSWORD, WHERE, assert_who_when_where, only

pytestmark = pytest.mark.django_db


def _row_text(event: AuditEvent) -> str:
    return " ".join(
        str(getattr(event, field.attname)) for field in AuditEvent._meta.concrete_fields
    )


def test_a_login_is_recorded_with_who_when_and_where(client, alice):
    since = timezone.now()
    response = client.post(
        reverse("login"), {"username": alice.email, "password": PASSWORD}, **WHERE
    )
    assert response.status_code == 302
    event = only(AuditAction.LOGIN_SUCCEEDED)
    assert_who_when_where(event, alice, since=since)
    assert (event.subject_type, event.subject_ref) == ("account", alice.email)


def test_a_failed_login_keeps_the_address_typed_and_never_the_password(client, alice):
    since = timezone.now()
    response = client.post(
        reverse("login"),
        {"username": "Alice@A.example.org", "password": "not-her-password"},
        **WHERE,
    )
    assert response.status_code == 200
    event = only(AuditAction.LOGIN_FAILED)
    assert event.actor is None
    assert event.actor_label == "alice@a.example.org"
    assert since <= event.at and event.ip_address == IP
    assert "not-her-password" not in _row_text(event)
    assert not AuditEvent.objects.filter(action=AuditAction.LOGIN_SUCCEEDED).exists()


def test_a_logout_is_recorded(client, alice):
    client.force_login(alice)
    since = timezone.now()
    assert client.post(reverse("logout"), **WHERE).status_code == 302
    assert_who_when_where(only(AuditAction.LOGOUT), alice, since=since)


def test_a_token_created_then_replaced_from_the_account_page_is_recorded_without_its_key(
    client, alice
):
    client.force_login(alice)
    since = timezone.now()
    client.post(reverse("account_token_issue"), **WHERE)
    event = only(AuditAction.TOKEN_CREATED)
    assert_who_when_where(event, alice, since=since)  # the address comes from the middleware
    assert event.details == {"replaced": False}
    assert Token.objects.get(user=alice).key not in _row_text(event)

    client.post(reverse("account_token_issue"), **WHERE)
    replaced = AuditEvent.objects.filter(action=AuditAction.TOKEN_CREATED).latest("pk")
    assert replaced.details == {"replaced": True}
    assert AuditEvent.objects.filter(action=AuditAction.TOKEN_CREATED).count() == 2


def test_a_revoked_token_is_recorded_once_and_revoking_nothing_records_nothing(client, alice):
    Token.objects.create(user=alice)
    client.force_login(alice)
    since = timezone.now()
    client.post(reverse("account_token_revoke"), **WHERE)
    assert_who_when_where(only(AuditAction.TOKEN_REVOKED), alice, since=since)

    client.post(reverse("account_token_revoke"), **WHERE)
    assert AuditEvent.objects.filter(action=AuditAction.TOKEN_REVOKED).count() == 1


def test_a_token_obtained_from_the_api_is_recorded_once(client, alice):
    since = timezone.now()
    credentials = {"email": alice.email, "password": PASSWORD}
    first = client.post(reverse("api:auth_token"), credentials, **WHERE)
    assert first.status_code == 200
    event = only(AuditAction.TOKEN_CREATED)
    assert_who_when_where(event, alice, since=since)
    # Asking again gives the same token: nothing new is created, nothing recorded.
    assert client.post(reverse("api:auth_token"), credentials, **WHERE).status_code == 200
    assert AuditEvent.objects.filter(action=AuditAction.TOKEN_CREATED).count() == 1


# --- refused accesses ------------------------------------------------------------------


def test_another_organisations_dossier_is_a_404_recorded_as_a_refused_access(
    client, dossier, charlie
):
    client.force_login(charlie)
    since = timezone.now()
    url = reverse("applications:overview", args=[dossier.reference])
    assert client.get(url, **WHERE).status_code == 404
    event = only(AuditAction.ACCESS_DENIED)
    assert_who_when_where(event, charlie, since=since)
    assert (event.subject_type, event.subject_ref) == ("url", url)
    assert event.details == {"status": 404, "method": "GET"}
    assert event.call_id is None and event.authority_id is None


def test_the_officers_pages_refused_to_an_applicant_are_recorded(client, alice):
    client.force_login(alice)
    assert client.get(reverse("review:queue"), **WHERE).status_code == 404
    assert only(AuditAction.ACCESS_DENIED).actor == alice


def test_a_refused_api_request_is_recorded_with_the_token_user(client, dossier, charlie):
    token = Token.objects.create(user=charlie)
    response = client.get(
        f"/api/v1/applications/{dossier.reference}/",
        HTTP_AUTHORIZATION=f"Token {token.key}",
        **WHERE,
    )
    assert response.status_code == 404
    event = only(AuditAction.ACCESS_DENIED)
    assert event.actor == charlie and event.ip_address == IP


def test_pages_served_and_refusals_to_visitors_record_nothing(client, dossier, alice):
    url = reverse("applications:overview", args=[dossier.reference])
    assert client.get(url, **WHERE).status_code == 302  # a visitor: the login page
    assert client.get("/nowhere/", **WHERE).status_code == 404  # not a protected page
    client.force_login(alice)
    before = AuditEvent.objects.count()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, **WHERE).status_code == 200
        assert client.get("/nowhere/", **WHERE).status_code == 404
    assert AuditEvent.objects.count() == before
    # Not even a query: the journal costs nothing to a page that records nothing.
    assert not [query for query in captured if "audit_auditevent" in query["sql"]]
