"""Fixtures of the reporting tests: the review tests' dossier assessed, then selected."""

from tests.review.test_decision import assessed, criteria, selected  # noqa: F401
