"""Login throttling (django-axes, portal/accounts/lockout.py): five wrong passwords for one
address from one IP lock it for a while, even with the right password, on the login page
and on the API's token endpoint alike; a higher limit locks an address guessed from many
IPs; staff see the lockouts and unlock them; the failures are rows of the database."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.core.cache import cache
from django.test import Client
from django.utils import timezone, translation
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from portal.accounts.lockout import lockout_message
from tests import factories as f

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
LOGIN = "/connexion/"
TOKEN = "/api/v1/auth/token/"
LOCKOUTS = "/compte/blocages/"
UNLOCK = "/compte/blocages/debloquer/"
ALICE = "alice@a.example.org"
ELSEWHERE = "203.0.113.7"  # another client (TEST-NET-3, a documentation address)


def log_in(client, email, password, **extra):
    return client.post(LOGIN, {"username": email, "password": password}, **extra)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def page(response) -> str:
    return html.unescape(response.content.decode())


def fail(client, email, times, **extra):
    return [log_in(client, email, "wrong-password", **extra).status_code for _ in range(times)]


def until_of(email, ip="127.0.0.1"):
    last = AccessAttempt.objects.filter(username=email, ip_address=ip).latest("attempt_time")
    return last.attempt_time + timedelta(minutes=15)


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """The API's own throttles (per address, in the cache) start empty in each test."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    """Dozens of logins per test: a cheap hasher (the throttling is what is tested)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def staff(db):
    return f.UserFactory(email="staff@portal.example.org", is_staff=True)


def test_five_wrong_passwords_lock_the_address_even_with_the_right_password(client, alice):
    assert fail(client, ALICE, 4) == [200, 200, 200, 200]
    fifth = log_in(client, ALICE, "wrong-password")
    assert fifth.status_code == 429
    assert "bloquée jusqu'à" in page(fifth)

    right = log_in(client, ALICE, PASSWORD)
    assert right.status_code == 429
    assert not logged_in(client)
    text = page(right)
    assert lockout_message(until_of(ALICE)) in text
    # The way in sooner: a new password.
    assert 'href="/compte/mot-de-passe/oubli/"' in text
    # The login form is still there, with the address typed.
    assert 'name="username"' in text and ALICE in text


def test_the_four_first_failures_say_only_incorrect(client, alice):
    response = log_in(client, ALICE, "wrong-password")
    assert response.status_code == 200
    assert "Adresse e-mail ou mot de passe incorrect" in page(response)
    assert "bloquée" not in page(response)


def test_the_lockout_message_is_in_the_language_of_the_page(client, alice):
    fail(client, ALICE, 5)
    for prefix, language in (("/en", "en"), ("/nl", "nl")):
        response = client.post(f"{prefix}{LOGIN}", {"username": ALICE, "password": PASSWORD})
        assert response.status_code == 429
        assert f'<html lang="{language}">' in page(response)
        with translation.override(language):
            expected = lockout_message(until_of(ALICE))
        assert expected in page(response)


def test_the_address_is_locked_whatever_its_case(client, alice):
    fail(client, "Alice@A.example.org", 3)
    fail(client, " ALICE@a.example.org", 1)
    assert log_in(client, ALICE, "wrong-password").status_code == 429


def test_another_account_and_another_ip_are_not_locked(client, alice, bob):
    fail(client, ALICE, 5)
    assert log_in(client, ALICE, PASSWORD).status_code == 429

    other_account = Client()
    assert log_in(other_account, "bob@b.example.org", PASSWORD).status_code == 302
    assert logged_in(other_account)

    other_ip = Client(REMOTE_ADDR=ELSEWHERE)
    assert log_in(other_ip, ALICE, PASSWORD).status_code == 302
    assert logged_in(other_ip)


def test_many_ips_together_lock_the_address_at_the_higher_limit(alice, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 8
    for n in range(3):
        assert fail(Client(REMOTE_ADDR=f"198.51.100.{n + 1}"), ALICE, 2) == [200, 200]
    # The eighth failure, the second from a fourth IP, locks the address.
    assert fail(Client(REMOTE_ADDR="198.51.100.4"), ALICE, 2) == [200, 429]
    fresh_ip = Client(REMOTE_ADDR="198.51.100.99")
    response = log_in(fresh_ip, ALICE, PASSWORD)
    assert response.status_code == 429
    assert not logged_in(fresh_ip)
    # Each IP stayed under its own limit: another address from those IPs is not locked.
    assert AccessAttempt.objects.filter(username=ALICE).count() == 4


def test_behind_a_proxy_the_client_address_is_the_forwarded_one(alice, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "192.0.2.1"}
    fail(Client(**proxy), ALICE, 5, HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert AccessAttempt.objects.get(username=ALICE).ip_address == "198.51.100.1"
    # Another client behind the same proxy is not locked.
    other = log_in(Client(**proxy), ALICE, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert other.status_code == 302


def test_the_lockout_is_stored_in_the_database_for_every_process(client, alice):
    fail(client, ALICE, 5)
    attempt = AccessAttempt.objects.get(username=ALICE)
    assert attempt.ip_address == "127.0.0.1"
    assert attempt.failures_since_start == 5
    logs = AccessFailureLog.objects.filter(username=ALICE).order_by("attempt_time")
    assert [log.locked_out for log in logs] == [False, False, False, False, True]
    # A new client (another session, as another web process would see it) is refused too.
    assert log_in(Client(), ALICE, PASSWORD).status_code == 429
    # The refused attempts while locked are not counted: the time to retry holds.
    assert AccessAttempt.objects.get(username=ALICE).failures_since_start == 5


def test_the_lockout_ends_after_the_cool_off(client, alice):
    fail(client, ALICE, 5)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert log_in(client, ALICE, PASSWORD).status_code == 302


def test_a_successful_login_forgets_the_failures_of_its_ip(client, alice):
    fail(client, ALICE, 4)
    assert log_in(client, ALICE, PASSWORD).status_code == 302
    client.post("/deconnexion/")
    assert fail(client, ALICE, 4) == [200, 200, 200, 200]


def test_a_new_password_from_the_emailed_link_unlocks(client, alice, mailoutbox):
    fail(client, ALICE, 5)
    client.post("/compte/mot-de-passe/oubli/", {"email": ALICE})
    link = re.search(r"http://testserver(/\S+)", mailoutbox[0].body).group(1)
    form = client.get(link, follow=True)
    client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "staple-orbit-lantern-42", "new_password2": "staple-orbit-lantern-42"},
    )
    assert not AccessAttempt.objects.filter(username=ALICE).exists()
    assert log_in(client, ALICE, "staple-orbit-lantern-42").status_code == 302


# --- staff unlock ----------------------------------------------------------------------------


def test_staff_see_the_lockouts_and_unlock_one(client, alice, staff):
    fail(client, ALICE, 5)
    officer = Client()
    officer.force_login(staff)
    listing = officer.get(LOCKOUTS)
    assert listing.status_code == 200
    text = page(listing)
    row = re.search(rf"<tr>\s*<th scope=\"row\">{re.escape(ALICE)}</th>(.*?)</tr>", text, re.S)
    assert row, text
    assert "127.0.0.1" in row.group(1)
    assert "<td>5</td>" in row.group(1)

    response = officer.post(UNLOCK, {"email": ALICE}, follow=True)
    assert "La connexion de alice@a.example.org est débloquée." in page(response)
    assert "Aucune connexion n'est bloquée." in page(response)
    assert log_in(client, ALICE, PASSWORD).status_code == 302


def test_the_lockouts_page_is_not_found_for_anyone_else(client, alice, bob):
    fail(client, ALICE, 5)
    assert Client().get(LOCKOUTS).status_code == 404
    member = Client()
    member.force_login(bob)
    assert member.get(LOCKOUTS).status_code == 404
    assert member.post(UNLOCK, {"email": ALICE}).status_code == 404
    assert AccessAttempt.objects.filter(username=ALICE).exists()


def test_unlocking_needs_a_post_with_the_csrf_token(client, alice, staff):
    fail(client, ALICE, 5)
    officer = Client(enforce_csrf_checks=True)
    officer.force_login(staff)
    assert officer.get(UNLOCK).status_code == 405
    assert officer.post(UNLOCK, {"email": ALICE}).status_code == 403
    assert AccessAttempt.objects.filter(username=ALICE).exists()


def test_the_admin_login_is_locked_with_the_same_message(alice):
    admin = Client()
    for _ in range(5):
        response = admin.post("/admin/login/", {"username": ALICE, "password": "wrong-password"})
    assert response.status_code == 429
    assert lockout_message(until_of(ALICE)) in page(response)
    assert 'href="/compte/mot-de-passe/oubli/"' in page(response)


def test_axes_admin_lists_the_attempts(client, alice):
    fail(client, ALICE, 5)
    admin = Client()
    admin.force_login(
        f.UserFactory(email="root@portal.example.org", is_staff=True, is_superuser=True)
    )
    response = admin.get("/admin/axes/accessattempt/")
    assert response.status_code == 200
    assert ALICE in page(response)


# --- the API's token endpoint ----------------------------------------------------------------


def token_request(client, email, password):
    return client.post(TOKEN, {"email": email, "password": password}, format="json")


def test_the_token_endpoint_locks_after_five_failures_with_the_api_error_shape(alice):
    api = APIClient()
    statuses = [token_request(api, ALICE, "wrong-password").status_code for _ in range(4)]
    assert statuses == [400, 400, 400, 400]
    fifth = token_request(api, ALICE, "wrong-password")
    assert fifth.status_code == 429
    body = fifth.json()
    assert body["code"] == "locked_out"
    assert body["errors"] == {}
    assert body["message"] == lockout_message(until_of(ALICE))
    assert 0 < int(fifth["Retry-After"]) <= 15 * 60

    right = token_request(api, ALICE, PASSWORD)
    assert right.status_code == 429
    assert right.json()["code"] == "locked_out"
    assert not Token.objects.filter(user=alice).exists()


def test_the_token_endpoint_and_the_login_page_share_the_count(client, alice):
    api = APIClient()
    for _ in range(3):
        token_request(api, ALICE, "wrong-password")
    fail(client, ALICE, 1)
    assert token_request(api, ALICE, "wrong-password").status_code == 429
    assert log_in(client, ALICE, PASSWORD).status_code == 429


def test_the_token_endpoint_answers_in_english_when_asked(alice):
    api = APIClient()
    for _ in range(5):
        response = api.post(
            TOKEN, {"email": ALICE, "password": "wrong"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
        )
    assert response.status_code == 429
    with translation.override("en"):
        assert response.json()["message"] == lockout_message(until_of(ALICE))
