"""Every error of the API has one JSON shape, ``{"code", "message", "errors"}``, with its
message in the request's language (French unless asked otherwise)."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from rest_framework.authtoken.models import Token

from portal.api.exceptions import Conflict, api_exception_handler, field_errors

pytestmark = pytest.mark.django_db

CALLS = "/api/v1/calls/"
TOKEN = "/api/v1/auth/token/"


def assert_error_shape(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"code", "message", "errors"}
    assert body["code"] == code
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["errors"], dict)
    return body


def test_an_invalid_filter_is_a_400_naming_the_field(api):
    body = assert_error_shape(api.get(CALLS, {"status": "soon"}), 400, "invalid")
    assert body["message"] == "Les données envoyées ne sont pas valides : voyez « errors »."
    assert list(body["errors"]) == ["status"]
    assert "soon" in body["errors"]["status"][0]


def test_a_request_without_credentials_on_a_protected_endpoint_is_a_401(api):
    response = api.delete(TOKEN)
    body = assert_error_shape(response, 401, "not_authenticated")
    assert body["errors"] == {}
    assert response["WWW-Authenticate"] == "Token"


def test_an_unknown_token_is_a_401_in_the_same_shape(api):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert_error_shape(api.get(CALLS), 401, "authentication_failed")


def test_a_session_request_without_its_csrf_token_is_a_403(alice):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(alice)
    Token.objects.create(user=alice)
    body = assert_error_shape(client.delete(TOKEN), 403, "permission_denied")
    assert "CSRF" in body["message"]
    assert Token.objects.filter(user=alice).exists()


def test_an_unknown_call_is_a_404_in_french_by_default(api):
    body = assert_error_shape(api.get(f"{CALLS}AAP-NOPE/"), 404, "not_found")
    assert body["message"] == "Non trouvé."


def test_an_unknown_path_under_the_api_is_a_json_404(api):
    body = assert_error_shape(api.get("/api/v1/nothing-here/"), 404, "not_found")
    assert body["message"] == "Aucune ressource de l'API à cette adresse."


def test_writing_to_a_read_only_resource_is_a_405(api):
    response = api.post(CALLS, {"title": "x"}, format="json")
    assert_error_shape(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]


def test_a_conflict_is_a_409_in_the_same_shape():
    request = RequestFactory().get("/api/v1/")
    response = api_exception_handler(Conflict(), {"request": request, "view": None})
    assert response.status_code == 409
    assert response.data == {
        "code": "conflict",
        "message": "L'objet a été modifié entre-temps : rechargez-le et recommencez.",
        "errors": {},
    }


def test_too_many_requests_is_a_429_with_retry_after(api, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "anon": "2/minute",
        },
    }
    assert api.get(CALLS).status_code == 200
    assert api.get(CALLS).status_code == 200
    response = api.get(CALLS)
    body = assert_error_shape(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0
    assert body["message"].startswith("Requête ralentie")


def test_the_message_follows_the_request_language(api):
    body = assert_error_shape(
        api.get(f"{CALLS}AAP-NOPE/", HTTP_ACCEPT_LANGUAGE="en"), 404, "not_found"
    )
    assert body["message"] == "Not found."


def test_nested_field_errors_are_named_with_dots():
    assert field_errors({"partners": {"0": {"email": ["Invalide."]}}, "title": ["Requis."]}) == {
        "partners.0.email": ["Invalide."],
        "title": ["Requis."],
    }
    assert field_errors(["Tout est faux."]) == {"non_field_errors": ["Tout est faux."]}
