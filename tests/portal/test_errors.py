"""When a request fails on the server: the database away is a 503 with Retry-After and a
message to try again (HTML, or the API's JSON shape), rendered without the database; any
other failure a 500."""

from __future__ import annotations

import pytest
from django.db import InterfaceError, OperationalError
from django.test import Client
from django.urls import path

from portal import urls as portal_urls
from portal.errors import server_error


def database_gone(request):
    raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")


def connection_closed(request):
    try:
        raise InterfaceError("connection already closed")
    except InterfaceError as error:
        raise RuntimeError("while saving the session") from error


def bug(request):
    raise ZeroDivisionError("a bug")


urlpatterns = [
    path("boom/db/", database_gone),
    path("boom/closed/", connection_closed),
    path("boom/bug/", bug),
    path("api/v1/boom/db/", database_gone),
]
handler500 = server_error

pytestmark = pytest.mark.urls(__name__)


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


def test_the_portal_uses_this_handler():
    assert portal_urls.handler500 == "portal.errors.server_error"


@pytest.mark.parametrize("url", ["/boom/db/", "/boom/closed/"])
def test_a_database_away_is_a_503_saying_to_retry(client, url):
    # No database for these tests (no django_db mark): a query while answering would fail.
    response = client.get(url)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Cache-Control"] == "no-store"
    page = response.content.decode()
    assert "Service momentanément indisponible" in page
    assert "réessayez dans quelques secondes" in page


def test_the_api_says_it_in_its_error_shape(client):
    response = client.get("/api/v1/boom/db/")
    assert response.status_code == 503
    body = response.json()
    assert body["code"] == "unavailable"
    assert body["errors"] == {}
    assert "réessayez" in body["message"]


def test_any_other_failure_is_a_500(client):
    response = client.get("/boom/bug/")
    assert response.status_code == 500
    assert "Retry-After" not in response
    assert "Erreur du serveur" in response.content.decode()


def test_the_message_follows_the_language(client):
    response = client.get("/boom/db/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 503
    assert "Service temporarily unavailable" in response.content.decode()
