"""CI's short form of the load scenario (``make load`` is the 10-minute one): the portal
on gunicorn with PostgreSQL, Redis, a worker and beat, one minute of applicants
autosaving, officers on their queue asking for PDFs, API clients synchronising, with a
fault at a third of the minute:

- the worker killed: a new one takes over; every document asked is made;
- PostgreSQL restarted: the requests it interrupts answer 503 "retry in a moment" (never a
  500), the portal reconnects by itself, nothing half-written;
- Redis stopped for ten seconds, then started again: the documents asked meanwhile stay
  pending and are made once it is back; none lost.

Each asserts no server error and no lost autosave. The two that restart a service run
after every other test (``disrupts_services``), and the test process drops its own
connections after them."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from django.db import connections

from tests.conftest import require

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.integration

GOALS = {
    "the measured window ran (every user started)": True,
    "no server error (5xx other than a 503 under a fault)": True,
    "no lost autosave": True,
    "every document asked is made": True,
}


def _services_up() -> bool:
    import socket

    for port in (5432, 6379):
        with socket.socket() as probe:
            probe.settimeout(1)
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return False
    return bool(shutil.which("redis-cli"))


def _a_minute_of_load(tmp_path, fault: str) -> tuple[int, dict]:
    require(_services_up(), "the load scenario needs PostgreSQL and Redis on 127.0.0.1")
    if fault == "postgres":
        require(bool(shutil.which("pg_ctlcluster")), "restarting PostgreSQL needs pg_ctlcluster")
    sys.path.insert(0, str(ROOT / "load"))
    import run

    status = run.main(
        [
            "--minutes", "1", "--applicants", "16", "--officers", "4", "--api-clients", "2",
            "--submitted", "60", "--spawn-rate", "4", "--workers", "3", "--warm-up", "5",
            "--fault", fault,
            "--no-latency-goal", "--out", str(tmp_path / "load"),
        ]
    )  # fmt: skip
    report = json.loads((tmp_path / "load" / "report.json").read_text())
    return status, report


def _nothing_lost(status: int, report: dict) -> None:
    recovered = "the portal recovers by itself (no 503 after the fault, work goes on)"
    assert report["goals"] == {**GOALS, recovered: True}, report["after_fault"]
    assert status == 0
    # The minute measured began once all 22 users had started, after 5 s of warm-up.
    assert report["seconds"] == 60 and report["warm_up_seconds"] == 5
    assert report["window_began_after_seconds"] >= 5
    assert report["autosaves"] == 16  # every applicant's autosave acknowledged and read back
    assert report["endpoints"]["autosave"]["requests"] > 16
    assert not any(code >= 500 and code != 503 for code in map(int, report["statuses"]))


def test_a_minute_of_load_with_a_worker_killed_loses_nothing(tmp_path):
    status, report = _a_minute_of_load(tmp_path, "worker")
    _nothing_lost(status, report)
    assert report["endpoints"]["api applications"]["failures"] == 0
    assert "503" not in report["statuses"]


@pytest.fixture
def _reconnect_after():
    yield
    # The restart broke this process's own connections: the next user opens new ones.
    connections.close_all()


@pytest.mark.disrupts_services
def test_a_minute_of_load_with_postgresql_restarted_fails_cleanly_and_recovers(
    tmp_path, _reconnect_after
):
    status, report = _a_minute_of_load(tmp_path, "postgres")
    _nothing_lost(status, report)
    # Whatever the restart interrupted answered 503, inside the fault's window only.
    assert report["after_fault"]["unavailable_outside_window"] == 0
    assert report["after_fault"]["section_requests_after"] > 0


@pytest.mark.disrupts_services
def test_a_minute_of_load_with_redis_away_loses_no_document(tmp_path, _reconnect_after):
    status, report = _a_minute_of_load(tmp_path, "redis")
    _nothing_lost(status, report)
    assert "503" not in report["statuses"]  # Redis away does not stop the pages
    # Two documents asked while Redis was away were both made once it was back.
    after = report["after_fault"]
    assert len(after["documents_asked_while_away"]) == 2, after
    assert after["their_states"] == {"done": 2}, after


def test_make_load_runs_the_ten_minute_scenario_with_its_arguments():
    """``make load`` is the 10-minute form (load/run.py's defaults: 200/20/10), and passes
    LOAD_ARGS on (a fault, fewer users)."""
    import subprocess

    # Under ``make test`` the environment carries the outer make's MAKELEVEL and MAKEFLAGS,
    # and a nested make then prints "Entering/Leaving directory": run it as from a shell.
    env = {k: v for k, v in os.environ.items() if k not in {"MAKELEVEL", "MAKEFLAGS", "MFLAGS"}}

    def dry_run(*args):
        return subprocess.run(
            ["make", "--no-print-directory", "-n", "load", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()

    plain = dry_run()
    assert plain[-1].strip() == ".venv/bin/python load/run.py"
    faulty = dry_run("LOAD_ARGS=--fault postgres --minutes 1")
    assert faulty[-1].strip() == ".venv/bin/python load/run.py --fault postgres --minutes 1"
    sys.path.insert(0, str(ROOT / "load"))
    import run

    defaults = run.parse_args([])
    assert (defaults.minutes, defaults.applicants, defaults.officers, defaults.api_clients) == (
        10,
        200,
        20,
        10,
    )
    assert defaults.warm_up == 60  # the window begins a minute after the last login
    assert defaults.latency_goal is True
