"""The account's page: who the account is, its organisations and authorities, and its API
token, created (shown once), replaced (the old one stops working at once) and revoked."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests import factories as f
from tests.pages.test_public_pages import text

pytestmark = pytest.mark.django_db

ACCOUNT = "/compte/"
ISSUE = "/compte/jeton-api/nouveau/"
REVOKE = "/compte/jeton-api/revoquer/"
TOKEN_IN_PAGE = re.compile(r'id="new-token"[^>]*value="([0-9a-f]{40})"')


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_status(key: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/v1/applications/").status_code


def test_the_urls_are_the_pages_urls():
    assert reverse("account") == ACCOUNT
    assert reverse("account_token_issue") == ISSUE
    assert reverse("account_token_revoke") == REVOKE


def test_a_visitor_is_sent_to_the_login_page(client):
    response = client.get(ACCOUNT)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert client.post(ISSUE).status_code == 302
    assert not Token.objects.exists()


def test_the_page_shows_the_account_its_organisations_and_authorities(alice, olivia, org_a):
    page = text(logged_in(alice).get(ACCOUNT))
    assert "Mon compte" in page
    assert alice.email in page
    assert org_a.legal_name in page
    assert reverse("partners:detail", args=[org_a.pk]) in page
    assert "Ce compte n'a pas de jeton." in page

    officer_page = text(logged_in(olivia).get(ACCOUNT))
    assert "Valenciennes Métropole" in officer_page
    assert org_a.legal_name not in officer_page


def test_every_page_links_to_the_account_page(alice):
    page = text(logged_in(alice).get("/"))
    assert f'href="{ACCOUNT}"' in page


def test_a_new_token_is_shown_once_and_opens_the_api(alice):
    client = logged_in(alice)
    response = client.post(ISSUE)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    key = TOKEN_IN_PAGE.search(text(response)).group(1)
    assert Token.objects.get(user=alice).key == key
    assert api_status(key) == 200

    again = text(client.get(ACCOUNT))
    assert key not in again
    assert "Ce compte a un jeton, créé le" in again


def test_replacing_the_token_cuts_off_the_old_one(alice, bob):
    bobs = Token.objects.create(user=bob)
    client = logged_in(alice)
    first = TOKEN_IN_PAGE.search(text(client.post(ISSUE))).group(1)
    second = TOKEN_IN_PAGE.search(text(client.post(ISSUE))).group(1)
    assert first != second
    assert api_status(first) == 401
    assert api_status(second) == 200
    assert Token.objects.filter(user=alice).count() == 1
    assert Token.objects.filter(pk=bobs.pk).exists()


def test_revoking_the_token_closes_the_api_to_it_and_to_no_one_else(alice, bob):
    alices = Token.objects.create(user=alice)
    bobs = Token.objects.create(user=bob)
    response = logged_in(alice).post(REVOKE, follow=True)
    assert "Jeton révoqué" in text(response)
    assert "Ce compte n'a pas de jeton." in text(response)
    assert api_status(alices.key) == 401
    assert api_status(bobs.key) == 200


def test_revoking_without_a_token_says_so(alice):
    response = logged_in(alice).post(REVOKE, follow=True)
    assert "Ce compte n'avait pas de jeton." in html.unescape(text(response))


def test_the_token_forms_refuse_get_and_a_missing_csrf_token(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.get(ISSUE).status_code == 405
    assert client.post(ISSUE).status_code == 403
    Token.objects.create(user=alice)
    assert client.post(REVOKE).status_code == 403
    assert Token.objects.filter(user=alice).exists()


def test_the_page_speaks_english_and_dutch(alice):
    client = logged_in(alice)
    assert "My account" in text(client.get("/en" + ACCOUNT))
    assert "Mijn account" in text(client.get("/nl" + ACCOUNT))


def test_an_account_without_organisation_is_shown_the_way_to_one():
    lonely = f.UserFactory()
    page = text(logged_in(lonely).get(ACCOUNT))
    assert "Ce compte n'appartient encore à aucune organisation." in page


def test_the_api_documentation_says_where_the_token_is_made(client):
    page = text(client.get("/api/v1/docs/"))
    assert "S'authentifier" in html.unescape(page)
    assert f'href="{ACCOUNT}"' in page
