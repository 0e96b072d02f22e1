"""The load scenario: the portal on gunicorn with PostgreSQL, Redis and a Celery worker,
driven by locust (``load/locustfile.py``), with a fault injected if asked.

    .venv/bin/python load/run.py                      # make load: 10 minutes, 200/20/10
    .venv/bin/python load/run.py --minutes 1 --applicants 20 --officers 4 --api-clients 2
    .venv/bin/python load/run.py --fault postgres     # PostgreSQL restarted at a third

Steps: a fresh database (``LOAD_DATABASE_URL``, default ``portal_load``), migrated, the
reference data and the world (``load/seed.py``); gunicorn with the production settings
(debug off, behind a TLS proxy); a Celery worker; locust headless. The figures are those
of the measured window: ``--minutes`` long, from ``--warm-up`` seconds after the last user
has logged in (the ramp's password hashes, and the backlog they leave, are not the steady
state). Then the checks:

- no server error: every 5xx in gunicorn's access log is counted; a 503 is a clean
  refusal ("retry in a moment") and is allowed only while a fault is injected;
- no lost autosave: the last value each applicant's autosave acknowledged is read back
  from the database;
- the autosave's p95 under 300 ms (``--latency-goal``, on by default; off for CI's short
  form on a shared machine).

The figures (requests per second, median and p95 per endpoint, errors) are printed as a
table and written to ``var/load/report.json``. The exit status is non-zero when a check
fails.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = Path(PYTHON).parent
OUT = ROOT / "var" / "load"
AUTOSAVE_P95_GOAL_MS = 300.0


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10, help="the measured window")
    parser.add_argument(
        "--warm-up", type=float, default=60, help="seconds between the last login and the window"
    )
    parser.add_argument("--applicants", type=int, default=200)
    parser.add_argument("--officers", type=int, default=20)
    parser.add_argument("--api-clients", type=int, default=10)
    parser.add_argument("--submitted", type=int, default=300, help="dossiers in the queue")
    # Each login hashes a password (PBKDF2, about 0.4 s of CPU): a gentle ramp.
    parser.add_argument("--spawn-rate", type=float, default=2)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--fault", choices=["none", "postgres", "redis", "worker"], default="none")
    parser.add_argument(
        "--no-latency-goal", dest="latency_goal", action="store_false", help="CI's short form"
    )
    parser.add_argument("--out", type=Path, default=OUT)
    return parser.parse_args(argv)


def database_url() -> str:
    return os.environ.get("LOAD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_load")


def portal_env(out: Path) -> dict[str, str]:
    """The production settings, on loopback, behind a (pretended) TLS proxy."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url(),
        CELERY_BROKER_URL=os.environ.get("LOAD_BROKER_URL", "redis://127.0.0.1:6379/12"),
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_MEDIA_ROOT=str(out / "media"),
        DJANGO_STATIC_ROOT=str(out / "static"),
        # The load's API clients synchronise continuously: no throttle in the way.
        API_THROTTLE_ANON="100000/minute",
        API_THROTTLE_USER="100000/minute",
        # A document whose message was lost (Redis restarted) is sent again by beat's
        # sweep after this many seconds pending.
        DOCUMENTS_STALLED_AFTER="20",
        PYTHONUNBUFFERED="1",
    )
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    return env


def recreate_database() -> None:
    import psycopg

    url = database_url()
    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def manage(env, *args) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)


def seed(env, args) -> None:
    code = (
        "import django, sys; django.setup(); from pathlib import Path; "
        "sys.path.insert(0, 'load'); import seed; "
        f"seed.seed(applicants={args.applicants}, officers={args.officers}, "
        f"api_clients={args.api_clients}, submitted={args.submitted}, "
        f"out=Path({str(args.out / 'world.json')!r}))"
    )
    subprocess.run(
        [PYTHON, "-c", code],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "portal.settings"},
        check=True,
    )


def vacuum_analyze(env) -> None:
    """Statistics for the freshly seeded tables now, as autovacuum would after a while:
    otherwise its pass lands in the ramp."""
    import psycopg

    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")


def start(command, env, log: Path) -> subprocess.Popen:
    handle = log.open("w")
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )


def stop(process: subprocess.Popen | None, sig=signal.SIGTERM) -> None:
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, sig)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"the portal did not answer on {url}")


def gunicorn(env, args) -> subprocess.Popen:
    return start(
        [
            str(BIN / "gunicorn"),
            "portal.wsgi",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--timeout",
            "30",
            "--access-logfile",
            str(args.out / "access.log"),
            "--access-logformat",
            # status, method, path, milliseconds, and the instant (for the fault's window).
            "%(s)s %(m)s %(U)s %(M)s %(t)s",
        ],
        env,
        args.out / "gunicorn.log",
    )


def worker(env, args, name: str = "worker") -> subprocess.Popen:
    return start(
        [
            str(BIN / "celery"),
            "-A",
            "portal",
            "worker",
            "-Q",
            "documents,celery",
            "--concurrency",
            "1",
            "--loglevel",
            "WARNING",
            "-n",
            f"{name}-{os.getpid()}@%h",
        ],
        env,
        args.out / f"{name}.log",
    )


def beat(env, args) -> subprocess.Popen:
    return start(
        [
            str(BIN / "celery"),
            "-A",
            "portal",
            "beat",
            "--loglevel",
            "WARNING",
            "--schedule",
            str(args.out / "beat-schedule"),
        ],
        env,
        args.out / "beat.log",
    )


def documents_settled(env, seconds: float) -> dict[str, int]:
    """The documents' states once none is pending or running any more (or ``seconds``
    have passed): every request made during the load must end done."""

    deadline = time.monotonic() + seconds
    while True:
        states = documents_states(env)
        if not (states.get("pending") or states.get("running")) or time.monotonic() > deadline:
            return states
        time.sleep(2)


# --- faults ---------------------------------------------------------------------------------


def restart_postgresql() -> None:
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"], check=True
    )


# Redis stays away this long: long enough for documents to be asked meanwhile.
REDIS_OUTAGE_SECONDS = 10


def restart_redis(while_away=None) -> None:
    subprocess.run(
        ["redis-cli", "-h", "127.0.0.1", "-p", "6379", "shutdown", "nosave"], check=False
    )
    away_since = time.monotonic()
    if while_away is not None:
        while_away()
    time.sleep(max(0.0, REDIS_OUTAGE_SECONDS - (time.monotonic() - away_since)))
    subprocess.run(
        [
            "redis-server",
            "--daemonize",
            "yes",
            "--bind",
            "127.0.0.1",
            "--port",
            "6379",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        check=True,
    )


def measured_file(out: Path) -> Path:
    """Where the locustfile writes the instant its measured window began."""
    return out / "measured_from"


def measured_from(out: Path) -> float | None:
    """The instant the measured window began, if it did."""
    path = measured_file(out)
    return float(path.read_text()) if path.exists() else None


class Fault(threading.Thread):
    """Injects the fault at a third of the measured window; records its window."""

    def __init__(self, kind: str, at: float, env, args, processes: dict):
        super().__init__(daemon=True)
        self.kind, self.at, self.env, self.args, self.processes = kind, at, env, args, processes
        self.window: tuple[float, float] | None = None
        self.asked_while_away: list[int] = []
        self.stopped = threading.Event()

    def run(self):
        while measured_from(self.args.out) is None:
            if self.stopped.wait(0.5):
                return  # locust ended before its window began: no fault, no window
        if self.stopped.wait(self.at):
            return
        started = time.time()
        if self.kind == "postgres":
            restart_postgresql()
        elif self.kind == "redis":
            restart_redis(while_away=self.ask_documents)
        elif self.kind == "worker":
            stop(self.processes["worker"], signal.SIGKILL)
            self.processes["worker"] = worker(self.env, self.args, "worker-2")
        # The window a 503 is allowed in: the outage, and a few seconds for the requests
        # it held up.
        self.window = (started, time.time() + 10)

    def ask_documents(self, count: int = 2) -> None:
        """An officer asks for PDFs of dossiers that have none yet, while the broker is
        away (locust's officers may or may not ask in those seconds): each must be made
        once it is back. Their ids go to ``self.asked_while_away``."""
        import re

        import psycopg
        import requests

        world = json.loads((self.args.out / "world.json").read_text())
        with psycopg.connect(self.env["DATABASE_URL"]) as connection:
            references = [
                row[0]
                for row in connection.execute(
                    "SELECT reference FROM applications_application a WHERE status <> 'draft' "
                    "AND NOT EXISTS (SELECT 1 FROM reporting_generateddocument d "
                    "WHERE d.application_id = a.id) ORDER BY reference DESC LIMIT %s",
                    [count],
                ).fetchall()
            ]
        base = f"http://127.0.0.1:{self.args.port}"
        origin = f"https://127.0.0.1:{self.args.port}"
        session = requests.Session()
        session.headers["X-Forwarded-Proto"] = "https"

        def insecure():
            for cookie in session.cookies:
                cookie.secure = False

        def token(html):
            return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)

        page = session.get(base + "/connexion/", timeout=30)
        insecure()
        session.post(
            base + "/connexion/",
            {
                "csrfmiddlewaretoken": token(page.text),
                "username": world["officers"][0]["email"],
                "password": world["password"],
            },
            headers={"Origin": origin, "Referer": origin + "/connexion/"},
            timeout=30,
        )
        insecure()
        csrf = token(session.get(base + world["queue_url"], timeout=30).text)
        insecure()
        for reference in references:
            response = session.post(
                base + "/documents/demander/",
                {"csrfmiddlewaretoken": csrf, "kind": "dossier", "reference": reference},
                headers={"Origin": origin, "Referer": origin + world["queue_url"]},
                timeout=30,
                allow_redirects=False,
            )
            insecure()
            made = re.search(r"/documents/(\d+)/", response.headers.get("Location", ""))
            if made:
                self.asked_while_away.append(int(made.group(1)))


# --- figures --------------------------------------------------------------------------------


def read_stats(out: Path) -> list[dict]:
    """Locust's figures per endpoint; those with no request in the window (the logins,
    once the window begins after them) are left out."""
    with (out / "locust_stats.csv").open() as handle:
        return [row for row in csv.DictReader(handle) if int(row["Request Count"]) > 0]


def read_access_log(out: Path) -> list[tuple[int, str, float]]:
    """(status, path, instant) of every request gunicorn answered."""
    from datetime import datetime

    requests = []
    for line in (out / "access.log").read_text().splitlines():
        code, _method, path, _ms, instant = line.split(" ", 4)
        when = datetime.strptime(instant.strip("[]"), "%d/%b/%Y:%H:%M:%S %z").timestamp()
        requests.append((int(code), path, when))
    return requests


def by_status(requests) -> dict[int, int]:
    statuses: dict[int, int] = {}
    for code, _path, _when in requests:
        statuses[code] = statuses.get(code, 0) + 1
    return statuses


def documents_states(env, ids: list[int] | None = None) -> dict[str, int]:
    """How many documents are in each state: every document, or those of ``ids``."""
    import psycopg

    where, params = ("WHERE id = ANY(%s) ", [ids]) if ids is not None else ("", [])
    with psycopg.connect(env["DATABASE_URL"]) as connection:
        return dict(
            connection.execute(
                f"SELECT status, count(*) FROM reporting_generateddocument {where}GROUP BY status",
                params,
            ).fetchall()
        )


def lost_autosaves(env, out: Path) -> tuple[int, list[str]]:
    import psycopg

    saved = json.loads((out / "saved.json").read_text() or "{}")
    with psycopg.connect(env["DATABASE_URL"]) as connection:
        stored = dict(
            connection.execute(
                "SELECT reference, context FROM applications_application WHERE reference = ANY(%s)",
                [list(saved)],
            ).fetchall()
        )
    lost = [reference for reference, text in saved.items() if stored.get(reference) != text]
    return len(saved), lost


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.out.exists():
        shutil.rmtree(args.out)
    args.out.mkdir(parents=True)
    env = portal_env(args.out)
    seconds = int(args.minutes * 60)
    users = args.applicants + args.officers + args.api_clients

    print(f"== a fresh database: {database_url()}", flush=True)
    recreate_database()
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "load_reference")
    manage(env, "collectstatic", "--noinput", "-v", "0")
    print("== the world", flush=True)
    seed(env, args)
    vacuum_analyze(env)

    processes: dict[str, subprocess.Popen | None] = {
        "gunicorn": None,
        "worker": None,
        "beat": None,
    }
    fault = None
    try:
        processes["gunicorn"] = gunicorn(env, args)
        processes["worker"] = worker(env, args)
        processes["beat"] = beat(env, args)
        wait_for(f"http://127.0.0.1:{args.port}/connexion/")
        print(
            f"== locust: {args.applicants} applicants, {args.officers} officers, "
            f"{args.api_clients} API clients, {seconds} s, fault: {args.fault}",
            flush=True,
        )
        if args.fault != "none":
            fault = Fault(args.fault, seconds / 3, env, args, processes)
            fault.start()
        measured_file(args.out).unlink(missing_ok=True)
        # Beyond this, locust is stopped even if some user never started (the window
        # would not begin): the ramp at its rate, twice, and the window with its warm-up.
        limit = int(2 * users / args.spawn_rate + args.warm_up + seconds + 120)
        locust_env = {
            **env,
            "LOAD_WORLD": str(args.out / "world.json"),
            "LOAD_RESULTS": str(args.out / "saved.json"),
            "LOAD_APPLICANTS": str(args.applicants),
            "LOAD_OFFICERS": str(args.officers),
            "LOAD_API_CLIENTS": str(args.api_clients),
            "LOAD_WARM_UP_SECONDS": str(args.warm_up),
            "LOAD_SECONDS": str(seconds),
            "LOAD_MEASURED": str(measured_file(args.out)),
        }
        started = time.time()
        subprocess.run(
            [
                str(BIN / "locust"),
                "-f",
                str(ROOT / "load" / "locustfile.py"),
                "--headless",
                "--host",
                f"http://127.0.0.1:{args.port}",
                "-u",
                str(users),
                "-r",
                str(args.spawn_rate),
                "-t",
                f"{limit}s",
                "--stop-timeout",
                "10",
                "--csv",
                str(args.out / "locust"),
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env=locust_env,
            check=False,
        )
        if fault is not None:
            fault.stopped.set()
            fault.join(timeout=60)
        print("== waiting for the documents asked during the load", flush=True)
        documents = documents_settled(env, 240)
    finally:
        for process in processes.values():
            stop(process)

    window_from = measured_from(args.out)
    stats = read_stats(args.out)
    answered = read_access_log(args.out)
    statuses = by_status(answered)
    saved, lost = lost_autosaves(env, args.out)
    window = fault.window if fault else None
    # Outside the fault's window, the portal works: a 503 there is a failure to recover.
    unavailable_outside = sum(
        1
        for code, _path, when in answered
        if code == 503 and not (window and window[0] - 1 <= when <= window[1])
    )
    saves_after = sum(
        1
        for code, path, when in answered
        if window and code == 200 and path.endswith("/contexte/") and when > window[1]
    )
    asked_while_away = fault.asked_while_away if fault else []
    in_window = documents_states(env, asked_while_away) if asked_while_away else {}
    total = next(row for row in stats if row["Name"] == "Aggregated")
    autosave = next((row for row in stats if row["Name"] == "autosave"), None)
    server_errors = sum(n for code, n in statuses.items() if code >= 500 and code != 503)
    unavailable = statuses.get(503, 0)

    print()
    print(f"{'endpoint':<22}{'requests':>10}{'failures':>10}{'median':>10}{'p95':>10}{'rps':>8}")
    for row in stats:
        print(
            f"{row['Name']:<22}{row['Request Count']:>10}{row['Failure Count']:>10}"
            f"{row['50%']:>8} ms{row['95%']:>7} ms{float(row['Requests/s']):>8.1f}"
        )
    if window_from is None:
        print("\nthe measured window never began: some user did not start")
    else:
        print(
            f"\nmeasured window: {seconds} s from {window_from - started:.0f} s after the "
            f"start (every user started, then {args.warm_up:.0f} s of warm-up)"
        )
    print(f"HTTP statuses (gunicorn): {dict(sorted(statuses.items()))}")
    print(f"autosaves acknowledged: {saved} dossiers, lost: {len(lost)} {lost[:5]}")
    print(f"documents asked during the load, by state: {documents}")
    if window:
        print(
            f"fault {args.fault}: {statuses.get(503, 0)} answered 503 (outside its window: "
            f"{unavailable_outside}); {saves_after} requests on the dossiers' sections after "
            f"it; documents asked while Redis was away {asked_while_away}, by state: {in_window}"
        )

    goals = {
        "the measured window ran (every user started)": window_from is not None,
        "no server error (5xx other than a 503 under a fault)": server_errors == 0
        and (unavailable == 0 or args.fault != "none"),
        "no lost autosave": not lost and saved > 0,
        "every document asked is made": set(documents) <= {"done"},
    }
    if window:
        goals["the portal recovers by itself (no 503 after the fault, work goes on)"] = (
            unavailable_outside == 0 and saves_after > 0
        )
    if args.latency_goal:
        goals["autosave p95 < 300 ms"] = (
            autosave is not None and float(autosave["95%"]) < AUTOSAVE_P95_GOAL_MS
        )
    for name, met in goals.items():
        print(f"    {'PASS' if met else 'FAIL'}  {name}")
    report = {
        "users": {
            "applicants": args.applicants,
            "officers": args.officers,
            "api_clients": args.api_clients,
        },
        "seconds": seconds,
        "warm_up_seconds": args.warm_up,
        "window_began_after_seconds": None
        if window_from is None
        else round(window_from - started, 1),
        "fault": args.fault,
        "fault_window": window,
        "after_fault": {
            "unavailable_outside_window": unavailable_outside,
            "section_requests_after": saves_after,
            "documents_asked_while_away": asked_while_away,
            "their_states": in_window,
        }
        if window
        else None,
        "requests_per_second": float(total["Requests/s"]),
        "endpoints": {
            row["Name"]: {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "median_ms": float(row["50%"]),
                "p95_ms": float(row["95%"]),
            }
            for row in stats
        },
        "statuses": statuses,
        "autosaves": saved,
        "lost": lost,
        "documents": documents,
        "goals": goals,
    }
    (args.out / "report.json").write_text(json.dumps(report, indent=1))
    print(json.dumps({"load": report["requests_per_second"], "goals": goals}))
    return 0 if all(goals.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
