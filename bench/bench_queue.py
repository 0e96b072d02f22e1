"""Benchmark of the officers' queue on PostgreSQL.

The eligibility bench's data set (10 000 dossiers, 2 to 8 partners each, budget lines and
co-financing; ``bench_eligibility.py`` seeds it when it is missing) gets the queue's own
layer: every dossier in a state past submission (one UPDATE), a snapshot per dossier with
the eligibility results frozen by the engine, an officer and eight assessors of the bench
authority, two assessors on each dossier under assessment or decided. Then the queue page
(Django's test client, logged-in officer, 50 dossiers a page) is timed without filter,
filtered by status, searched, and sorted by budget: median and p95 over 30 requests each,
and the queries per page. Goals: p95 under 100 ms for each, the same number of queries for
each. The exit status is non-zero when a goal is missed; the figures end as one JSON line.

    .venv/bin/python bench/bench_queue.py [--reseed] [--runs N]

The database is ``BENCH_DATABASE_URL`` (default
postgres://postgres@127.0.0.1:5432/portal_bench), as for the eligibility bench.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_eligibility as eligibility  # noqa: E402  (sets DATABASE_URL and the settings)

# Version of the queue layer's recipe: a change to ``seed_queue`` bumps it.
RECIPE = 2
STAMP_KEY = "queue"
EMAIL_DOMAIN = "bench-queue.example.org"
OFFICER = f"officer@{EMAIL_DOMAIN}"
ASSESSORS = 8
PER_PAGE = 50
GOAL_P95_MS = 100.0
WARM_UP = 3

# The states the dossiers are spread over (one UPDATE on ``id % 40``): parts of 40.
SPREAD = [
    ("submitted", 10),
    ("clarification_requested", 2),
    ("eligibility_review", 4),
    ("ineligible", 2),
    ("admissible", 6),
    ("under_assessment", 8),
    ("selected", 2),
    ("reserve", 1),
    ("rejected", 3),
    ("contracted", 1),
    ("in_progress", 1),
]
ASSESSED = {"under_assessment", "selected", "reserve", "rejected", "contracted", "in_progress"}

SCENARIOS = [
    ("no filter", {}),
    ("status = under assessment", {"status": "under_assessment"}),
    ("search q = organisation name", {"q": "Organisation BE 0004"}),
    ("search q = acronym", {"q": "P123"}),
    ("sort by budget, largest first", {"ordering": "-budget"}),
    ("verdict = fail, sort by lead", {"verdict": "fail", "ordering": "lead"}),
    ("page 100 of the default sort", {"page": 100}),
]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reseed", action="store_true", help="rebuild the queue's layer")
    parser.add_argument("--runs", type=int, default=30, help="requests per scenario")
    parser.add_argument(
        "--jit-off",
        action="store_true",
        help="measure with PostgreSQL's JIT off for the session (SET jit = off)",
    )
    return parser.parse_args(argv)


def eligibility_args():
    """The eligibility bench's default data set (10 000 dossiers, its seed)."""
    return eligibility.parse_args([])


# --- the data set ---------------------------------------------------------------------------


def queue_counts(programme) -> dict:
    from django.db.models import Count

    from applications.models import Application, Assessment, Snapshot

    apps = Application.objects.filter(call__programme=programme)
    return {
        "snapshots": Snapshot.objects.filter(application__in=apps.values("pk")).count(),
        "assessments": Assessment.objects.filter(application__in=apps.values("pk")).count(),
        "statuses": dict(
            apps.order_by().values("status").annotate(n=Count("pk")).values_list("status", "n")
        ),
    }


def queue_layer_ok(programme) -> bool:
    stamp = json.loads(programme.description or "{}").get(STAMP_KEY) or {}
    return stamp.get("recipe") == RECIPE and stamp.get("counts") == queue_counts(programme)


def seed_queue(programme) -> None:
    """The queue's layer over the eligibility data set, in one transaction; its stamp is
    written into the programme's description beside the eligibility bench's (which reads
    only its own keys; its reseed deletes the dossiers, and so this layer)."""
    from django.db import connection, transaction

    from applications.models import Application, Assessment, Snapshot, StatusChange
    from calls.choices import AuthorityRole
    from calls.eligibility import check_applications, freeze
    from calls.models import AuthorityMember
    from portal.models import User

    started = time.perf_counter()
    authority = programme.managing_authority
    apps = Application.objects.filter(call__programme=programme)
    with transaction.atomic():
        Assessment.objects.filter(application__in=apps.values("pk")).delete()
        Snapshot.objects.filter(application__in=apps.values("pk")).delete()
        StatusChange.objects.filter(application__in=apps.values("pk")).delete()

        def person(email, first, last):
            user, created = User.objects.get_or_create(
                email=email, defaults={"first_name": first, "last_name": last}
            )
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
            return user

        officer = person(OFFICER, "Olivia", "Banc")
        AuthorityMember.objects.get_or_create(
            user=officer, authority=authority, role=AuthorityRole.OFFICER
        )
        assessors = []
        for i in range(ASSESSORS):
            assessor = person(f"assessor{i + 1}@{EMAIL_DOMAIN}", "Expert", f"Numéro {i + 1}")
            AuthorityMember.objects.get_or_create(
                user=assessor, authority=authority, role=AuthorityRole.ASSESSOR
            )
            assessors.append(assessor)

        # Every dossier past submission, spread over the states by id; the drafts get a
        # submission instant inside their call's window and before the eligibility bench's
        # instant, so that its verdicts (the submission window) do not change.
        cases, position = [], 0
        for status, parts in SPREAD:
            cases.append(f"WHEN a.id %% 40 < {position + parts} THEN '{status}'")
            position += parts
        assert position == 40
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                UPDATE applications_application AS a
                SET status = CASE {" ".join(cases)} END,
                    submitted_at = COALESCE(
                        a.submitted_at,
                        c.opens_at + (%s::timestamptz - c.opens_at) * ((a.id %% 997) / 997.0)
                    )
                FROM calls_call AS c
                WHERE c.id = a.call_id AND c.programme_id = %s
                """,  # the CASE is built from the constants above
                [eligibility.AT, programme.pk],
            )

        # A snapshot per dossier with the results the engine gives (as frozen at a
        # submission; the bench's dossiers include failing ones, so that every verdict is
        # there to filter on). The page never reads ``data``: a small payload stands for it.
        outcomes = check_applications(apps.order_by("pk"), at=eligibility.AT)
        snapshots = [
            Snapshot(
                application_id=outcome.application_id,
                number=1,
                data={"reference": outcome.reference},
                sha256=f"{outcome.application_id:064x}",
                eligibility_results=freeze(outcome),
                verdict=outcome.verdict,
                total_budget=0,
                eu_requested=0,
                created_by=officer,
                created_at=eligibility.AT,
            )
            for outcome in outcomes
        ]
        Snapshot.objects.bulk_create(snapshots, batch_size=1000)
        del outcomes, snapshots
        # The frozen totals, as ``applications.snapshot.frozen_totals`` reads them from a
        # whole snapshot's data, summed here from the lines the stand-in data leaves out;
        # each dossier's version under review is its snapshot.
        with connection.cursor() as cursor:
            cursor.execute(
                """
                UPDATE applications_snapshot AS s
                SET total_budget = CASE WHEN c.cost_model = 'lump_sum'
                        THEN COALESCE(a.lump_sum, 0)
                        ELSE COALESCE((SELECT SUM(b.amount) FROM applications_budgetline b
                                       JOIN partners_partner p ON p.id = b.partner_id
                                       WHERE p.application_id = a.id), 0) END,
                    eu_requested = CASE WHEN c.cost_model = 'lump_sum'
                        THEN COALESCE(a.lump_sum, 0)
                        ELSE COALESCE((SELECT SUM(f.amount) FROM applications_cofinancing f
                                       JOIN partners_partner p ON p.id = f.partner_id
                                       WHERE p.application_id = a.id AND f.source = 'eu'), 0)
                        END
                FROM applications_application AS a, calls_call AS c
                WHERE a.id = s.application_id AND c.id = a.call_id AND c.programme_id = %s
                """,
                [programme.pk],
            )
            cursor.execute(
                """
                UPDATE applications_application AS a SET current_snapshot_id = s.id
                FROM applications_snapshot AS s, calls_call AS c
                WHERE s.application_id = a.id AND c.id = a.call_id AND c.programme_id = %s
                """,
                [programme.pk],
            )

        assessed = list(
            apps.filter(status__in=ASSESSED).order_by("pk").values_list("pk", flat=True)
        )
        Assessment.objects.bulk_create(
            (
                Assessment(
                    application_id=pk,
                    assessor=assessors[(pk + k) % ASSESSORS],
                    assigned_by=officer,
                )
                for pk in assessed
                for k in (0, 3)
            ),
            batch_size=5000,
        )
        stamp = json.loads(programme.description or "{}")
        stamp[STAMP_KEY] = {"recipe": RECIPE, "counts": queue_counts(programme)}
        programme.description = json.dumps(stamp)
        programme.save(update_fields=["description"])
    with connection.cursor() as cursor:
        # As autovacuum would soon after such a load: statistics and the visibility map
        # (index-only scans).
        cursor.execute("VACUUM ANALYZE")
    print(f"Queue layer seeded in {time.perf_counter() - started:.1f} s.", flush=True)


def data_set(args):
    """The eligibility bench's data set (seeded by it when missing) with the queue's layer
    (seeded here when missing, stale or asked for)."""
    e_args = eligibility_args()
    programme = eligibility.existing_data_set(e_args)
    if programme is None:
        print("Seeding the eligibility bench's data set first…", flush=True)
        command = [sys.executable, str(ROOT / "bench" / "bench_eligibility.py"), "--seed-only"]
        subprocess.run(command, check=True)
        programme = eligibility.existing_data_set(e_args)
        if programme is None:
            sys.exit("The eligibility bench's data set is not the expected one.")
    if args.reseed or not queue_layer_ok(programme):
        print("Seeding the queue's layer…", flush=True)
        seed_queue(programme)
        programme.refresh_from_db()
        if not queue_layer_ok(programme):
            sys.exit("The queue's layer is not the expected one.")
    else:
        print("Reusing the seeded data set and the queue's layer.")
    return programme


# --- measures -------------------------------------------------------------------------------


def matching(officer, query: dict) -> int:
    """The number of dossiers the scenario's filters select (read apart from the timing)."""
    from django.http import QueryDict

    from review.forms import QueueFilterSet

    data = QueryDict(mutable=True)
    data.update({key: str(value) for key, value in query.items()})
    return QueueFilterSet(data, user=officer).qs.count()


def measure(args, programme) -> dict:
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from portal.models import User

    officer = User.objects.get(email=OFFICER)
    with connection.cursor() as cursor:
        if args.jit_off:
            cursor.execute("SET jit = off")
        cursor.execute("SHOW jit")
        jit = cursor.fetchone()[0]
    client = Client()
    client.force_login(officer)
    url = reverse("review:queue")
    counts = queue_counts(programme)
    dossiers = sum(counts["statuses"].values())
    print(f"\nData set: {dossiers} dossiers in the officer's queue, {counts['statuses']}")

    load_before = os.getloadavg()[0]
    results = []
    for label, params in SCENARIOS:
        query = {"per_page": PER_PAGE, **params}
        for _run in range(WARM_UP):
            assert client.get(url, query).status_code == 200
        times, sql_times, queries = [], [], set()
        gc.collect()
        for _run in range(args.runs):
            reset_queries()
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(url, query)
                elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, response.status_code
            times.append(elapsed)
            sql_times.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
            queries.add(len(captured))
        results.append(
            {
                "scenario": label,
                "params": query,
                "matching": matching(officer, query),
                "rows": response.content.decode().count('name="ids"'),
                "median_ms": round(statistics.median(times), 1),
                "p95_ms": round(eligibility.percentile(times, 0.95), 1),
                "max_ms": round(max(times), 1),
                "sql_median_ms": round(statistics.median(sql_times), 1),
                "queries": sorted(queries),
            }
        )
        print(f"  {label:<34} done", flush=True)

    return {
        "bench": "queue",
        "date": dt.date.today().isoformat(),
        "machine": f"{platform.machine()} {os.cpu_count()} CPU, Python {platform.python_version()}",
        "postgresql": connection.pg_version,
        "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "dossiers": dossiers,
        "per_page": PER_PAGE,
        "runs": args.runs,
        "jit": jit,
        "scenarios": results,
    }


def report(figures: dict) -> bool:
    scenarios = figures["scenarios"]
    all_queries = {q for row in scenarios for q in row["queries"]}
    goals = {
        f"p95 < {GOAL_P95_MS:g} ms for every scenario": all(
            row["p95_ms"] < GOAL_P95_MS for row in scenarios
        ),
        "the same number of queries for every scenario": len(all_queries) == 1,
    }
    line = "-" * 100
    print(line)
    print(f"Officers' queue benchmark — {figures['date']} — {figures['machine']}")
    print(
        f"PostgreSQL {figures['postgresql']} (jit {figures['jit']}),"
        f" database {eligibility.BENCH_URL}"
    )
    before, after = figures["load_average_1min"]
    print(f"Load average (1 min) before/after the measures: {before} / {after}")
    print(
        f"{figures['dossiers']} dossiers; page of {figures['per_page']}; "
        f"{figures['runs']} requests per scenario after {WARM_UP} warm-ups"
    )
    print(line)
    print(
        f"{'scenario':<34} {'matching':>8} {'median':>9} {'p95':>9} {'max':>9}"
        f" {'SQL med.':>9} {'queries':>8}"
    )
    for row in scenarios:
        print(
            f"{row['scenario']:<34} {row['matching']:>8} {row['median_ms']:>6.1f} ms"
            f" {row['p95_ms']:>6.1f} ms {row['max_ms']:>6.1f} ms {row['sql_median_ms']:>6.1f} ms"
            f" {', '.join(map(str, row['queries'])):>8}"
        )
    print("Goals")
    for goal, met in goals.items():
        print(f"    {'PASS' if met else 'FAIL'}  {goal}")
    print(line)
    figures["goals_met"] = all(goals.values())
    print(json.dumps(figures))
    return figures["goals_met"]


def main(argv=None) -> int:
    args = parse_args(argv)
    eligibility.ensure_database()
    eligibility.setup_django()
    programme = data_set(args)
    return 0 if report(measure(args, programme)) else 1


if __name__ == "__main__":
    sys.exit(main())
