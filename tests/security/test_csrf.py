"""Cross-site request forgery: no form of the portal and no write of the API is accepted
without its CSRF token, nor from another site's page.

The pages: every URL pattern outside the API (the admin's included) is found by walking the
URL resolver, so a view added later is covered without touching this file. Django's
``CsrfViewMiddleware`` decides before the view runs, whatever the view does with the
method, so each pattern is posted to with sample arguments (the object need not exist): with
no token, and with a valid token sent from another origin, it must answer the portal's
"form expired" page (403); with a valid token from the portal's own origin the request must
get past that check (the view then answers as it would), which shows the refusals come from
the CSRF check and not from something else.

The API: its views are exempt from the middleware, and Django REST framework checks the
token itself, in ``SessionAuthentication`` only: a write authenticated by the session cookie
(which the browser attaches to a forged cross-site request) needs the token and the
portal's origin, and is refused in the API's JSON error shape otherwise. A write
authenticated by ``Authorization: Token …`` needs no CSRF token: a browser never adds that
header by itself to a request another site makes it send, so a forged request cannot carry
it (and the token is never kept in a cookie)."""

from __future__ import annotations

import itertools
import re

import pytest
from django.conf import settings
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.urls import (
    NoReverseMatch,
    URLPattern,
    URLResolver,
    get_resolver,
    resolve,
    reverse,
)
from django.utils import translation
from rest_framework.authtoken.models import Token

from applications.models import Application
from reporting.models import GeneratedDocument

pytestmark = pytest.mark.django_db

EVIL = "https://evil.example"
SAME_ORIGIN = "http://testserver"
# Values tried for each URL argument, the first that the pattern accepts is taken.
SAMPLES = ["1", "AAP-2026-001", "portal", "x", "00000000-0000-0000-0000-000000000001"]


# --- the URL patterns outside the API ------------------------------------------------------


def _patterns(resolver: URLResolver, prefix: str = "", namespace: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace or ""
            if entry.namespace is None:
                inner = namespace
            yield from _patterns(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), namespace, entry


def _argument_names(route: str) -> list[str]:
    names = re.findall(r"<(?:\w+:)?(\w+)>", route)
    names += re.findall(r"\(\?P<(\w+)>", route)
    return names


def _address(route: str, namespace: str, pattern: URLPattern) -> str:
    """The pattern's address with the first sample values it accepts."""
    if pattern.name is None:
        # Unnamed (the admin's redirects and its final catch-all): the route with "1" for
        # each argument, checked to lead to the same view.
        address = "/" + re.sub(r"<[^>]+>|\(\?P<\w+>[^)]*\)", "1", route).strip("^$")
        address = address.replace("^", "").replace("$", "")
        assert resolve(address).func == pattern.callback, route
        return address
    name = f"{namespace}:{pattern.name}" if namespace else pattern.name
    names = _argument_names(route)
    for values in itertools.product(SAMPLES, repeat=len(names)):
        try:
            return reverse(name, kwargs=dict(zip(names, values, strict=True)))
        except NoReverseMatch:
            continue
    raise AssertionError(f"no sample address for {name} ({route})")


def page_addresses() -> dict[str, str]:
    """{route: an address} for every URL pattern outside /api/, in French (no prefix)."""
    addresses = {}
    with translation.override(settings.LANGUAGE_CODE):
        for route, namespace, pattern in _patterns(get_resolver()):
            if namespace == "api" or route.startswith("api/"):
                continue
            addresses[route] = _address(route, namespace, pattern)
    return addresses


def test_the_walk_finds_the_portals_forms_and_the_admin():
    """The walk is not empty and reaches the forms users post to (a sanity check of the
    walk itself: the refusals below are asserted for every address it finds)."""
    addresses = page_addresses()
    routes = set(addresses)

    assert len(addresses) > 100
    for route in (
        "connexion/",
        "deconnexion/",
        "compte/session/",
        "i18n/setlang/",
        "dossiers/<str:reference>/identification/",
        "dossiers/<str:reference>/pieces/",
        "dossiers/<str:reference>/depot/",
        "instruction/dossiers/<str:reference>/decision/",
        "evaluations/<int:pk>/",
        "projets/<str:reference>/rapports/<int:number>/remettre/",
        "documents/demander/",
        "admin/login/",
    ):
        assert any(found.endswith(route) for found in routes), route


def test_no_view_outside_the_api_is_exempt_from_the_csrf_check():
    exempt = [
        route
        for route, namespace, pattern in _patterns(get_resolver())
        if namespace != "api"
        and not route.startswith("api/")
        and getattr(pattern.callback, "csrf_exempt", False)
    ]

    assert exempt == []


# --- the pages ------------------------------------------------------------------------------


@pytest.fixture
def signed_in(alice):
    """Alice, signed in, in a browser that checks CSRF as a real one would be checked."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    return client


def with_token(client: Client) -> str:
    """A valid CSRF token in the client's cookie; the same value is to be sent back."""
    token = _get_new_csrf_string()
    client.cookies[settings.CSRF_COOKIE_NAME] = token
    return token


def is_csrf_refusal(response) -> bool:
    return response.status_code == 403 and "403_csrf.html" in [
        template.name for template in response.templates
    ]


def test_every_form_refuses_a_post_without_its_token(signed_in):
    accepted = [
        address
        for address in page_addresses().values()
        if not is_csrf_refusal(signed_in.post(address, {"anything": "1"}))
    ]

    assert accepted == []


def test_every_form_refuses_a_post_from_another_site_even_with_a_valid_token(signed_in):
    token = with_token(signed_in)

    accepted = [
        address
        for address in page_addresses().values()
        if not is_csrf_refusal(
            signed_in.post(
                address, {"csrfmiddlewaretoken": token}, HTTP_ORIGIN=EVIL, HTTP_X_CSRFTOKEN=token
            )
        )
    ]

    assert accepted == []


def test_with_its_token_from_the_portal_a_post_gets_past_the_check(alice):
    """The control of the two tests above: the same posts, with the token and the portal's
    own origin, are never refused by the CSRF check (each view answers as it does: a form
    with its errors, a redirect, a 404, a 405...)."""
    refused = []
    for address in page_addresses().values():
        client = Client(enforce_csrf_checks=True)
        client.force_login(alice)
        token = with_token(client)
        response = client.post(
            address, {"csrfmiddlewaretoken": token}, HTTP_ORIGIN=SAME_ORIGIN, HTTP_X_CSRFTOKEN=token
        )
        if is_csrf_refusal(response):
            refused.append(address)

    assert refused == []


def test_the_expired_form_page_says_what_happened_and_what_to_do(signed_in):
    response = signed_in.post(
        reverse("session_keepalive"), HTTP_REFERER="http://testserver/compte/"
    )

    assert response.status_code == 403
    page = response.content.decode()
    assert "Formulaire expiré" in page
    assert "Rechargez la page du formulaire" in page
    assert "Rien n'a été enregistré" in page
    assert 'href="http://testserver/compte/"' in page  # back to the form's page
    assert "CSRF" not in page  # no technical reason shown
    assert response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


def test_the_expired_form_page_never_links_back_to_another_site(signed_in):
    response = signed_in.post(reverse("logout"), HTTP_REFERER=f"{EVIL}/piege/")

    assert response.status_code == 403
    page = response.content.decode()
    assert "evil.example" not in page
    assert "Revenir au formulaire" not in page


def test_a_refused_form_changes_nothing(signed_in, alice, dossier):
    """Alice's dossier title posted without a token stays as it was."""
    title = dossier.title
    response = signed_in.post(
        reverse("applications:identification", args=[dossier.reference]),
        {"title": "Titre forgé par un autre site"},
        HTTP_ORIGIN=EVIL,
    )

    assert response.status_code == 403
    dossier.refresh_from_db()
    assert dossier.title == title


# --- the API --------------------------------------------------------------------------------


def api_session(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def assert_api_csrf_refusal(response) -> None:
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"code", "message", "errors"}
    assert body["code"] == "permission_denied"
    assert "CSRF" in body["message"]
    assert body["errors"] == {}


API_WRITES = [
    ("post", "api:application-list", {"call": "AAP-2026-001", "acronym": "FORGE"}),
    ("post", "api:document-list", {"kind": "dossier"}),
    ("delete", "api:auth_token", None),
]


@pytest.mark.parametrize(("method", "name", "data"), API_WRITES)
def test_an_api_write_by_the_session_without_the_token_is_refused(alice, method, name, data):
    Token.objects.create(user=alice)
    client = api_session(alice)

    response = getattr(client, method)(reverse(name), data, content_type="application/json")

    assert_api_csrf_refusal(response)


@pytest.mark.parametrize(("method", "name", "data"), API_WRITES)
def test_an_api_write_by_the_session_from_another_site_is_refused(alice, method, name, data):
    """Only the session cookie (as a forged request from another site carries it), a valid
    CSRF token even, and a foreign Origin."""
    Token.objects.create(user=alice)
    client = api_session(alice)
    token = with_token(client)

    response = getattr(client, method)(
        reverse(name),
        data,
        content_type="application/json",
        HTTP_ORIGIN=EVIL,
        HTTP_X_CSRFTOKEN=token,
    )

    assert_api_csrf_refusal(response)


def test_refused_api_writes_change_nothing(alice, call):
    Token.objects.create(user=alice)
    client = api_session(alice)
    for method, name, data in API_WRITES:
        getattr(client, method)(reverse(name), data, content_type="application/json")

    assert not Application.objects.exists()
    assert not GeneratedDocument.objects.exists()
    assert Token.objects.filter(user=alice).exists()


def test_the_session_with_its_token_from_the_portal_may_write(alice):
    """The control: the same session, the token and the portal's origin, revokes the API
    token (so the refusals above are the CSRF check's)."""
    Token.objects.create(user=alice)
    client = api_session(alice)
    token = with_token(client)

    response = client.delete(
        reverse("api:auth_token"), HTTP_ORIGIN=SAME_ORIGIN, HTTP_X_CSRFTOKEN=token
    )

    assert response.status_code == 204
    assert not Token.objects.filter(user=alice).exists()


def test_a_write_by_an_api_token_needs_no_csrf_token_whatever_its_origin(alice):
    """A program sending ``Authorization: Token …`` is not a browser replaying a cookie:
    no CSRF token is asked for, wherever the request says it comes from."""
    token = Token.objects.create(user=alice)
    client = Client(enforce_csrf_checks=True)

    response = client.delete(
        reverse("api:auth_token"), HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_ORIGIN=EVIL
    )

    assert response.status_code == 204
    assert not Token.objects.filter(user=alice).exists()


def test_the_api_token_is_never_kept_in_a_cookie(alice):
    """The token is given in the response body only: a forged request cannot carry it."""
    alice.set_password("correct horse battery")
    alice.save()
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        reverse("api:auth_token"),
        {"email": alice.email, "password": "correct horse battery"},
        content_type="application/json",
    )

    assert response.status_code == 200
    key = response.json()["token"]
    assert all(key not in morsel.value for morsel in response.cookies.values())
