"""One answer to "where does this request come from?" (portal.network.client_address),
set by one variable (DJANGO_TRUSTED_PROXY_COUNT): the audit log, the login lockout, the
sessions' records and the API's throttles read the same address behind the same proxies,
and none believes what the client wrote on the left of X-Forwarded-For."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.test import Client, RequestFactory
from rest_framework.test import APIRequestFactory

from audit.choices import AuditAction
from audit.models import AuditEvent
from portal.accounts.models import UserSession
from portal.api.throttling import AnonymousThrottle, TokenEndpointThrottle

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
FORGED = "198.51.100.66"
CLIENT = "203.0.113.7"
PROXY = "10.0.0.1"
BEHIND_PROXY = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": f"{FORGED}, {CLIENT}"}


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _log_in(password):
    return Client(**BEHIND_PROXY).post(
        "/connexion/", {"username": "alice@a.example.org", "password": password}
    )


def _throttle_idents():
    request = APIRequestFactory().post("/api/v1/auth/token/", **BEHIND_PROXY)
    return {AnonymousThrottle().get_ident(request), TokenEndpointThrottle().get_ident(request)}


def test_behind_one_proxy_every_record_names_the_same_client(settings, alice):
    settings.TRUSTED_PROXY_COUNT = 1
    assert _log_in("wrong").status_code == 200
    assert _log_in(PASSWORD).status_code == 302

    failed = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    succeeded = AuditEvent.objects.get(action=AuditAction.LOGIN_SUCCEEDED)
    addresses = {
        "audit, failed login": failed.ip_address,
        "audit, login": succeeded.ip_address,
        "session record": UserSession.objects.get(user=alice).ip_address,
    }
    # (The lockout forgets the address's failures on a success: checked on its own below.)
    assert set(addresses.values()) == {CLIENT}, addresses
    assert _throttle_idents() == {CLIENT}


def test_the_lockout_counts_the_client_behind_the_proxy(settings, alice):
    settings.TRUSTED_PROXY_COUNT = 1
    _log_in("wrong")
    assert AccessAttempt.objects.get().ip_address == CLIENT


def test_without_a_proxy_count_the_header_is_ignored_everywhere(settings, alice):
    settings.TRUSTED_PROXY_COUNT = 0
    _log_in("wrong")
    assert AccessAttempt.objects.get().ip_address == PROXY
    assert AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED).ip_address == PROXY
    assert _throttle_idents() == {PROXY}


def test_a_header_shorter_than_the_proxy_count_gives_the_peer(settings):
    settings.TRUSTED_PROXY_COUNT = 3
    assert _throttle_idents() == {PROXY}


def test_drf_is_not_configured_a_second_way(settings):
    assert "NUM_PROXIES" not in settings.REST_FRAMEWORK
    assert settings.AXES_CLIENT_IP_CALLABLE == "portal.network.client_address"
    request = RequestFactory().get("/", **BEHIND_PROXY)
    settings.TRUSTED_PROXY_COUNT = 1
    from portal.network import client_address

    assert client_address(request) == CLIENT
