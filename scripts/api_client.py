#!/usr/bin/env python3
"""A client of the portal's API that knows nothing but the published schema.

It reads /api/v1/schema/?format=json, finds there the operations it needs by their
operationId (the token, the lists of calls and of dossiers), their paths, the header the
token goes in and the values a filter accepts, then:

1. obtains a token for an account (``auth_token_create``);
2. pulls every open call (``calls_list`` with its ``status`` filter set to ``open``);
3. pulls every dossier the account may read (``applications_list``),

following the ``next`` links to the last page. Plain ``requests``, no generated code.

    API_PASSWORD=... python scripts/api_client.py http://127.0.0.1:8000 agent@example.org

prints one JSON object: the references of the open calls and of the dossiers.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from urllib.parse import urljoin

import requests

SCHEMA_URL = "/api/v1/schema/?format=json"
TIMEOUT = 30


class SchemaError(RuntimeError):
    """The schema lacks what the client needs."""


class ApiClient:
    def __init__(self, base_url: str, session: requests.Session | None = None):
        self.session = session or requests.Session()
        self.session.headers["Accept"] = "application/json"
        response = self.session.get(urljoin(base_url, SCHEMA_URL), timeout=TIMEOUT)
        response.raise_for_status()
        self.schema = response.json()
        servers = self.schema.get("servers") or [{"url": "/"}]
        self.root = urljoin(base_url, servers[0]["url"])
        self.operations = {
            operation["operationId"]: (method.upper(), path, operation)
            for path, item in self.schema["paths"].items()
            for method, operation in item.items()
            if isinstance(operation, dict) and "operationId" in operation
        }

    # --- reading the schema ---------------------------------------------------------------

    def operation(self, operation_id: str) -> tuple[str, str, dict]:
        try:
            return self.operations[operation_id]
        except KeyError:
            raise SchemaError(f"no operation {operation_id!r} in the schema") from None

    def url(self, operation_id: str) -> str:
        _method, path, _operation = self.operation(operation_id)
        return urljoin(self.root, path.lstrip("/"))

    def list_operation(self, resource: str) -> str:
        """The operationId of the paginated list of ``resource``: a GET on
        ``/.../<resource>/`` without path parameter whose answer has ``results``."""
        for operation_id, (method, path, operation) in self.operations.items():
            segments = [segment for segment in path.split("/") if segment]
            if method != "GET" or "{" in path or segments[-1:] != [resource]:
                continue
            answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
            component = self._resolve(answer)
            if "results" in component.get("properties", {}):
                return operation_id
        raise SchemaError(f"no paginated list of {resource!r} in the schema")

    def _resolve(self, schema: dict) -> dict:
        while "$ref" in schema:
            node = self.schema
            for part in schema["$ref"].removeprefix("#/").split("/"):
                node = node[part]
            schema = node
        return schema

    def parameter(self, operation_id: str, name: str) -> dict:
        _method, _path, operation = self.operation(operation_id)
        for parameter in operation.get("parameters", []):
            if parameter["name"] == name and parameter["in"] == "query":
                return parameter
        raise SchemaError(f"{operation_id} has no query parameter {name!r}")

    def filter_value(self, operation_id: str, name: str, value: str) -> dict[str, str]:
        """``{name: value}`` once the schema says the filter exists and accepts it."""
        allowed = self._resolve(self.parameter(operation_id, name).get("schema", {}))
        if "enum" in allowed and value not in allowed["enum"]:
            raise SchemaError(f"{operation_id}: {name}={value!r} not among {allowed['enum']}")
        return {name: value}

    def _token_header(self) -> tuple[str, str]:
        """The header the token goes in, and its prefix, from the security schemes."""
        schemes = self.schema.get("components", {}).get("securitySchemes", {})
        for scheme in schemes.values():
            if scheme.get("type") == "apiKey" and scheme.get("in") == "header":
                return scheme["name"], "Token"
            if scheme.get("type") == "http" and scheme.get("scheme") == "bearer":
                return "Authorization", "Bearer"
        raise SchemaError("no token scheme in the schema")

    # --- calling it -----------------------------------------------------------------------

    def log_in(self, email: str, password: str) -> None:
        method, _path, _operation = self.operation("auth_token_create")
        response = self.session.request(
            method,
            self.url("auth_token_create"),
            json={"email": email, "password": password},
            timeout=TIMEOUT,
        )
        response.raise_for_status()
        header, prefix = self._token_header()
        self.session.headers[header] = f"{prefix} {response.json()['token']}"

    def pull(self, operation_id: str, params: dict[str, str] | None = None) -> list[dict]:
        """Every row of a paginated list, following ``next`` to the end."""
        for name in params or {}:
            self.parameter(operation_id, name)
        rows: list[dict] = []
        url, query = self.url(operation_id), dict(params or {})
        while url:
            response = self.session.get(url, params=query, timeout=TIMEOUT)
            response.raise_for_status()
            page = response.json()
            rows += page["results"]
            # ``next`` carries the query: it is followed as it is.
            url, query = page["next"], None
        return rows


def pull_everything(base_url: str, email: str, password: str, page_size: int = 100) -> dict:
    client = ApiClient(base_url)
    client.log_in(email, password)
    calls = client.list_operation("calls")
    applications = client.list_operation("applications")
    open_calls = client.pull(
        calls,
        {**client.filter_value(calls, "status", "open"), "page_size": str(page_size)},
    )
    dossiers = client.pull(applications, {"page_size": str(page_size)})
    return {
        "open_calls": [call["reference"] for call in open_calls],
        "applications": [dossier["reference"] for dossier in dossiers],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base_url", help="the portal's address, e.g. http://127.0.0.1:8000")
    parser.add_argument("email", help="the account's e-mail address")
    parser.add_argument("--page-size", type=int, default=100)
    arguments = parser.parse_args(argv)
    password = os.environ.get("API_PASSWORD")
    if not password:
        parser.error("the account's password goes in the API_PASSWORD environment variable")
    result = pull_everything(arguments.base_url, arguments.email, password, arguments.page_size)
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
