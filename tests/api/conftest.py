"""Every API test starts with empty throttle counters (they live in the default cache)."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient


@pytest.fixture(autouse=True)
def _no_throttle_history():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api():
    """An anonymous client of the API."""
    return APIClient()
