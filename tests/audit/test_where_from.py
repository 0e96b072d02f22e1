"""Where a request comes from: REMOTE_ADDR unless the settings say the portal stands
behind proxies (``TRUSTED_PROXY_COUNT``); then the address the outermost of them saw,
never what the client wrote on its left in X-Forwarded-For. The user agent is cut to
300 characters; what is not an IP address is not kept."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.urls import reverse

from audit.choices import AuditAction
from audit.context import client_address, client_of

from .helpers import only

FORGED = "198.51.100.66"


def _request(**meta):
    return RequestFactory().get("/", **meta)


def test_without_proxies_the_forwarded_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    request = _request(REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR=FORGED)
    assert client_address(request) == "203.0.113.7"


@pytest.mark.parametrize(
    "count,forwarded,expected",
    [
        (1, "203.0.113.7", "203.0.113.7"),
        (1, f"{FORGED}, 203.0.113.7", "203.0.113.7"),  # the client's own entry is not believed
        (2, f"{FORGED}, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        (1, "2001:db8::7", "2001:db8::7"),
        (2, "203.0.113.7", "10.0.0.1"),  # fewer entries than proxies: the peer's address
        (1, "not-an-address", None),
    ],
)
def test_behind_proxies_the_outermost_proxys_view_is_taken(settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    request = _request(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


def test_the_user_agent_is_cut_and_a_missing_address_is_none():
    client = client_of(_request(REMOTE_ADDR="", HTTP_USER_AGENT="x" * 1000))
    assert client.ip_address is None
    assert client.user_agent == "x" * 300


@pytest.mark.django_db
def test_a_login_behind_a_proxy_records_the_clients_address(client, settings, alice):
    settings.TRUSTED_PROXY_COUNT = 1
    client.post(
        reverse("login"),
        {"username": alice.email, "password": "correct-horse-battery"},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR=f"{FORGED}, 203.0.113.7",
    )
    assert only(AuditAction.LOGIN_SUCCEEDED).ip_address == "203.0.113.7"
