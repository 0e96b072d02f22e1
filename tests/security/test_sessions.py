"""Sessions: a new key at login (the one from before is dead); an idle timeout (Django's
SESSION_COOKIE_AGE, extended by a signed-in person's requests, the session being written
again at most once a minute) and an absolute one (whatever the
activity, SESSION_ABSOLUTE_SECONDS after logging in); every session of an account ended,
with its API token, when the account is disabled; changing the password ends the others."""

from __future__ import annotations

import html
import time
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from portal.accounts.models import UserSession
from portal.accounts.sessions import SESSION_LOGIN_AT, SESSION_REFRESHED_AT
from tests import factories as f

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
ACCOUNT = "/compte/"
ALICE = "alice@a.example.org"


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def logged_in_client(email=ALICE, **extra) -> Client:
    client = Client(**extra)
    response = client.post("/connexion/", {"username": email, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return client


def is_logged_in(client) -> bool:
    """Whether the account page opens (not sent to the login page)."""
    return client.get(ACCOUNT).status_code == 200


def session_key(client) -> str:
    return client.cookies[django_settings.SESSION_COOKIE_NAME].value


# --- a new session at login ------------------------------------------------------------------


def test_logging_in_gives_a_new_session_key_and_kills_the_old_one(alice):
    client = Client()
    before = client.session
    before["visited"] = True
    before.save()
    old_key = before.session_key
    client.cookies[django_settings.SESSION_COOKIE_NAME] = old_key

    client.post("/connexion/", {"username": ALICE, "password": PASSWORD})
    new_key = session_key(client)
    assert new_key != old_key
    assert not Session.objects.filter(session_key=old_key).exists()
    # Someone holding the old cookie (fixed before login) is not logged in.
    attacker = Client()
    attacker.cookies[django_settings.SESSION_COOKIE_NAME] = old_key
    assert attacker.get(ACCOUNT).status_code == 302
    assert is_logged_in(client)


def test_the_login_records_the_session_and_the_logout_forgets_it(alice):
    client = logged_in_client(HTTP_USER_AGENT="Firefox de test")
    record = UserSession.objects.get(user=alice)
    assert record.session_key == session_key(client)
    assert record.ip_address == "127.0.0.1"
    assert record.user_agent == "Firefox de test"
    client.post("/deconnexion/")
    assert not UserSession.objects.filter(user=alice).exists()


# --- idle timeout ----------------------------------------------------------------------------


def test_an_idle_session_ends_after_the_idle_time(alice):
    client = logged_in_client()
    Session.objects.filter(session_key=session_key(client)).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = client.get(ACCOUNT)
    assert response.status_code == 302
    assert response["Location"].startswith("/connexion/")


def age_refresh(client, seconds: int) -> None:
    """As if the session was last written ``seconds`` ago."""
    session = client.session
    session[SESSION_REFRESHED_AT] = int(time.time()) - seconds
    session.save()
    Session.objects.filter(session_key=session.session_key).update(
        expire_date=timezone.now() + timedelta(minutes=1)
    )


def test_a_request_after_the_refresh_interval_pushes_the_idle_end_further(alice):
    client = logged_in_client()
    assert django_settings.SESSION_REFRESH_SECONDS == 60
    age_refresh(client, 61)
    assert is_logged_in(client)
    expiry = Session.objects.get(session_key=session_key(client)).expire_date
    expected = timezone.now() + timedelta(seconds=django_settings.SESSION_COOKIE_AGE)
    assert abs((expiry - expected).total_seconds()) < 5
    # The cookie says the same.
    assert client.cookies[django_settings.SESSION_COOKIE_NAME]["max-age"] == (
        django_settings.SESSION_COOKIE_AGE
    )


def test_requests_within_the_refresh_interval_do_not_write_the_session(alice):
    """An autosave every few seconds does not write the session each time: once a minute."""
    client = logged_in_client()
    age_refresh(client, 30)
    before = Session.objects.get(session_key=session_key(client)).expire_date
    with CaptureQueriesContext(connection) as captured:
        assert is_logged_in(client)
    sessions_read = [q["sql"] for q in captured.captured_queries if "django_session" in q["sql"]]
    assert len(sessions_read) == 1 and sessions_read[0].startswith("SELECT")
    assert Session.objects.get(session_key=session_key(client)).expire_date == before
    assert django_settings.SESSION_COOKIE_NAME not in client.get(ACCOUNT).cookies


def test_a_short_idle_timeout_is_extended_by_every_request(alice, settings):
    """The refresh interval is at most a tenth of the idle timeout."""
    settings.SESSION_COOKIE_AGE = 300
    client = logged_in_client()
    age_refresh(client, 30)
    assert is_logged_in(client)
    expiry = Session.objects.get(session_key=session_key(client)).expire_date
    assert expiry > timezone.now() + timedelta(seconds=290)


def test_the_pages_count_the_idle_time_from_the_last_possible_write(alice):
    """The warning is never late: the page counts from a refresh interval before it."""
    client = logged_in_client()
    html_page = client.get(ACCOUNT).content.decode()
    seconds = django_settings.SESSION_COOKIE_AGE - django_settings.SESSION_REFRESH_SECONDS
    assert f'data-session-seconds="{seconds}"' in html_page


# --- absolute timeout ------------------------------------------------------------------------


def age_login(client, seconds: int) -> None:
    session = client.session
    session[SESSION_LOGIN_AT] = int(time.time()) - seconds
    session.save()


def test_a_session_ends_twelve_hours_after_login_whatever_the_activity(alice):
    client = logged_in_client()
    assert django_settings.SESSION_ABSOLUTE_SECONDS == 12 * 60 * 60
    age_login(client, 12 * 60 * 60 - 60)
    assert is_logged_in(client)  # active, and just under twelve hours

    age_login(client, 12 * 60 * 60 + 1)
    response = client.get(ACCOUNT)
    assert response.status_code == 302
    assert response["Location"] == "/connexion/?next=/compte/"
    page = html.unescape(client.get(response["Location"]).content.decode())
    assert "Votre session a expiré : reconnectez-vous, s'il vous plaît." in page
    assert not is_logged_in(client)
    assert not UserSession.objects.filter(user=alice).exists()


def test_the_absolute_timeout_comes_from_the_settings(alice, settings):
    settings.SESSION_ABSOLUTE_SECONDS = 60
    client = logged_in_client()
    age_login(client, 61)
    assert not is_logged_in(client)


def test_an_expired_session_is_told_to_htmx_as_a_redirect(alice):
    client = logged_in_client()
    age_login(client, 13 * 60 * 60)
    response = client.post("/compte/session/", HTTP_HX_REQUEST="true")
    assert response.status_code == 401
    assert response["HX-Redirect"] == "/connexion/"


# --- a disabled account ----------------------------------------------------------------------


def test_disabling_an_account_ends_all_its_sessions_and_revokes_its_token(alice, bob):
    first = logged_in_client()
    second = logged_in_client(REMOTE_ADDR="203.0.113.7")
    other = logged_in_client("bob@b.example.org")
    token = Token.objects.create(user=alice)
    assert UserSession.objects.filter(user=alice).count() == 2

    alice.is_active = False
    alice.save()

    assert not is_logged_in(first)
    assert not is_logged_in(second)
    assert not Token.objects.filter(user=alice).exists()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/v1/applications/").status_code == 401
    assert not UserSession.objects.filter(user=alice).exists()
    # Another account's session goes on.
    assert is_logged_in(other)


def test_disabling_through_the_admin_ends_the_sessions(alice):
    client = logged_in_client()
    admin = Client()
    admin.force_login(
        f.UserFactory(email="root@portal.example.org", is_staff=True, is_superuser=True)
    )
    response = admin.post(
        f"/admin/portal/user/{alice.pk}/change/",
        {
            "email": alice.email,
            "first_name": alice.first_name,
            "last_name": alice.last_name,
            "phone": "",
            "preferred_language": "fr",
            "is_active": "",
            "is_staff": "",
            "is_superuser": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    alice.refresh_from_db()
    assert not alice.is_active
    assert not is_logged_in(client)


# --- the password changed --------------------------------------------------------------------


def test_a_password_set_elsewhere_ends_the_sessions(alice):
    """Django's session hash: a session opened with the old password no longer holds."""
    client = logged_in_client()
    alice.set_password("staple-orbit-lantern-42")
    alice.save()
    assert not is_logged_in(client)


def test_changing_the_password_keeps_this_session_and_ends_the_others(alice):
    here = logged_in_client()
    there = logged_in_client(REMOTE_ADDR="203.0.113.7")
    response = here.post(
        "/compte/mot-de-passe/modifier/",
        {
            "old_password": PASSWORD,
            "new_password1": "staple-orbit-lantern-42",
            "new_password2": "staple-orbit-lantern-42",
        },
    )
    assert response.status_code == 302
    assert is_logged_in(here)
    assert not is_logged_in(there)
    # Only this session is left on record, under its new key.
    assert list(UserSession.objects.filter(user=alice).values_list("session_key", flat=True)) == [
        session_key(here)
    ]


def test_a_login_drops_the_records_of_sessions_that_expired(alice):
    first = logged_in_client()
    Session.objects.filter(session_key=session_key(first)).delete()  # expired, cleared
    second = logged_in_client()
    assert list(UserSession.objects.filter(user=alice).values_list("session_key", flat=True)) == [
        session_key(second)
    ]
