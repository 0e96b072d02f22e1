"""The API against its own published schema, in-process: every operation of
/api/v1/schema/ is called with data generated from the schema (positive) and with data
that breaks it (negative), anonymously and with the token of an officer and of an
applicant, and every answer must be no server error, of a documented status code and
content type, and of the documented shape.

Bounded and deterministic: a few examples per operation and mode, Hypothesis derandomised,
no example database. Every failure is collected, so one run reports them all."""

from __future__ import annotations

import json
from collections import Counter

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.core import NotSet
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from applications.choices import AssessmentStatus
from applications.models import Assessment
from tests import factories as f
from tests.review.test_queue import make_dossier

pytestmark = pytest.mark.django_db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
MODES = [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]
# Per operation, mode and persona (about 20 operations x 2 modes x 3 personas, plus the
# details on an object that exists): about a minute in all.
MAX_EXAMPLES = 12
PERSONAS = ("anonymous", "officer", "applicant")


@pytest.fixture
def wsgi_app():
    """Django's WSGI handler, as a server runs it, minus the closing of the connection at
    the end of each request (the test's transaction holds it; Django's test client does
    the same)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def unthrottled(settings):
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            "anon": "100000/minute",
            "user": "100000/minute",
            "auth_token": "100000/minute",
        },
    }


@pytest.fixture
def world(call, other_authority, dossier, org_a, org_b, org_c, alice, olivia, ada):
    """Something behind every endpoint: Alice's draft and submitted dossiers, C's
    submitted one, an operation (a funded project) for the public list, an assessment."""
    submitted = make_dossier(call, reference="A-SUBMITTED", lead=org_a, partners=[org_b])
    make_dossier(call, reference="C-SUBMITTED", lead=org_c)
    f.project(call=call, organisation=org_c, reference="OPERATION-1", officer=olivia)
    Assessment.objects.create(
        application=submitted,
        assessor=ada,
        assigned_by=olivia,
        status=AssessmentStatus.IN_PROGRESS,
        no_conflict_declared_at=timezone.now(),
    )
    return {"officer": olivia, "applicant": alice}


def describe(case, exc: BaseException) -> str:
    body = "-" if isinstance(case.body, NotSet) else json.dumps(case.body, default=str)[:300]
    return (
        f"{case.method} {case.formatted_path} query={case.query} body={body}\n"
        f"    {type(exc).__name__}: {str(exc)[:1200]}"
    )


def known_path_parameters(operation, headers: dict[str, str]) -> dict[str, str] | None:
    """For ``/things/{key}/...``: the ``key`` of the first thing the persona's list shows,
    so that details (and actions on them) are called on objects that exist."""
    [*names] = (parameter.name for parameter in operation.path_parameters)
    if len(names) != 1:
        return None
    list_path = operation.path.split("{", 1)[0]
    http_headers = {f"HTTP_{name.upper()}": value for name, value in headers.items()}
    response = Client().get(list_path, **http_headers)
    # Django's test client connects the closing of connections again after its request:
    # the in-process runs that follow must not close the test's connection (PostgreSQL).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    if response.status_code != 200 or not response.json()["results"]:
        return None
    value = response.json()["results"][0].get(names[0])
    return None if value is None else {names[0]: value}


def explore(operation, mode, headers_for, answers: Counter, **fixed) -> list[str]:
    failures: list[str] = []

    @hypothesis_settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode, **fixed))
    def run(case):
        try:
            response = case.call(headers=headers_for())
            answers[operation.label, response.status_code] += 1
            case.validate_response(response, checks=CHECKS)
        except (Exception, BaseExceptionGroup) as exc:
            failures.append(f"[{mode}] {describe(case, exc)}")

    try:
        run()
    except Unsatisfiable:
        # Nothing in this operation can be broken in this mode (a path parameter that is
        # any string): nothing to send.
        if mode is schemathesis.GenerationMode.POSITIVE:
            raise
        print(f"no {mode} data for {operation.label}")
    return failures


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_operation_answers_as_its_schema_says(persona, world, wsgi_app, unthrottled):
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", wsgi_app)
    user = world.get(persona)
    key = f"{persona:0<40}"[:40]

    def headers_for() -> dict[str, str]:
        if user is None:
            return {}
        # The token revocation is among the operations: the token is recreated each time.
        Token.objects.get_or_create(user=user, defaults={"key": key})
        return {"Authorization": f"Token {key}"}

    failures, answers, found = [], Counter(), set()
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        for mode in MODES:
            failures += explore(operation, mode, headers_for, answers)
        known = known_path_parameters(operation, headers_for())
        if known:
            failures += explore(operation, MODES[0], headers_for, answers, path_parameters=known)
            found.add(operation.label)
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures)
    # Every operation was called, and the personas' tokens were honoured.
    assert {label for label, _status in answers} == {operation.label for operation in operations}
    assert len(operations) >= 15
    dossiers = answers["GET /api/v1/applications/", 200]
    assert dossiers > 0 if user else dossiers == 0
    assert ("GET /api/v1/applications/{reference}/" in found) == (user is not None)
    assert {"GET /api/v1/calls/{reference}/", "GET /api/v1/operations/{reference}/"} <= found
