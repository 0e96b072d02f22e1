"""The token endpoint: an account's e-mail address and password give its token, which
authenticates API requests until its owner revokes it; wrong credentials are a 400 in the
error shape; the endpoint has its own, stricter throttle."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests import factories as f

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
PASSWORD = "correct-horse-battery"


def test_the_right_credentials_give_the_account_its_token(api, alice):
    response = api.post(TOKEN, {"email": "alice@a.example.org", "password": PASSWORD})
    assert response.status_code == 200, response.content
    token = Token.objects.get(user=alice)
    assert response.json()["token"] == token.key
    assert response.json()["created"]


def test_asking_again_gives_the_same_token(api, alice):
    first = api.post(TOKEN, {"email": "alice@a.example.org", "password": PASSWORD}).json()
    second = api.post(TOKEN, {"email": "ALICE@a.example.org", "password": PASSWORD}).json()
    assert first["token"] == second["token"]


def test_a_wrong_password_is_a_400_with_a_clear_french_message(api, alice):
    response = api.post(TOKEN, {"email": "alice@a.example.org", "password": "wrong"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["errors"] == {
        "non_field_errors": [
            "Adresse e-mail ou mot de passe incorrect, ou compte pas encore confirmé. "
            "Vérifiez-les sur la page de connexion du portail."
        ]
    }
    assert not Token.objects.exists()


def test_an_unknown_address_gets_the_same_answer_as_a_wrong_password(api, alice):
    unknown = api.post(TOKEN, {"email": "nobody@example.org", "password": PASSWORD}).json()
    wrong = api.post(TOKEN, {"email": "alice@a.example.org", "password": "wrong"}).json()
    assert unknown == wrong


def test_an_account_waiting_for_confirmation_gets_no_token(api):
    f.UserFactory(email="new@example.org", is_active=False)
    response = api.post(TOKEN, {"email": "new@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert not Token.objects.exists()


def test_missing_fields_are_named(api):
    body = api.post(TOKEN, {}).json()
    assert set(body["errors"]) == {"email", "password"}


def test_the_token_authenticates_a_request(alice):
    token = Token.objects.create(user=alice)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.delete(TOKEN).status_code == 204


def test_the_owner_revokes_the_token_and_it_no_longer_works(alice):
    token = Token.objects.create(user=alice)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.delete(TOKEN).status_code == 204
    assert not Token.objects.filter(user=alice).exists()
    response = client.get("/api/v1/calls/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_revoking_from_a_session_removes_only_ones_own_token(alice, bob):
    Token.objects.create(user=alice)
    bobs = Token.objects.create(user=bob)
    client = APIClient()
    client.force_login(alice)
    assert client.delete(TOKEN).status_code == 204
    assert list(Token.objects.all()) == [bobs]


def test_the_token_endpoint_has_its_own_stricter_throttle(api, alice, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "anon": "100/minute",
            "auth_token": "2/minute",
        },
    }
    for _attempt in range(2):
        assert api.post(TOKEN, {"email": "alice@a.example.org", "password": "x"}).status_code == 400
    response = api.post(TOKEN, {"email": "alice@a.example.org", "password": PASSWORD})
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    # The other endpoints are not slowed down.
    assert api.get("/api/v1/calls/").status_code == 200
