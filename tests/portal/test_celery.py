"""The Celery wiring the document workers rely on: tasks are found, run eagerly without a
broker, and go through a real worker against Redis when one is configured (always in CI)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from portal.celery import app
from portal.tasks import ping
from tests.conftest import require

ROOT = Path(__file__).resolve().parents[2]


def test_the_celery_app_finds_the_tasks_of_the_installed_apps():
    app.loader.import_default_modules()
    assert "portal.ping" in app.tasks


def test_the_workers_acknowledge_late_and_take_one_task_at_a_time():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.task_serializer == "json"


@pytest.fixture
def eager_celery():
    """Celery as configured without a broker (the demo and a laptop's test run)."""
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def test_without_a_broker_tasks_run_eagerly_in_the_calling_process(eager_celery):
    result = ping.delay("eager")
    answer = result.get(timeout=5)
    assert answer["pong"] == "eager"
    assert answer["pid"] == str(os.getpid())


@pytest.mark.integration
def test_a_real_worker_takes_the_task_from_redis_and_returns_its_result():
    broker = settings.CELERY_BROKER_URL
    require(bool(broker), "CELERY_BROKER_URL must point at Redis for the real-worker test")
    queue = f"test-{uuid.uuid4().hex[:12]}"
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--queues",
            queue,
            "--hostname",
            f"{queue}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env={**os.environ, "CELERY_BROKER_URL": broker},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        result = ping.apply_async(args=["through-redis"], queue=queue)
        answer = result.get(timeout=60)
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0]
    assert answer["pong"] == "through-redis"
    assert answer["pid"] == str(worker.pid)
    assert answer["pid"] != str(os.getpid())
    assert "portal.ping" in output
    assert "succeeded" in output
