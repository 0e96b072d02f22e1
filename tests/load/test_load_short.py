"""CI's short form of the load scenario (``make load`` is the 10-minute one): the portal
on gunicorn with PostgreSQL, Redis, a worker and beat, one minute of applicants
autosaving, officers on their queue asking for PDFs, API clients synchronising; the worker
killed at a third. No server error, no lost autosave, every document asked is made."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from tests.conftest import require

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.integration


def _services_up() -> bool:
    import socket

    for port in (5432, 6379):
        with socket.socket() as probe:
            probe.settimeout(1)
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return False
    return bool(shutil.which("redis-cli"))


def test_a_minute_of_load_with_a_worker_killed_loses_nothing(tmp_path):
    require(_services_up(), "the load scenario needs PostgreSQL and Redis on 127.0.0.1")
    sys.path.insert(0, str(ROOT / "load"))
    import run

    status = run.main(
        [
            "--minutes", "1", "--applicants", "16", "--officers", "4", "--api-clients", "2",
            "--submitted", "60", "--spawn-rate", "4", "--workers", "3", "--fault", "worker",
            "--no-latency-goal", "--out", str(tmp_path / "load"),
        ]
    )  # fmt: skip
    report = json.loads((tmp_path / "load" / "report.json").read_text())
    assert report["goals"] == {
        "no server error (5xx other than a 503 under a fault)": True,
        "no lost autosave": True,
        "every document asked is made": True,
    }
    assert status == 0
    assert report["autosaves"] == 16  # every applicant's autosave acknowledged and read back
    assert report["endpoints"]["autosave"]["requests"] > 16
    assert report["endpoints"]["api applications"]["failures"] == 0
    assert not any(code >= 500 for code in map(int, report["statuses"]))
