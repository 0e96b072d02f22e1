"""The Django project: settings, urls, the Celery app, accounts, home page."""

from .celery import app as celery_app

__all__ = ["celery_app"]
