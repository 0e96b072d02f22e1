"""The OpenAPI 3 schema at /api/v1/schema/ is valid, lists every endpoint with its
parameters and errors, and its documentation page at /api/v1/docs/ lists them all,
rendered on the server (no CDN, no JavaScript)."""

from __future__ import annotations

import pytest
import yaml
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db

ENDPOINTS = {
    "/api/v1/auth/token/": {"post", "delete"},
    "/api/v1/funds/": {"get"},
    "/api/v1/funds/{code}/": {"get"},
    "/api/v1/programmes/": {"get"},
    "/api/v1/programmes/{code}/": {"get"},
    "/api/v1/authorities/": {"get"},
    "/api/v1/authorities/{code}/": {"get"},
    "/api/v1/calls/": {"get"},
    "/api/v1/calls/{reference}/": {"get"},
    "/api/v1/operations/": {"get"},
    "/api/v1/operations/{reference}/": {"get"},
    "/api/v1/applications/": {"get", "post"},
    "/api/v1/applications/{reference}/": {"get"},
    "/api/v1/applications/{reference}/sections/{key}/": {"get", "patch"},
    "/api/v1/applications/{reference}/sections/{key}/{number}/": {"get", "patch"},
    "/api/v1/applications/{reference}/invitations/": {"post"},
    "/api/v1/applications/{reference}/attachments/": {"post"},
    "/api/v1/applications/{reference}/eligibility/": {"get"},
    "/api/v1/applications/{reference}/submit/": {"post"},
    "/api/v1/organisations/": {"get"},
    "/api/v1/organisations/{id}/": {"get"},
    "/api/v1/decisions/": {"get"},
    "/api/v1/decisions/{reference}/": {"get"},
    "/api/v1/projects/": {"get"},
    "/api/v1/projects/{reference}/": {"get"},
    "/api/v1/reports/": {"get"},
    "/api/v1/reports/{id}/": {"get"},
    "/api/v1/documents/": {"get", "post"},
    "/api/v1/documents/{id}/": {"get"},
}
LISTS = [path for path in ENDPOINTS if not path.endswith("}/") and "auth" not in path]
LISTS = [path for path in LISTS if "{" not in path]  # a dossier's actions are not lists


@pytest.fixture
def schema(api):
    response = api.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_the_schema_is_valid_openapi_3(schema):
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["version"] == "1.0.0"
    assert "REST API of the European funds portal" in schema["info"]["description"]
    assert "API REST du portail des fonds européens" in schema["info"]["description"]


def test_the_schema_is_served_as_yaml_by_default(api):
    response = api.get("/api/v1/schema/")
    assert response.status_code == 200
    assert yaml.safe_load(response.content)["paths"]


def test_the_schema_lists_every_endpoint_and_method(schema):
    assert {path: set(item) for path, item in schema["paths"].items()} == ENDPOINTS


@pytest.mark.parametrize("path", LISTS)
def test_every_list_documents_its_filters_and_both_paginations(schema, path):
    names = {parameter["name"] for parameter in schema["paths"][path]["get"]["parameters"]}
    assert {"q", "ordering", "page", "page_size", "cursor"} <= names


def test_the_calls_list_documents_its_filters_with_their_values(schema):
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/calls/"]["get"]["parameters"]}
    assert {"fund", "programme", "authority", "measure", "status", "updated_since"} <= set(
        parameters
    )
    assert parameters["status"]["schema"]["enum"] == ["closed", "open", "upcoming"]


def test_the_operations_list_documents_the_files_filters(schema):
    get = schema["paths"]["/api/v1/operations/"]["get"]
    assert {"fund", "programme", "country", "updated_since"} <= {
        p["name"] for p in get["parameters"]
    }


def test_every_operation_documents_its_errors_with_the_error_shape(schema):
    error = {"$ref": "#/components/schemas/Error"}
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            assert "429" in responses, (method, path)
            for code, response in responses.items():
                if code >= "400":
                    assert response["content"]["application/json"]["schema"] == error
            if "{" in path and method != "get":
                # A write has no 304: it answers the dossier's 404 and its own errors.
                assert "404" in responses, (method, path)
                continue
            if "{" in path:
                assert {"304", "404"} <= set(responses), path
    assert set(schema["components"]["schemas"]["Error"]["required"]) == {
        "code",
        "message",
        "errors",
    }
    token = schema["paths"]["/api/v1/auth/token/"]
    assert {"401", "403"} <= set(token["delete"]["responses"])
    assert "400" in token["post"]["responses"]


def test_money_is_documented_as_decimal_strings(schema):
    call = schema["components"]["schemas"]["Call"]["properties"]
    assert call["budget_envelope"]["type"] == "string"
    assert call["budget_envelope"]["format"] == "decimal"


def test_the_documentation_page_lists_every_path_without_a_cdn(client, schema):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    for path, methods in ENDPOINTS.items():
        for method in methods:
            assert f"{method.upper()} {path}" in html
    assert "cdn" not in html.lower()
    assert "swagger" not in html.lower()
    assert "Les données envoyées ne sont pas valides" not in html  # examples are not dumped
    assert "updated_since" in html
    assert 'id="schema-Error"' in html


def test_the_documentation_page_follows_the_language(client):
    html = client.get("/api/v1/docs/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in html


def test_the_schema_follows_the_language(api):
    english = api.get("/api/v1/schema/", {"format": "json"}, HTTP_ACCEPT_LANGUAGE="en")
    assert english["Content-Language"] == "en"
