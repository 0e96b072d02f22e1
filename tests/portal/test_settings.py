"""Settings are read from the environment, strictly; with none the portal needs no server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from portal.env import env_bool, env_int, env_list

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "db_name": str(settings.DATABASES["default"]["NAME"]),
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "broker": settings.CELERY_BROKER_URL,
    "debug": settings.DEBUG,
    "language": settings.LANGUAGE_CODE,
    "languages": [code for code, _ in settings.LANGUAGES],
    "time_zone": settings.TIME_ZONE,
    "hosts": settings.ALLOWED_HOSTS,
    "email_backend": settings.EMAIL_BACKEND,
    "db_options": settings.DATABASES["default"].get("OPTIONS", {}),
    "conn_max_age": settings.DATABASES["default"]["CONN_MAX_AGE"],
}))
"""


def load_settings(**env: str) -> subprocess.CompletedProcess:
    """Import the settings in a fresh interpreter with exactly this environment."""
    clean = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "portal.settings", **env}
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_with_no_environment_the_portal_uses_sqlite_and_runs_tasks_eagerly():
    result = load_settings()
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["db_name"].endswith("var/db.sqlite3")
    assert values["eager"] is True
    assert values["broker"] is None
    assert values["debug"] is True
    assert values["email_backend"] == "django.core.mail.backends.console.EmailBackend"


def test_the_interface_is_french_first_with_dutch_and_english_in_paris_time():
    values = json.loads(load_settings().stdout)
    assert values["language"] == "fr"
    assert values["languages"] == ["fr", "nl", "en"]
    assert values["time_zone"] == "Europe/Paris"


def test_database_url_and_broker_url_point_the_portal_at_postgresql_and_redis():
    result = load_settings(
        DATABASE_URL="postgres://portal:secret@db.example.org:5432/portal",
        CELERY_BROKER_URL="redis://cache.example.org:6379/0",
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["db_name"] == "portal"
    assert values["eager"] is False
    assert values["broker"] == "redis://cache.example.org:6379/0"


def test_without_debug_a_secret_key_is_required():
    result = load_settings(DJANGO_DEBUG="false", DJANGO_ALLOWED_HOSTS="portal.example.org")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_without_debug_allowed_hosts_are_required():
    result = load_settings(DJANGO_DEBUG="false", DJANGO_SECRET_KEY="x" * 60)
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS must be set" in result.stderr


def test_a_production_environment_loads_with_its_hosts():
    result = load_settings(
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="x" * 60,
        DJANGO_ALLOWED_HOSTS="portal.example.org,www.portal.example.org",
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["debug"] is False
    assert values["hosts"] == ["portal.example.org", "www.portal.example.org"]


def test_a_misspelt_boolean_fails_loudly_instead_of_meaning_false():
    result = load_settings(DJANGO_DEBUG="flase")
    assert result.returncode != 0
    assert "DJANGO_DEBUG='flase' is not a boolean" in result.stderr


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", True),
        ("true", True),
        ("Yes", True),
        ("on", True),
        ("0", False),
        ("FALSE", False),
        ("no", False),
        ("off", False),
    ],
)
def test_booleans_accept_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("SOME_FLAG", raw)
    assert env_bool("SOME_FLAG", not expected) is expected


def test_an_absent_or_empty_variable_takes_the_default(monkeypatch):
    monkeypatch.delenv("SOME_FLAG", raising=False)
    assert env_bool("SOME_FLAG", True) is True
    monkeypatch.setenv("SOME_FLAG", "  ")
    assert env_bool("SOME_FLAG", False) is False


def test_integers_are_parsed_strictly(monkeypatch):
    monkeypatch.setenv("SOME_NUMBER", "42")
    assert env_int("SOME_NUMBER", 0) == 42
    monkeypatch.setenv("SOME_NUMBER", "4two")
    with pytest.raises(ImproperlyConfigured, match="SOME_NUMBER='4two' is not an integer"):
        env_int("SOME_NUMBER", 0)


def test_lists_are_comma_separated_and_refuse_empty_items(monkeypatch):
    monkeypatch.setenv("SOME_HOSTS", "a.example.org, b.example.org")
    assert env_list("SOME_HOSTS", []) == ["a.example.org", "b.example.org"]
    monkeypatch.setenv("SOME_HOSTS", "a.example.org,,b.example.org")
    with pytest.raises(ImproperlyConfigured, match="empty item"):
        env_list("SOME_HOSTS", [])


def test_postgresql_connections_run_without_jit_unless_asked():
    """The queue's per-dossier totals made the JIT compile longer than the query ran."""
    url = "postgres://portal:secret@db.example.org:5432/portal"
    values = json.loads(load_settings(DATABASE_URL=url).stdout)
    assert values["db_options"]["options"] == "-c jit=off"
    values = json.loads(load_settings(DATABASE_URL=url, DATABASE_JIT="on").stdout)
    assert "options" not in values["db_options"]
    assert json.loads(load_settings().stdout)["db_options"] == {}


def test_postgresql_statements_are_bound_and_prepared_by_the_server_unless_asked():
    """A page's joins are planned once per connection (prepared after five runs); behind
    PgBouncer in transaction mode, prepared statements are turned off."""
    url = "postgres://portal:secret@db.example.org:5432/portal"
    options = json.loads(load_settings(DATABASE_URL=url).stdout)["db_options"]
    assert options["server_side_binding"] is True
    assert options["prepare_threshold"] == 5
    off = load_settings(DATABASE_URL=url, DATABASE_SERVER_SIDE_BINDING="false").stdout
    assert "server_side_binding" not in json.loads(off)["db_options"]


def test_a_deployment_keeps_its_database_connections_and_debug_does_not():
    """runserver opens a thread per request: a kept connection would be one per thread."""
    url = "postgres://portal:secret@db.example.org:5432/portal"
    deployed = {
        "DATABASE_URL": url,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "k" * 60,
        "DJANGO_ALLOWED_HOSTS": "portal.example.org",
    }
    assert json.loads(load_settings(**deployed).stdout)["conn_max_age"] == 600
    assert json.loads(load_settings(DATABASE_URL=url).stdout)["conn_max_age"] == 0
    kept = load_settings(**deployed, DATABASE_CONN_MAX_AGE="60").stdout
    assert json.loads(kept)["conn_max_age"] == 60


def test_a_fresh_clone_migrates_its_sqlite_file_into_a_var_folder_not_there_yet(tmp_path):
    """``make demo`` on a fresh clone: no var/ folder yet (it is not in git), and SQLite
    creates the file but not its folder."""
    var = tmp_path / "fresh" / "var"
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "DJANGO_VAR_DIR": str(var)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (var / "db.sqlite3").stat().st_size > 0
