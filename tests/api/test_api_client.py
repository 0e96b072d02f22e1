"""scripts/api_client.py, a client that reads nothing but the published schema, run as a
program against a live server holding the demo: logged in as the demo's officer of
Valenciennes Métropole, it gets exactly the open calls and exactly the dossiers the
officer's pages show, across several pages. The demo has one dossier per call: a few more
are seeded beside it (submitted to the officer's call, a draft there, others submitted to
another authority's call)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from applications.api.views import applications_readable_by
from applications.choices import ApplicationStatus
from applications.models import Application
from calls.models import Call
from portal.models import User
from review.permissions import applications_for_officer
from tests.review.test_queue import make_dossier

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "api_client.py"
OFFICER = "agent.valenciennes@demo.example"
OFFICERS_CALL, OTHER = "FSE-VM-312-2026", "FWVL-A4-2026"
PAGE_SIZE = 1


@pytest.fixture
def demo(transactional_db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.DEBUG = True
    call_command("load_demo", stdout=StringIO())
    ours, theirs = Call.objects.get(reference=OFFICERS_CALL), Call.objects.get(reference=OTHER)
    for _ in range(3):
        make_dossier(ours)
        make_dossier(theirs)
    make_dossier(ours, status=ApplicationStatus.DRAFT)
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            "anon": "100000/minute",
            "user": "100000/minute",
            "auth_token": "100000/minute",
        },
    }
    password = json.loads(
        (Path(settings.BASE_DIR) / "fixtures/demo/10-organisations-users.json").read_text()
    )["password"]
    return password


def run_client(base_url: str, email: str, password: str) -> dict:
    completed = subprocess.run(
        [sys.executable, str(SCRIPT), base_url, email, "--page-size", str(PAGE_SIZE)],
        env={**os.environ, "API_PASSWORD": password},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def test_the_schema_only_client_pulls_the_open_calls_and_the_officers_dossiers(demo, live_server):
    officer = User.objects.get(email=OFFICER)
    open_calls = set(
        Call.objects.published().open_at(timezone.now()).values_list("reference", flat=True)
    )
    on_the_pages = set(applications_for_officer(officer).values_list("reference", flat=True))
    # Both lists span several pages, and the officer does not see every dossier.
    assert len(open_calls) > PAGE_SIZE and len(on_the_pages) > PAGE_SIZE
    assert Call.objects.published().count() > len(open_calls)
    assert Application.objects.count() > len(on_the_pages)
    assert set(applications_readable_by(officer).values_list("reference", flat=True)) == (
        on_the_pages
    )

    pulled = run_client(live_server.url, OFFICER, demo)

    assert sorted(pulled["open_calls"]) == sorted(open_calls)
    assert sorted(pulled["applications"]) == sorted(on_the_pages)


def test_the_client_reads_its_operations_from_the_schema_alone(demo, live_server):
    """The schema's paths are the only URLs it uses: with them moved, it fails cleanly
    when an operation it needs is missing, and never guesses an address."""
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        import api_client
    finally:
        sys.path.remove(str(SCRIPT.parent))
    client = api_client.ApiClient(live_server.url)
    assert client.list_operation("calls") == "calls_list"
    assert client.list_operation("applications") == "applications_list"
    assert client.url("calls_list") == f"{live_server.url}/api/v1/calls/"
    with pytest.raises(api_client.SchemaError):
        client.filter_value("calls_list", "status", "bientôt")
    del client.operations["applications_list"]
    with pytest.raises(api_client.SchemaError):
        client.list_operation("applications")
