"""A client that synchronises (the contract in ``portal.api.pagination``): a cursor pass,
then passes with ``updated_since`` set to the latest ``updated_at`` the previous pass saw,
while dossiers and calls are created and changed between the pages it fetches, some of
them at one same instant (a bulk change). Within a pass no row comes twice; after the
passes every row has been seen in its latest state, none missed."""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import json

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from applications.models import Application
from calls.models import Call
from tests import factories as f
from tests.review.test_queue import make_dossier

pytestmark = pytest.mark.django_db

PAGE_SIZE = 3


class Resource:
    """What the test writes while the client reads: creations, changes, ties."""

    path: str
    key: str
    model: type

    def __init__(self, client: APIClient, make):
        self.client = client
        self.make = make
        self.versions = itertools.count(1)

    def change(self, key: str) -> None:
        """A change through ``save()``: ``updated_at`` moves to now."""
        row = self.model.objects.get(**{self.key: key})
        row.title = f"{row.title.split(' #')[0]} #{next(self.versions)}"
        row.save()

    def change_together(self, keys: list[str]) -> None:
        """One bulk change: every row gets the same ``updated_at``."""
        now = timezone.now()
        for key in keys:
            version = next(self.versions)
            row = self.model.objects.get(**{self.key: key})
            self.model.objects.filter(pk=row.pk).update(
                title=f"{row.title.split(' #')[0]} #{version}", updated_at=now
            )

    def truth(self) -> dict[str, str]:
        return dict(self.model.objects.values_list(self.key, "title"))


class Dossiers(Resource):
    path = "/api/v1/applications/"
    key = "reference"
    model = Application


class Calls(Resource):
    path = "/api/v1/calls/"
    key = "reference"
    model = Call


def sync_pass(resource: Resource, updated_since: str | None, between_pages) -> list[dict]:
    """One pass: the cursor from its first page to the last ``next``; ``between_pages``
    writes after each page."""
    params = {"cursor": "", "page_size": PAGE_SIZE}
    if updated_since:
        params["updated_since"] = updated_since
    response = resource.client.get(resource.path, params)
    rows = []
    for page in itertools.count():
        assert page < 40, f"the pass does not end: {len(rows)} rows read so far"
        assert response.status_code == 200, response.content
        body = response.json()
        rows += body["results"]
        if not body["next"]:
            return rows
        between_pages(page, rows)
        response = resource.client.get(body["next"])


def synchronise(resource: Resource, writes_in_passes: int) -> dict[str, str]:
    """Passes until one brings nothing new; writes between the pages of the first
    ``writes_in_passes`` passes. Returns the client's copy: reference -> title."""
    copy: dict[str, str] = {}
    updated_since = None

    def between_pages(page: int, seen: list[dict]) -> None:
        if passes > writes_in_passes:
            return
        seen_keys = [row[resource.key] for row in seen]
        unseen = sorted(set(resource.truth()) - set(seen_keys))
        # A new row; a row already read; a row not yet read; and a bulk change (one
        # instant) of the last row read, the row after it, and a row already read.
        resource.make()
        resource.change(seen_keys[0])
        if unseen:
            resource.change(unseen[-1])
        resource.change_together([seen_keys[-1], *unseen[:1], seen_keys[len(seen_keys) // 2]])

    for passes in itertools.count(1):
        rows = sync_pass(resource, updated_since, between_pages)
        keys = [row[resource.key] for row in rows]
        assert len(keys) == len(set(keys)), f"pass {passes} returned a row twice: {keys}"
        copy.update({row[resource.key]: row["title"] for row in rows})
        if not rows or (passes > writes_in_passes and updated_since):
            return copy
        # The next pass starts at the latest change this one saw (>=: rows changed at
        # that very instant come again, and the copy is keyed by reference).
        updated_since = max(row["updated_at"] for row in rows)
        assert passes < 10


@pytest.fixture(autouse=True)
def _unthrottled(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100000/minute", "user": "100000/minute"},
    }


@pytest.fixture
def officer_client(olivia):
    client = APIClient()
    client.force_authenticate(olivia)
    return client


def tie(model, keys, at):
    model.objects.filter(reference__in=keys).update(updated_at=at)


def test_dossiers_synchronise_exactly_once_per_pass_while_they_are_written(officer_client, call):
    made = [make_dossier(call).reference for _ in range(10)]
    # Rows changed at the same instant, across page boundaries.
    tie(Application, made[1:5], timezone.now() - dt.timedelta(minutes=5))
    tie(Application, made[6:9], timezone.now() - dt.timedelta(minutes=4))
    dossiers = Dossiers(officer_client, lambda: make_dossier(call))

    copy = synchronise(dossiers, writes_in_passes=2)

    assert len(dossiers.truth()) >= 10 + 3  # one new dossier between any two pages
    assert copy == dossiers.truth()


def test_calls_synchronise_exactly_once_per_pass_while_they_are_written(api, authority):
    programme = f.ProgrammeFactory(managing_authority=authority)
    made = [f.CallFactory(programme=programme).reference for _ in range(10)]
    tie(Call, made[1:5], timezone.now() - dt.timedelta(minutes=5))
    tie(Call, made[6:9], timezone.now() - dt.timedelta(minutes=4))
    calls = Calls(api, lambda: f.CallFactory(programme=programme))

    copy = synchronise(calls, writes_in_passes=2)

    assert len(calls.truth()) >= 10 + 3
    assert copy == calls.truth()


def test_a_pass_without_writes_returns_each_row_once_and_the_next_only_the_latest(
    officer_client, call
):
    made = [make_dossier(call).reference for _ in range(7)]
    tie(Application, made, timezone.now() - dt.timedelta(minutes=1))
    dossiers = Dossiers(officer_client, lambda: None)
    rows = sync_pass(dossiers, None, lambda page, rows: None)
    assert sorted(row["reference"] for row in rows) == sorted(made)
    # All seven share the latest instant: ">=" gives them again, nothing else.
    latest = max(row["updated_at"] for row in rows)
    again = sync_pass(dossiers, latest, lambda page, rows: None)
    assert sorted(row["reference"] for row in again) == sorted(made)
    dossiers.change(made[3])
    again = sync_pass(dossiers, latest, lambda page, rows: None)
    assert sorted(row["reference"] for row in again) == sorted(made)
    latest = max(row["updated_at"] for row in again)
    assert [row["reference"] for row in sync_pass(dossiers, latest, lambda *_: None)] == [made[3]]


def encoded(token) -> str:
    return base64.urlsafe_b64encode(json.dumps(token).encode()).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "%%%",
        "bm90IGpzb24=",
        encoded({"after": ["2026-03-01T10:00:00+01:00"]}),
        encoded({"after": [{"x": 1}, 3]}),
        encoded({"after": ["2026-03-01T10:00:00+01:00", "three"]}),
        encoded({"after": ["2026-03-01T10:00:00", 3]}),
        encoded({"after": ["2026-03-01T10:00:00+01:00", 3], "until": "2026-03-01"}),
        encoded({"after": [None, 3]}),
        encoded([1, 2]),
    ],
)
def test_a_damaged_cursor_is_a_404_never_a_server_error(officer_client, call, cursor):
    make_dossier(call)
    response = officer_client.get(Dossiers.path, {"cursor": cursor})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
