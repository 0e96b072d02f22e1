"""The deployment files describe the services a real installation runs."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_docker_compose_names_postgresql_redis_web_worker_and_beat():
    services = compose()["services"]
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")


def test_the_web_runs_gunicorn_and_the_workers_run_celery_on_the_same_image():
    services = compose()["services"]
    assert services["web"]["command"][0] == "gunicorn"
    assert services["worker"]["command"][:4] == ["celery", "-A", "portal", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "portal", "beat"]
    images = {services[name]["image"] for name in ("web", "worker", "beat", "migrate")}
    assert len(images) == 1


def test_the_portal_services_point_at_postgresql_and_redis_without_debug():
    services = compose()["services"]
    for name in ("web", "worker", "beat"):
        environment = services[name]["environment"]
        assert environment["DJANGO_DEBUG"] == "false"
        assert environment["DATABASE_URL"].startswith("postgres://")
        assert "@postgres:5432/" in environment["DATABASE_URL"]
        assert environment["CELERY_BROKER_URL"] == "redis://redis:6379/0"


def test_the_web_waits_for_the_migrations_which_wait_for_healthy_services():
    services = compose()["services"]
    assert services["web"]["depends_on"]["migrate"]["condition"] == (
        "service_completed_successfully"
    )
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["migrate"]["depends_on"]["redis"]["condition"] == "service_healthy"
    assert "healthcheck" in services["postgres"]
    assert "healthcheck" in services["redis"]


def test_no_secret_is_written_in_the_compose_file():
    text = (ROOT / "docker-compose.yml").read_text()
    assert "DJANGO_SECRET_KEY:" not in text
    assert "POSTGRES_PASSWORD:?" in text


def test_the_worker_takes_the_documents_queue_and_beat_sends_the_sweep():
    from django.conf import settings

    command = compose()["services"]["worker"]["command"]
    queues = command[command.index("-Q") + 1].split(",")
    assert settings.DOCUMENTS_QUEUE in queues and "celery" in queues
    sweep = settings.CELERY_BEAT_SCHEDULE["requeue-stalled-documents"]
    assert sweep["task"] == "reporting.requeue_stalled_documents"
    assert sweep["schedule"] <= 60
