"""The load scenario (locust): applicants editing and autosaving their dossiers, officers
browsing their queue and dossiers, API clients synchronising the dossiers.

Run by ``load/run.py`` (``make load``), which seeds the world (``load/seed.py``), serves the
portal on gunicorn and gives this file:

- ``LOAD_WORLD``: the world's JSON (logins, references, URLs);
- ``LOAD_RESULTS``: where to write, at the end, the last value each applicant's autosave
  acknowledged (the runner reads every one back from the database: none may be lost);
- ``LOAD_APPLICANTS``, ``LOAD_OFFICERS``, ``LOAD_API_CLIENTS``: how many of each;
- ``LOAD_WARM_UP_SECONDS``, ``LOAD_SECONDS``, ``LOAD_MEASURED``: the measured window. Once
  every user has logged in and opened their first page, the run goes on for the warm-up,
  then locust's figures start again from zero (the instant is written to
  ``LOAD_MEASURED``) and the run lasts ``LOAD_SECONDS`` more. The ramp is a stampede of
  password hashes (0.4 s of CPU each) and what it held up still drains for a while after
  the last login: neither is the steady state the figures are about.

The portal runs with its production settings behind a TLS proxy: the requests say
``X-Forwarded-Proto: https`` and a same-site ``Origin``; cookies marked Secure are sent back
on this plain-HTTP loopback (a proxy would do the TLS).

The users are ``FastHttpUser`` (geventhttpclient, keep-alive): locust shares the machine
with the portal, and this client costs it a third of the CPU that ``requests`` did.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import threading
import time
from pathlib import Path

import gevent
from locust import FastHttpUser, between, events, task

WORLD = json.loads(Path(os.environ["LOAD_WORLD"]).read_text())
RESULTS = Path(os.environ["LOAD_RESULTS"])
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION_FIELD = re.compile(r'name="version" id="id_version" value="(\d+)"')

# Traffic, not secrets: a seeded generator makes runs comparable.
RNG = random.Random(2026)

# reference -> the last context text an autosave acknowledged (locust users are greenlets
# of one process: a lock keeps the bookkeeping exact).
SAVED: dict[str, str] = {}
SAVED_LOCK = threading.Lock()
_next = {kind: itertools.count() for kind in ("applicants", "officers", "api")}


def take(kind: str) -> dict:
    people = WORLD[kind]
    return people[next(_next[kind]) % len(people)]


BEHIND_TLS_PROXY = {"X-Forwarded-Proto": "https"}

WARM_UP_SECONDS = float(os.environ.get("LOAD_WARM_UP_SECONDS", "60"))
MEASURED_SECONDS = float(os.environ.get("LOAD_SECONDS", "600"))
MEASURED = os.environ.get("LOAD_MEASURED")
_ready = itertools.count(1)


def ready(environment) -> None:
    """A user has started (logged in, and an applicant has opened their section); after the
    last one, the warm-up, then the measured window."""
    users = Applicant.fixed_count + Officer.fixed_count + ApiClient.fixed_count
    if next(_ready) == users:
        gevent.spawn(_measured_window, environment)


def _measured_window(environment) -> None:
    gevent.sleep(WARM_UP_SECONDS)
    environment.runner.stats.reset_all()
    if MEASURED:
        Path(MEASURED).write_text(str(time.time()))
    gevent.sleep(MEASURED_SECONDS)
    environment.runner.quit()


class PortalUser(FastHttpUser):
    abstract = True
    default_headers = BEHIND_TLS_PROXY

    def on_start(self):
        self.origin = "https://" + self.host.split("://", 1)[1].rstrip("/")

    def _keep_cookies(self, response):
        # The portal marks its cookies Secure; behind the (absent) TLS proxy they come back
        # (redirects included: the jar holds every cookie received).
        for cookie in self.client.cookiejar:
            cookie.secure = False

    def form_post(self, url, data, *, name, htmx=False):
        headers = {"Origin": self.origin, "Referer": self.origin + url}
        if htmx:
            headers["HX-Request"] = "true"
        response = self.client.post(url, data=data, headers=headers, name=name)
        self._keep_cookies(response)
        return response

    def page(self, url, *, name, params=None):
        response = self.client.get(url, params=params, name=name)
        self._keep_cookies(response)
        return response

    def log_in(self, email: str) -> None:
        form = self.page("/connexion/", name="login page")
        token = CSRF_FIELD.search(form.text).group(1)
        response = self.form_post(
            "/connexion/",
            {"csrfmiddlewaretoken": token, "username": email, "password": WORLD["password"]},
            name="login",
        )
        if not any(cookie.name == "sessionid" for cookie in self.client.cookiejar):
            raise RuntimeError(f"login refused for {email}: {response.status_code}")


class Applicant(PortalUser):
    """Opens their dossier's context section and types in it: an autosave every few
    seconds (as htmx sends it after 1.5 s without typing), now and then the overview."""

    fixed_count = int(os.environ.get("LOAD_APPLICANTS", "200"))
    wait_time = between(2, 5)

    def on_start(self):
        super().on_start()
        self.me = take("applicants")
        self.edits = 0
        self.log_in(self.me["email"])
        self.open_section()
        ready(self.environment)

    def open_section(self):
        response = self.page(self.me["context_url"], name="section page")
        self.csrf = CSRF_FIELD.search(response.text).group(1)
        self.version = VERSION_FIELD.search(response.text).group(1)

    @task(10)
    def autosave(self):
        self.edits += 1
        text = f"Contexte de {self.me['reference']}, frappe {self.edits} ({RNG.random():.6f})"
        response = self.form_post(
            self.me["context_url"],
            {
                "csrfmiddlewaretoken": self.csrf,
                "version": self.version,
                "context": text,
                "objectives": "Des objectifs mesurables.",
                "cross_border_added_value": "",
            },
            name="autosave",
            htmx=True,
        )
        version = VERSION_FIELD.search(response.text) if response.status_code == 200 else None
        if version:
            self.version = version.group(1)
            with SAVED_LOCK:
                SAVED[self.me["reference"]] = text
        else:
            # Not saved (a conflict, a fault): the page says so; the applicant reloads.
            self.open_section()

    @task(1)
    def overview(self):
        self.page(self.me["overview_url"], name="dossier overview")


class Officer(PortalUser):
    """Browses the queue (pages, sorts, filters, a search), opens dossiers, asks for their
    PDF now and then."""

    fixed_count = int(os.environ.get("LOAD_OFFICERS", "20"))
    wait_time = between(2, 6)

    def on_start(self):
        super().on_start()
        self.log_in(take("officers")["email"])
        self.references: list[str] = []
        self.csrf = None
        ready(self.environment)

    @task(4)
    def queue(self):
        params = RNG.choice(
            [
                {},
                {"page": RNG.randint(1, 5)},
                {"ordering": "-budget"},
                {"status": "submitted"},
                {"q": "déposante 01"},
            ]
        )
        response = self.page(WORLD["queue_url"], name="queue", params=params)
        self.references = re.findall(r"/instruction/dossiers/([A-Z0-9-]+)/", response.text)
        csrf = CSRF_FIELD.search(response.text)
        self.csrf = csrf.group(1) if csrf else None

    @task(1)
    def request_document(self):
        """The PDF of a dossier as submitted: rendered by the worker (one per version)."""
        if self.references and self.csrf:
            self.form_post(
                "/documents/demander/",
                {
                    "csrfmiddlewaretoken": self.csrf,
                    "kind": "dossier",
                    "reference": RNG.choice(self.references),
                },
                name="document request",
            )

    @task(2)
    def dossier(self):
        if self.references:
            reference = RNG.choice(self.references)
            self.page(f"/instruction/dossiers/{reference}/", name="officer dossier")


class ApiClient(FastHttpUser):
    """An authority's information system: a full pass with the cursor, then incremental
    passes with ``updated_since``, and the calls."""

    fixed_count = int(os.environ.get("LOAD_API_CLIENTS", "10"))
    wait_time = between(3, 8)

    def on_start(self):
        self.headers = {**BEHIND_TLS_PROXY, "Authorization": f"Token {take('api')['token']}"}
        self.high_water = None
        ready(self.environment)

    def _pass(self, params):
        url = "/api/v1/applications/"
        seen = None
        while url:
            response = self.client.get(
                url, params=params, name="api applications", headers=self.headers
            )
            params = None
            if response.status_code != 200:
                return
            body = response.json()
            for row in body["results"]:
                seen = max(seen or row["updated_at"], row["updated_at"])
            # ``next`` is absolute (https behind the proxy): follow its path and query here.
            url = body["next"] and "/" + body["next"].split("://", 1)[1].split("/", 1)[1]
        if seen:
            self.high_water = seen

    @task(3)
    def synchronise(self):
        if self.high_water is None:
            self._pass({"cursor": "", "page_size": 100})
        else:
            self._pass({"updated_since": self.high_water, "page_size": 100})

    @task(1)
    def calls(self):
        self.client.get(
            "/api/v1/calls/", params={"status": "open"}, name="api calls", headers=self.headers
        )


@events.test_stop.add_listener
def _write_results(environment, **_kwargs):
    with SAVED_LOCK:
        RESULTS.write_text(json.dumps(SAVED, indent=0, ensure_ascii=False))
