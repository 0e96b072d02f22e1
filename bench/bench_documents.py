"""Benchmark of the PDF documents on PostgreSQL and Redis.

1. The dossier as submitted of the demo's PASS'EMPLOI (3 partners, 5 modules, 39 budget
   lines: the size of the source document) rendered in this process, 12 times after 2
   warm-ups: median and p95 seconds, pages, and the share of the portal's own work (reading
   the data and templating, ``reporting.documents.render_html``) beside WeasyPrint's
   rendering of the same HTML (``reporting.pdf.html_to_pdf``); the peak memory of the
   process (ru_maxrss).
2. 100 renders of that dossier sent at once to real Celery workers (prefork), with 1 then
   2 worker processes: documents per minute, from the first send to the last file recorded.

Goals: the dossier under 1.5 s (median); the portal's work under 10 % of the total; two
worker processes at least 1.8 times one. The exit status is non-zero when a goal is missed;
the figures end as one JSON line.

    .venv/bin/python bench/bench_documents.py [--renders N] [--documents N]

The database is ``BENCH_DATABASE_URL`` (as the other benches; the demo is loaded into it
once), the broker ``BENCH_BROKER_URL`` (default redis://127.0.0.1:6379/12).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

BROKER = os.environ.get("BENCH_BROKER_URL") or "redis://127.0.0.1:6379/12"
os.environ["CELERY_BROKER_URL"] = BROKER
MEDIA = Path(tempfile.mkdtemp(prefix="bench-documents-"))
os.environ["DJANGO_MEDIA_ROOT"] = str(MEDIA)

import bench_eligibility as eligibility  # noqa: E402  (sets DATABASE_URL and the settings)

GOAL_SECONDS = 1.5
GOAL_PORTAL_SHARE = 10.0  # percent
GOAL_SPEEDUP = 1.8


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--renders", type=int, default=12, help="in-process renders")
    parser.add_argument("--documents", type=int, default=100, help="renders through workers")
    return parser.parse_args(argv)


def pass_emploi():
    """The demo's PASS'EMPLOI (loaded when missing) and a user who may see it."""
    from io import StringIO

    from django.core.management import call_command

    from applications.models import Application
    from portal.models import User

    application = Application.objects.filter(acronym="PASS'EMPLOI").first()
    if application is None or application.current_snapshot_id is None:
        print("Loading the demo (PASS'EMPLOI)…", flush=True)
        call_command("load_demo", stdout=StringIO())
        application = Application.objects.get(acronym="PASS'EMPLOI")
    return application, User.objects.get(email="lillomomes@demo.example")


def new_document(application, user):
    from reporting.choices import DocumentKind
    from reporting.models import GeneratedDocument

    return GeneratedDocument.objects.create(
        kind=DocumentKind.DOSSIER,
        application=application,
        snapshot_id=application.current_snapshot_id,
        requested_by=user,
        language="fr",
        parameters={"bench": True},
    )


def in_process(args, application, user) -> dict:
    from reporting.documents import render_html
    from reporting.pdf import html_to_pdf

    document = new_document(application, user)
    totals, portal, weasy, pages = [], [], [], set()
    for run in range(args.renders + 2):
        started = time.perf_counter()
        html = render_html(document)
        templated = time.perf_counter()
        rendered = html_to_pdf(html)
        finished = time.perf_counter()
        if run < 2:
            continue
        totals.append(finished - started)
        portal.append(templated - started)
        weasy.append(finished - templated)
        pages.add(rendered.pages)
    document.delete()
    median = statistics.median(totals)
    return {
        "renders": args.renders,
        "median_s": round(median, 3),
        "p95_s": round(eligibility.percentile(totals, 0.95), 3),
        "portal_median_s": round(statistics.median(portal), 3),
        "weasyprint_median_s": round(statistics.median(weasy), 3),
        "portal_share_pct": round(100 * statistics.median(portal) / median, 1),
        "pages": sorted(pages),
        "bytes": len(rendered.content),
        "peak_rss_mib": round(eligibility.maxrss_mib(), 1),
    }


def through_workers(args, application, user, processes: int) -> dict:
    from reporting.choices import DocumentStatus
    from reporting.models import GeneratedDocument
    from reporting.tasks import render_document

    queue = f"bench-documents-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "CELERY_BROKER_URL": BROKER,
        "DJANGO_MEDIA_ROOT": str(MEDIA),
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    worker = subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=prefork",
            f"--concurrency={processes}", "--queues", queue,
            "--hostname", f"{queue}@%h", "--without-gossip", "--without-mingle",
            "--without-heartbeat", "--loglevel=WARNING",
        ],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        # Warm the processes up (imports, fonts) before the clock starts.
        warm = [new_document(application, user) for _ in range(processes * 2)]
        for document in warm:
            render_document.apply_async(args=[document.pk], queue=queue)
        wait_done([d.pk for d in warm], timeout=180)
        documents = [new_document(application, user) for _ in range(args.documents)]
        started = time.perf_counter()
        for document in documents:
            render_document.apply_async(args=[document.pk], queue=queue)
        wait_done([d.pk for d in documents], timeout=900)
        elapsed = time.perf_counter() - started
        done = GeneratedDocument.objects.filter(
            pk__in=[d.pk for d in documents], status=DocumentStatus.DONE
        ).count()
    finally:
        worker.terminate()
        worker.wait(timeout=60)
        GeneratedDocument.objects.filter(parameters__bench=True).delete()
    return {
        "processes": processes,
        "documents": args.documents,
        "done": done,
        "seconds": round(elapsed, 1),
        "per_minute": round(60 * done / elapsed, 1),
    }


def wait_done(ids: list[int], *, timeout: float) -> None:
    from reporting.choices import DocumentStatus
    from reporting.models import GeneratedDocument

    deadline = time.monotonic() + timeout
    while (
        GeneratedDocument.objects.filter(pk__in=ids)
        .exclude(status__in=(DocumentStatus.DONE, DocumentStatus.FAILED))
        .exists()
    ):
        if time.monotonic() > deadline:
            raise SystemExit(f"documents not done after {timeout} s")
        time.sleep(0.2)


def report(figures: dict) -> bool:
    single, one, two = figures["in_process"], figures["one_worker"], figures["two_workers"]
    speedup = two["per_minute"] / one["per_minute"] if one["per_minute"] else 0.0
    figures["speedup"] = round(speedup, 2)
    goals = [
        (f"dossier under {GOAL_SECONDS} s (median)", single["median_s"] < GOAL_SECONDS),
        (
            f"portal's work under {GOAL_PORTAL_SHARE:.0f} % of the total",
            single["portal_share_pct"] < GOAL_PORTAL_SHARE,
        ),
        (f"two workers at least {GOAL_SPEEDUP}x one", speedup >= GOAL_SPEEDUP),
        ("every document done", one["done"] == two["done"] == one["documents"]),
    ]
    line = "-" * 100
    print(line)
    print(f"Documents benchmark — {figures['date']} — {figures['machine']}")
    print(f"Load average (1 min) before/after: {figures['load_average_1min']}")
    print(line)
    print(
        f"PASS'EMPLOI dossier, {single['renders']} renders: median {single['median_s']} s, "
        f"p95 {single['p95_s']} s, {single['pages']} pages, {single['bytes']} bytes"
    )
    print(
        f"  portal (data + template) {single['portal_median_s']} s, WeasyPrint "
        f"{single['weasyprint_median_s']} s: portal share {single['portal_share_pct']} %"
    )
    print(f"  peak memory of the process: {single['peak_rss_mib']} MiB")
    for run in (one, two):
        print(
            f"{run['documents']} renders through {run['processes']} worker process(es): "
            f"{run['seconds']} s, {run['per_minute']} documents/minute ({run['done']} done)"
        )
    print(f"  two processes / one: {figures['speedup']}x")
    print("Goals")
    for label, met in goals:
        print(f"    {'PASS' if met else 'FAIL'}  {label}")
    print(line)
    figures["goals_met"] = all(met for _label, met in goals)
    print(json.dumps(figures))
    return figures["goals_met"]


def main(argv=None) -> int:
    args = parse_args(argv)
    eligibility.ensure_database()
    eligibility.setup_django()
    from portal.celery import app

    app.conf.task_always_eager = False
    app.conf.broker_url = BROKER
    application, user = pass_emploi()
    load_before = os.getloadavg()[0]
    figures = {
        "bench": "documents",
        "date": dt.date.today().isoformat(),
        "machine": f"{platform.machine()} {os.cpu_count()} CPU, Python {platform.python_version()}",
        "in_process": in_process(args, application, user),
    }
    print("  in-process renders done", flush=True)
    figures["one_worker"] = through_workers(args, application, user, 1)
    print("  1 worker process done", flush=True)
    figures["two_workers"] = through_workers(args, application, user, 2)
    print("  2 worker processes done", flush=True)
    figures["load_average_1min"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    return 0 if report(figures) else 1


if __name__ == "__main__":
    sys.exit(main())
