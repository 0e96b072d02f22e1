"""Benchmark of the API's list of dossiers on PostgreSQL, beside a bare Django view.

The queue bench's data set (10 000 dossiers of one authority, past submission, each with
2 to 8 partners and a version under review; ``bench_queue.py``'s seeding, run when it is
missing) and its officer, authenticated by a token as an API client is. Timed in the same
process, through Django's test client (the middleware, URL resolving and all), runs
interleaved:

- ``GET /api/v1/applications/?page_size=100``: DRF, the FilterSet, the serializers;
- a bare Django view returning the same fields for the same dossiers (the same
  permission function, order and count): ``.values()``, one query for the partners,
  ``JsonResponse``.

Median, p95 and queries of both, and their ratio; the API's queries for page 1, page 50, a
filter that keeps about 100 dossiers and the cursor's first page. Goals: the API's median
at most 1.5 times the bare view's, its p95 under 50 ms, the same number of queries on
page 1, page 50 and the small filter. The exit status is non-zero when a goal is missed;
the figures end as one JSON line.

    .venv/bin/python bench/bench_api.py [--reseed] [--runs N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import statistics
import sys
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_eligibility as eligibility  # noqa: E402  (sets DATABASE_URL and the settings)
import bench_queue as queue  # noqa: E402

PAGE_SIZE = 100
WARM_UP = 5
GOAL_RATIO = 1.5
GOAL_P95_MS = 50.0
API_URL = "/api/v1/applications/"
BARE_URL = "/bench/bare-applications/"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reseed", action="store_true", help="rebuild the queue's layer")
    parser.add_argument("--runs", type=int, default=40, help="requests per measure")
    parser.add_argument("--jit-off", action="store_true", help="SET jit = off for the session")
    return parser.parse_args(argv)


# --- the bare view ------------------------------------------------------------------------


def bare_applications(request):
    """The API's list, by hand: the same token (one query), dossiers
    (``applications_readable_by``), order, page and fields, without DRF."""
    from django.core.paginator import Paginator
    from django.http import HttpResponse, JsonResponse
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from applications.api.views import applications_readable_by
    from applications.choices import ApplicationStatus
    from partners.choices import PartnerRole
    from partners.models import Partner

    key = request.headers.get("Authorization", "").removeprefix("Token ")
    token = Token.objects.select_related("user").filter(key=key).first()
    if token is None:
        return HttpResponse(status=401)

    def instant(value):
        return None if value is None else timezone.localtime(value).isoformat()

    queryset = applications_readable_by(token.user).order_by("-created_at", "reference")
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(
        page.object_list.values(
            "id",
            "reference",
            "call__reference",
            "measure__code",
            "acronym",
            "title",
            "status",
            "created_at",
            "submitted_at",
            "updated_at",
            "start_date",
            "end_date",
            "current_snapshot_id",
            "current_snapshot__number",
            "current_snapshot__sha256",
            "current_snapshot__verdict",
            "current_snapshot__total_budget",
            "current_snapshot__eu_requested",
        )
    )
    partners: dict[int, list[dict]] = {row["id"]: [] for row in rows}
    for partner in (
        Partner.objects.filter(application_id__in=partners)
        .order_by("number")
        .values(
            "application_id", "number", "role", "organisation__legal_name", "organisation__country"
        )
    ):
        partners[partner["application_id"]].append(partner)
    labels = dict(ApplicationStatus.choices)
    results = []
    for row in rows:
        consortium = partners[row["id"]]
        lead = next((p for p in consortium if p["role"] == PartnerRole.LEAD), None)
        results.append(
            {
                "reference": row["reference"],
                "call": row["call__reference"],
                "measure": row["measure__code"],
                "acronym": row["acronym"],
                "title": row["title"],
                "status": row["status"],
                "status_label": str(labels[row["status"]]),
                "created_at": instant(row["created_at"]),
                "submitted_at": instant(row["submitted_at"]),
                "updated_at": instant(row["updated_at"]),
                "start_date": row["start_date"],
                "end_date": row["end_date"],
                "lead": None
                if lead is None
                else {
                    "name": lead["organisation__legal_name"],
                    "country": lead["organisation__country"],
                },
                "partners": [
                    {
                        "number": p["number"],
                        "role": p["role"],
                        "organisation": p["organisation__legal_name"],
                        "country": p["organisation__country"],
                    }
                    for p in consortium
                ],
                "submitted_version": None
                if row["current_snapshot_id"] is None
                else {
                    "number": row["current_snapshot__number"],
                    "sha256": row["current_snapshot__sha256"],
                    "verdict": row["current_snapshot__verdict"],
                    "total_budget": row["current_snapshot__total_budget"],
                    "eu_requested": row["current_snapshot__eu_requested"],
                },
            }
        )
    return JsonResponse(
        {
            "count": page.paginator.count,
            "next": f"?page={page.next_page_number()}" if page.has_next() else None,
            "previous": f"?page={page.previous_page_number()}" if page.has_previous() else None,
            "results": results,
        }
    )


def urlconf():
    """The portal's URLs and the bare view's."""
    from django.urls import path

    from portal import urls

    module = types.ModuleType("bench_api_urls")
    module.urlpatterns = [path(BARE_URL.strip("/") + "/", bare_applications), *urls.urlpatterns]
    return module


# --- measures -------------------------------------------------------------------------------


def timed(client, url, params, **headers) -> tuple[float, float, int, dict]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        response = client.get(url, params, **headers)
        elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    sql = sum(float(q["time"]) for q in captured.captured_queries) * 1000
    return elapsed, sql, len(captured), response.json()


def measure(args, programme) -> dict:
    from django.db import connection
    from django.test import Client, override_settings
    from rest_framework.authtoken.models import Token

    from applications.api.serializers import ApplicationSerializer
    from applications.api.views import applications_readable_by
    from portal.models import User

    officer = User.objects.get(email=queue.OFFICER)
    token, _created = Token.objects.get_or_create(user=officer)
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    with connection.cursor() as cursor:
        if args.jit_off:
            cursor.execute("SET jit = off")
        cursor.execute("SHOW jit")
        jit = cursor.fetchone()[0]
    # A client as an API client is: a token, no session cookie.
    client = Client()
    visible = applications_readable_by(officer)
    dossiers = visible.count()
    small = {"status": "reserve", "call": visible.filter(status="reserve").first().call.reference}
    small_count = visible.filter(status="reserve", call__reference=small["call"]).count()
    print(f"\nData set: {dossiers} dossiers readable by the officer; {small_count} for {small}")

    rates = {"anon": "1000000/minute", "user": "1000000/minute", "auth_token": "10/minute"}
    from django.conf import settings

    with override_settings(
        ROOT_URLCONF=urlconf(),
        REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates},
    ):
        first = {"page_size": PAGE_SIZE}
        api_body = timed(client, API_URL, first, **auth)[3]
        bare_body = timed(client, BARE_URL, {}, **auth)[3]
        missing = sorted(set(ApplicationSerializer.Meta.fields) - set(bare_body["results"][0]))
        same = json.loads(json.dumps(api_body["results"][0], default=str)) == json.loads(
            json.dumps(bare_body["results"][0], default=str)
        )
        assert api_body["count"] == bare_body["count"] == dossiers
        assert [r["reference"] for r in api_body["results"]] == [
            r["reference"] for r in bare_body["results"]
        ]
        for _run in range(WARM_UP):
            timed(client, API_URL, first, **auth)
            timed(client, BARE_URL, {}, **auth)
        load_before = os.getloadavg()[0]
        api, bare = {"ms": [], "sql": [], "queries": set()}, {"ms": [], "sql": [], "queries": set()}
        gc.collect()
        for _run in range(args.runs):
            for figures, url, params, headers in (
                (api, API_URL, first, auth),
                (bare, BARE_URL, {}, auth),
            ):
                elapsed, sql, queries, _body = timed(client, url, params, **headers)
                figures["ms"].append(elapsed)
                figures["sql"].append(sql)
                figures["queries"].add(queries)
        load_after = os.getloadavg()[0]
        queries = {
            "page 1": timed(client, API_URL, first, **auth)[2],
            "page 50": timed(client, API_URL, {**first, "page": 50}, **auth)[2],
            f"{small_count} dossiers": timed(client, API_URL, {**first, **small}, **auth)[2],
            "cursor, first page": timed(client, API_URL, {**first, "cursor": ""}, **auth)[2],
        }

    def summary(figures):
        return {
            "median_ms": round(statistics.median(figures["ms"]), 1),
            "p95_ms": round(eligibility.percentile(figures["ms"], 0.95), 1),
            "sql_median_ms": round(statistics.median(figures["sql"]), 1),
            "queries": sorted(figures["queries"]),
        }

    return {
        "bench": "api",
        "date": dt.date.today().isoformat(),
        "machine": f"{platform.machine()} {os.cpu_count()} CPU, Python {platform.python_version()}",
        "postgresql": connection.pg_version,
        "jit": jit,
        "load_average_1min": [round(load_before, 2), round(load_after, 2)],
        "dossiers": dossiers,
        "page_size": PAGE_SIZE,
        "runs": args.runs,
        "api": summary(api),
        "bare": summary(bare),
        "api_queries": queries,
        "fields_missing_from_the_bare_view": missing,
        "first_rows_equal": same,
    }


def report(figures: dict) -> bool:
    api, bare = figures["api"], figures["bare"]
    ratio = api["median_ms"] / bare["median_ms"]
    figures["ratio"] = round(ratio, 2)
    paged = [figures["api_queries"][key] for key in figures["api_queries"] if "cursor" not in key]
    goals = {
        f"API median <= {GOAL_RATIO:g} x bare median": ratio <= GOAL_RATIO,
        f"API p95 < {GOAL_P95_MS:g} ms": api["p95_ms"] < GOAL_P95_MS,
        "API queries the same on page 1, page 50 and a small filter": len(set(paged)) == 1,
    }
    line = "-" * 92
    print(line)
    print(f"API list benchmark — {figures['date']} — {figures['machine']}")
    print(f"PostgreSQL {figures['postgresql']} (jit {figures['jit']}), {eligibility.BENCH_URL}")
    before, after = figures["load_average_1min"]
    print(f"Load average (1 min) before/after the measures: {before} / {after}")
    print(
        f"{figures['dossiers']} dossiers readable by the officer; page of "
        f"{figures['page_size']}; {figures['runs']} requests each, interleaved, after "
        f"{WARM_UP} warm-ups"
    )
    if figures["fields_missing_from_the_bare_view"]:
        print(f"API fields the bare view lacks: {figures['fields_missing_from_the_bare_view']}")
    print(f"First rows identical in both: {figures['first_rows_equal']}")
    print(line)
    print(f"{'view':<44} {'median':>9} {'p95':>9} {'SQL med.':>9} {'queries':>8}")
    for label, row in (("GET /api/v1/applications/?page_size=100", api), ("bare view", bare)):
        print(
            f"{label:<44} {row['median_ms']:>6.1f} ms {row['p95_ms']:>6.1f} ms"
            f" {row['sql_median_ms']:>6.1f} ms {', '.join(map(str, row['queries'])):>8}"
        )
    print(f"ratio API / bare (medians): {ratio:.2f}")
    print("API queries: " + ", ".join(f"{k}: {v}" for k, v in figures["api_queries"].items()))
    print("Goals")
    for goal, met in goals.items():
        print(f"    {'PASS' if met else 'FAIL'}  {goal}")
    print(line)
    figures["goals_met"] = all(goals.values())
    print(json.dumps(figures, default=str))
    return figures["goals_met"]


def main(argv=None) -> int:
    args = parse_args(argv)
    eligibility.ensure_database()
    eligibility.setup_django()
    programme = queue.data_set(args)
    return 0 if report(measure(args, programme)) else 1


if __name__ == "__main__":
    sys.exit(main())
