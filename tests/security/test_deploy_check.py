"""A production environment passes Django's deployment checklist (``check --deploy``) with
no warning at all, and the same checklist catches a weak or missing secret, debug left on,
and the HTTPS protections turned off.

Each check runs ``manage.py`` in a fresh interpreter with exactly the environment given, as
a deployment would start it (the settings are read once, at import)."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def production_environment(**overrides: str) -> dict[str, str]:
    """What docker-compose.yml gives the web service: no debug, a strong random secret,
    the public host name, PostgreSQL and Redis (never reached by the checks)."""
    environment = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "portail.fonds-europeens.example.eu",
        "DJANGO_CSRF_TRUSTED_ORIGINS": "https://portail.fonds-europeens.example.eu",
        "DATABASE_URL": "postgres://portal:secret@127.0.0.1:5432/portal",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    }
    environment.update(overrides)
    return {name: value for name, value in environment.items() if value is not None}


def check_deploy(environment: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_production_settings_pass_the_deployment_checklist_without_a_warning():
    result = check_deploy(production_environment())

    assert result.returncode == 0, result.stdout + result.stderr
    output = result.stdout + result.stderr
    assert "WARNINGS" not in output
    assert "System check identified no issues" in output


def test_the_production_settings_are_the_https_ones_behind_the_proxy():
    probe = (
        "import django, json; from django.conf import settings; django.setup(); "
        "print(json.dumps([settings.SECURE_PROXY_SSL_HEADER, settings.SECURE_SSL_REDIRECT, "
        "settings.SECURE_HSTS_SECONDS, settings.SESSION_COOKIE_SECURE, "
        "settings.CSRF_COOKIE_SECURE, settings.DEBUG]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=production_environment(),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    proxy_header, ssl_redirect, hsts, session_secure, csrf_secure, debug = json.loads(result.stdout)
    assert proxy_header == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert ssl_redirect is True
    assert hsts >= 31536000
    assert session_secure is True
    assert csrf_secure is True
    assert debug is False


@pytest.mark.parametrize(
    "weak_key",
    [
        "changeme",  # too short, too few characters
        "django-insecure-" + secrets.token_urlsafe(50),  # Django's generated development key
        "a" * 60,  # long but a single character
    ],
)
def test_a_weak_secret_key_is_reported(weak_key):
    result = check_deploy(production_environment(DJANGO_SECRET_KEY=weak_key))

    assert result.returncode != 0
    assert "security.W009" in result.stderr


def test_a_missing_secret_key_stops_the_portal_when_debug_is_off():
    result = check_deploy(production_environment(DJANGO_SECRET_KEY=None))

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off" in result.stderr


def test_debug_left_on_is_reported():
    result = check_deploy(production_environment(DJANGO_DEBUG="true"))

    assert result.returncode != 0
    assert "security.W018" in result.stderr  # DEBUG on
    # With debug on the HTTPS settings are the developer's: each is reported as well.
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stderr


@pytest.mark.parametrize(
    ("overrides", "warning"),
    [
        ({"DJANGO_SECURE_HSTS_SECONDS": "0"}, "security.W004"),
        ({"DJANGO_SECURE_SSL_REDIRECT": "false"}, "security.W008"),
    ],
)
def test_turning_off_an_https_protection_is_reported(overrides, warning):
    result = check_deploy(production_environment(**overrides))

    assert result.returncode != 0
    assert warning in result.stderr
