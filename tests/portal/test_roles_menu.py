"""The menu offers the officers' queue to officers and the assessments to assessors, read
at login without a query on each page."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _menu(client) -> str:
    html = client.get(reverse("home")).content.decode()
    return html.split('aria-label="Menu principal"')[1].split("</nav>")[0]


def test_an_officer_sees_the_queue_in_the_menu(client, olivia):
    client.force_login(olivia)
    menu = _menu(client)
    assert reverse("review:queue") in menu
    assert reverse("review:my_assessments") not in menu


def test_an_assessor_sees_their_assessments(client, ada):
    client.force_login(ada)
    menu = _menu(client)
    assert reverse("review:my_assessments") in menu
    assert reverse("review:queue") not in menu


def test_an_applicant_sees_neither(client, alice):
    client.force_login(alice)
    menu = _menu(client)
    assert reverse("review:queue") not in menu
    assert reverse("review:my_assessments") not in menu
