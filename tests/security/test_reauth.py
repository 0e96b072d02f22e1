"""Re-authentication before a sensitive change, from the account page: changing the
password (the current one first; this session stays, the others end) and the e-mail
address (the current password first; a link to the new address applies the change, a
notice goes to the old one). A wrong current password changes nothing."""

from __future__ import annotations

import html
import re

import pytest
from django.core import signing
from django.test import Client

from portal.accounts import services
from portal.models import User

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
NEW_PASSWORD = "staple-orbit-lantern-42"
ALICE = "alice@a.example.org"
NEW_EMAIL = "alice.martin@nouvelle.example.org"
PASSWORD_CHANGE = "/compte/mot-de-passe/modifier/"
EMAIL_CHANGE = "/compte/adresse-e-mail/"


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def logged_in_client(email=ALICE, password=PASSWORD, **extra) -> Client:
    client = Client(**extra)
    response = client.post("/connexion/", {"username": email, "password": password})
    assert response.status_code == 302, response.content
    return client


def can_log_in(email, password) -> bool:
    return (
        Client().post("/connexion/", {"username": email, "password": password}).status_code == 302
    )


def page(response) -> str:
    return html.unescape(response.content.decode())


def field_errors(response, name) -> str:
    match = re.search(
        rf'<div class="field__errors" id="id_{name}_error">(.*?)</div>', page(response), re.S
    )
    assert match, page(response)
    return match.group(1)


def link_in(message) -> str:
    links = re.findall(r"http://testserver(/\S+)", message.body)
    assert len(links) == 1, message.body
    return links[0]


def test_the_account_page_offers_both_changes(alice):
    text = page(logged_in_client().get("/compte/"))
    assert f'href="{PASSWORD_CHANGE}"' in text and "Changer mon mot de passe" in text
    assert f'href="{EMAIL_CHANGE}"' in text and "Changer mon adresse e-mail" in text
    # The API token block is still there.
    assert "Accès à l'API" in text


def test_a_visitor_is_sent_to_the_login_page(client):
    for path in (PASSWORD_CHANGE, EMAIL_CHANGE):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/connexion/?next=")


# --- the password ----------------------------------------------------------------------------


def test_the_password_form_asks_for_the_current_password_first(alice):
    text = page(logged_in_client().get(PASSWORD_CHANGE))
    fields = re.findall(r'<input type="password" name="(\w+)"', text)
    assert fields == ["old_password", "new_password1", "new_password2"]
    assert "Mot de passe actuel" in text


def test_changing_the_password_with_the_current_one(alice):
    client = logged_in_client()
    response = client.post(
        PASSWORD_CHANGE,
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/compte/"
    assert "Votre mot de passe est changé." in page(response)
    assert can_log_in(ALICE, NEW_PASSWORD)
    assert not can_log_in(ALICE, PASSWORD)


def test_a_wrong_current_password_changes_nothing(alice):
    client = logged_in_client()
    other = logged_in_client(REMOTE_ADDR="203.0.113.7")
    response = client.post(
        PASSWORD_CHANGE,
        {
            "old_password": "not-my-password",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 200
    assert "Le mot de passe actuel est incorrect : rien n'a été changé." in field_errors(
        response, "old_password"
    )
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)
    assert other.get("/compte/").status_code == 200


def test_a_weak_new_password_is_refused_at_its_field(alice):
    client = logged_in_client()
    response = client.post(
        PASSWORD_CHANGE,
        {"old_password": PASSWORD, "new_password1": "azerty", "new_password2": "azerty"},
    )
    assert response.status_code == 200
    assert field_errors(response, "new_password2")
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_guessing_the_current_password_counts_towards_the_lockout(alice):
    client = logged_in_client()
    statuses = [
        client.post(
            PASSWORD_CHANGE,
            {
                "old_password": f"guess-{n}",
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
        ).status_code
        for n in range(5)
    ]
    assert statuses == [200, 200, 200, 200, 429]
    assert not can_log_in(ALICE, PASSWORD)


# --- the e-mail address ----------------------------------------------------------------------


def ask_email_change(client, new_email=NEW_EMAIL, password=PASSWORD, **kwargs):
    return client.post(
        EMAIL_CHANGE, {"new_email": new_email, "current_password": password}, **kwargs
    )


def test_changing_the_address_sends_a_link_to_the_new_one_and_a_notice_to_the_old(
    alice, mailoutbox
):
    client = logged_in_client()
    response = ask_email_change(client, new_email="Alice.Martin@Nouvelle.example.org", follow=True)
    assert "Un lien de confirmation a été envoyé à alice.martin@nouvelle.example.org." in page(
        response
    )
    confirm, notice = mailoutbox
    assert confirm.to == [NEW_EMAIL]
    assert notice.to == [ALICE]
    assert NEW_EMAIL in notice.body
    assert "/compte/mot-de-passe/oubli/" in notice.body
    # Nothing changes until the link is followed.
    alice.refresh_from_db()
    assert alice.email == ALICE

    followed = client.get(link_in(confirm), follow=True)
    assert f"Votre adresse e-mail est maintenant {NEW_EMAIL}" in page(followed)
    alice.refresh_from_db()
    assert alice.email == NEW_EMAIL
    assert can_log_in(NEW_EMAIL, PASSWORD)
    assert not can_log_in(ALICE, PASSWORD)


def test_the_link_works_once(alice, mailoutbox):
    client = logged_in_client()
    ask_email_change(client)
    link = link_in(mailoutbox[0])
    assert client.get(link).status_code == 302
    again = client.get(link)
    assert again.status_code == 400
    assert "n'a pas été changée" in page(again)


def test_the_link_works_from_another_browser(alice, mailoutbox):
    ask_email_change(logged_in_client())
    response = Client().get(link_in(mailoutbox[0]))
    assert response.status_code == 302
    assert response["Location"] == "/connexion/"
    alice.refresh_from_db()
    assert alice.email == NEW_EMAIL


def test_a_tampered_or_expired_link_changes_nothing(alice, mailoutbox, settings):
    client = logged_in_client()
    ask_email_change(client)
    link = link_in(mailoutbox[0])
    assert client.get(link[:-3] + "xx/").status_code == 400
    settings.PASSWORD_RESET_TIMEOUT = -1
    assert client.get(link).status_code == 400
    alice.refresh_from_db()
    assert alice.email == ALICE


def test_an_address_taken_in_the_meantime_is_not_applied(alice, bob, mailoutbox):
    client = logged_in_client()
    ask_email_change(client)
    User.objects.filter(pk=bob.pk).update(email=NEW_EMAIL)
    assert client.get(link_in(mailoutbox[0])).status_code == 400
    alice.refresh_from_db()
    assert alice.email == ALICE


def test_a_wrong_current_password_sends_nothing_and_changes_nothing(alice, mailoutbox):
    response = ask_email_change(logged_in_client(), password="not-my-password")
    assert response.status_code == 200
    assert "Le mot de passe actuel est incorrect" in field_errors(response, "current_password")
    assert mailoutbox == []
    alice.refresh_from_db()
    assert alice.email == ALICE


def test_an_address_of_another_account_or_the_same_is_refused(alice, bob, mailoutbox):
    client = logged_in_client()
    taken = ask_email_change(client, new_email="BOB@b.example.org")
    assert "Un autre compte utilise déjà cette adresse." in field_errors(taken, "new_email")
    same = ask_email_change(client, new_email=ALICE)
    assert "C'est déjà l'adresse de votre compte." in field_errors(same, "new_email")
    assert mailoutbox == []


def test_the_link_leads_to_the_pages_in_the_persons_language(alice, mailoutbox):
    alice.preferred_language = "en"
    alice.save()
    ask_email_change(logged_in_client())
    assert link_in(mailoutbox[0]).startswith("/en/compte/adresse-e-mail/confirmer/")


def test_the_service_refuses_a_link_signed_for_another_purpose(alice):
    forged = signing.dumps({"user": alice.pk, "from": ALICE, "to": NEW_EMAIL}, salt="other")
    assert services.email_change_accept(token=forged) is None
    alice.refresh_from_db()
    assert alice.email == ALICE
