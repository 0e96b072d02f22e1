"""Documents through real Celery workers against Redis and PostgreSQL (always in CI): each
kind rendered by a worker process and read back; a worker killed with SIGKILL in the middle
of a render, and the document still made, exactly once, by the worker that comes after.

The test's data is committed (transactional tests) so that the worker processes, started
on the test database with the test's media folder, read it."""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from pypdf import PdfReader

from portal.celery import app
from reporting import documents as service
from reporting.choices import DocumentKind, DocumentStatus
from reporting.models import GeneratedDocument
from review.decisions import application_contract, application_start
from tests import factories as f
from tests.conftest import require

ROOT = Path(__file__).resolve().parents[2]
ONE_SPACE = re.compile(r"\s+")

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


class Worker:
    """A worker process on its own queue, its output collected as it comes."""

    def __init__(self, queue: str, *, pool: str = "solo", env: dict | None = None):
        db = connection.settings_dict
        password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
        database_url = (
            f"postgres://{quote(db['USER'] or '')}{password}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        )
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "portal", "worker",
                f"--pool={pool}", "--concurrency=1", "--queues", queue,
                "--hostname", f"{queue}-{uuid.uuid4().hex[:6]}@%h",
                "--without-gossip", "--without-mingle", "--without-heartbeat",
                "--loglevel=INFO",
            ],
            cwd=ROOT,
            env={
                **os.environ,
                "DATABASE_URL": database_url,
                "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
                "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT),
                **(env or {}),
            },
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )  # fmt: skip
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.wait_for("ready.", timeout=60)

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_for(self, text: str, *, timeout: float):
        deadline = time.monotonic() + timeout
        while text not in self.output:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"worker never said {text!r}:\n{self.output[-3000:]}")
            time.sleep(0.1)

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def queue(settings):
    """A queue of this test's own: the renders asked here go to it, and only this test's
    workers listen to it."""
    require(bool(settings.CELERY_BROKER_URL), "CELERY_BROKER_URL must point at Redis")
    require(connection.vendor == "postgresql", "the workers share the test's PostgreSQL base")
    name = f"documents-{uuid.uuid4().hex[:10]}"
    settings.DOCUMENTS_QUEUE = name
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield name
    app.conf.task_always_eager = previous


def wait_until_done(
    document: GeneratedDocument, worker: Worker, *, timeout: float = 90
) -> GeneratedDocument:
    deadline = time.monotonic() + timeout
    while True:
        document.refresh_from_db()
        if document.status in (DocumentStatus.DONE, DocumentStatus.FAILED):
            return document
        if time.monotonic() > deadline:
            raise AssertionError(
                f"document still {document.status} after {timeout} s:\n{worker.output[-4000:]}"
            )
        time.sleep(0.2)


def text_of(document: GeneratedDocument) -> tuple[str, int]:
    assert document.status == DocumentStatus.DONE, document.error
    path = Path(settings.MEDIA_ROOT) / document.file.name
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    text = ONE_SPACE.sub(" ", " ".join(page.extract_text() for page in reader.pages))
    return text, len(reader.pages)


def test_every_kind_is_rendered_by_a_real_worker_and_reads_back(queue, selected, alice, olivia):
    application_contract(
        application=selected, actor=olivia, contract_reference="CONV-W-1",
        signed_on=selected.decision.decided_on,
    )  # fmt: skip
    application_start(application=selected, actor=olivia)
    selected.refresh_from_db()
    snapshot = selected.current_snapshot
    report = f.ProgressReportFactory(
        application=selected, number=1, overall_progress="Premier semestre conforme au plan."
    )
    requests = {
        DocumentKind.PROGRESS_REPORT: service.document_request(
            kind=DocumentKind.PROGRESS_REPORT, actor=alice, report=report
        ),
        DocumentKind.DOSSIER: service.document_request(
            kind=DocumentKind.DOSSIER, actor=alice, application=selected
        ),
        DocumentKind.ACKNOWLEDGEMENT: service.document_request(
            kind=DocumentKind.ACKNOWLEDGEMENT, actor=alice, application=selected
        ),
        DocumentKind.DECISION_LETTER: service.document_request(
            kind=DocumentKind.DECISION_LETTER, actor=alice, application=selected
        ),
        DocumentKind.CALL_SUMMARY: service.document_request(
            kind=DocumentKind.CALL_SUMMARY, actor=olivia, call=selected.call
        ),
        DocumentKind.PROGRAMME_SUMMARY: service.document_request(
            kind=DocumentKind.PROGRAMME_SUMMARY, actor=olivia, programme=selected.call.programme
        ),
    }
    expected = {
        DocumentKind.PROGRESS_REPORT: ["Premier semestre conforme au plan.", selected.reference],
        DocumentKind.DOSSIER: [selected.reference, "60 000,00 €", "Organisation B"],
        DocumentKind.ACKNOWLEDGEMENT: ["Accusé de réception", selected.reference],
        DocumentKind.DECISION_LETTER: ["Retenu", "50 000,00 €"],
        DocumentKind.CALL_SUMMARY: [selected.call.reference, "60 000,00 €", "50 000,00 €"],
        DocumentKind.PROGRAMME_SUMMARY: ["Projets en cours", selected.reference],
    }
    worker = Worker(queue)
    try:
        for kind, document in requests.items():
            wait_until_done(document, worker)
            text, pages = text_of(document)
            for needle in expected[kind]:
                assert needle in text, (kind, needle)
            assert f"page {pages} / {pages}" in text, kind
            if kind in (DocumentKind.DOSSIER, DocumentKind.ACKNOWLEDGEMENT):
                assert snapshot.sha256 in text.replace(" ", ""), kind
            assert document.attempts == 1
    finally:
        worker.stop()
    assert worker.output.count("reporting.render_document") >= len(requests)
    assert "Traceback" not in worker.output


def test_a_worker_killed_in_the_middle_of_a_render_loses_nothing_and_makes_one_file(
    queue, assessed, alice
):
    """The first worker renders, then pauses before writing its file (fault injection):
    it is killed with SIGKILL there. Its task was not acknowledged: the next worker takes
    it again once the broker's visibility timeout has passed, and the document is made,
    once."""
    first = Worker(queue, env={service.PAUSE_ENV: "60"})
    document = service.document_request(
        kind=DocumentKind.DOSSIER, actor=alice, application=assessed
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            document.refresh_from_db()
            if document.status == DocumentStatus.RUNNING and document.progress == 90:
                break
            assert time.monotonic() < deadline, f"never reached the pause: {first.output}"
            time.sleep(0.1)
        first.kill()
    finally:
        first.stop()
    document.refresh_from_db()
    assert document.status == DocumentStatus.RUNNING and not document.file

    second = Worker(
        queue,
        env={
            "CELERY_VISIBILITY_TIMEOUT": "3",
            "CELERY_UNACKED_RESTORE_INTERVAL": "1",
            "CELERY_UNACKED_RESTORE_THROTTLE": "1",
        },
    )
    try:
        wait_until_done(document, second, timeout=90)
    finally:
        second.stop()
    text, _pages = text_of(document)
    assert assessed.reference in text
    assert document.attempts == 2
    folder = Path(settings.MEDIA_ROOT) / "documents" / DocumentKind.DOSSIER
    assert [path.name for path in folder.iterdir()] == [Path(document.file.name).name]
    assert GeneratedDocument.objects.count() == 1
