"""Accounts in the browser: registering with a confirmation e-mail, logging in while the
address is not confirmed, asking for a new link, resetting a forgotten password."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from portal.models import User
from portal.tokens import email_confirmation_token
from tests import factories as f
from tests.pages.test_public_pages import parse, text

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
NEW_PASSWORD = "staple-orbit-lantern-42"


# --- helpers -------------------------------------------------------------------------------


def registration(**overrides) -> dict[str, str]:
    data = {
        "email": "Nadia.Benali@Asso.example.org",
        "first_name": "Nadia",
        "last_name": "Benali",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        "preferred_language": "fr",
    }
    return {**data, **overrides}


def link_in(message) -> str:
    """The path of the one link of an e-mail (the test server's host removed)."""
    links = re.findall(r"http://testserver(/\S+)", message.body)
    assert len(links) == 1, message.body
    return links[0]


def log_in(client, email: str, password: str):
    return client.post(reverse("login"), {"username": email, "password": password})


def logged_in_as(client) -> User | None:
    pk = client.session.get("_auth_user_id")
    return User.objects.get(pk=pk) if pk else None


def main(response) -> str:
    """The content of the page, without the layout (whose CSRF token changes)."""
    return re.search(r"<main.*</main>", text(response), re.S).group(0)


def an_unconfirmed_user(**kwargs) -> User:
    return f.UserFactory(is_active=False, last_login=None, **kwargs)


def field_error(response, name: str) -> str:
    """The error text shown under a field, found through the control's aria-describedby."""
    page = text(response)
    control = re.search(rf'<[^>]* name="{name}"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in control, control
    described_by = re.search(r'aria-describedby="([^"]*)"', control).group(1).split()
    error_id = f"id_{name}_error"
    assert error_id in described_by, control
    block = re.search(rf'<div class="field__errors" id="{error_id}">(.*?)</div>', page, re.S)
    return block.group(1)


# --- registering ---------------------------------------------------------------------------


def test_registering_creates_an_inactive_account_and_sends_one_confirmation_email(
    client, mailoutbox
):
    response = client.post(reverse("register"), registration())

    assert response.status_code == 302
    assert response["Location"] == reverse("register_done")
    user = User.objects.get()
    assert user.email == "nadia.benali@asso.example.org"
    assert (user.first_name, user.last_name) == ("Nadia", "Benali")
    assert user.is_active is False
    assert user.check_password(NEW_PASSWORD)
    assert user.preferred_language == "fr"
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["nadia.benali@asso.example.org"]
    assert message.subject == "Confirmez votre adresse e-mail — Portail des fonds européens"
    assert "Bonjour Nadia," in message.body
    assert "Le lien est valable 3 jours" in message.body
    assert link_in(message).startswith("/compte/confirmer/")
    assert "_auth_user_id" not in client.session


def test_the_page_after_registering_asks_to_check_the_inbox(client):
    response = client.post(reverse("register"), registration(), follow=True)

    page = text(response)
    assert "<h1>Vérifiez votre boîte e-mail</h1>" in page
    assert reverse("resend_confirmation") in page


def test_the_confirmation_link_activates_the_account_and_logs_in(client, mailoutbox):
    client.post(reverse("register"), registration())

    response = client.get(link_in(mailoutbox[0]), follow=True)

    assert response.redirect_chain == [(reverse("home"), 302)]
    user = User.objects.get()
    assert user.is_active is True
    assert logged_in_as(client) == user
    page = text(response)
    assert "Votre adresse e-mail est confirmée" in page
    assert "Nadia Benali" in page


def test_a_used_confirmation_link_shows_the_invalid_link_page_and_does_nothing_more(
    client, mailoutbox
):
    client.post(reverse("register"), registration())
    link = link_in(mailoutbox[0])
    client.get(link)
    client.post(reverse("logout"))
    user = User.objects.get()
    user.is_active = False  # an officer deactivates the account afterwards
    user.save(update_fields=["is_active"])

    response = client.get(link)

    assert response.status_code == 400
    assert "Ce lien de confirmation n'est pas valable" in text(response)
    assert "_auth_user_id" not in client.session
    user.refresh_from_db()
    assert user.is_active is False


def test_a_confirmation_link_used_twice_in_a_row_logs_in_only_once(client, mailoutbox):
    client.post(reverse("register"), registration())
    link = link_in(mailoutbox[0])
    client.get(link)
    client.post(reverse("logout"))

    response = client.get(link)

    assert response.status_code == 400
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "tamper",
    [
        lambda uid, token: (uid, token[:-1] + ("a" if token[-1] != "a" else "b")),
        lambda uid, token: (urlsafe_base64_encode(b"999999"), token),
        lambda uid, token: ("not-base64!", token),
        lambda uid, token: (urlsafe_base64_encode(b"99999999999999999999999"), token),
    ],
    ids=["token", "other-user", "garbage-uid", "huge-uid"],
)
def test_a_tampered_confirmation_link_activates_nothing(client, tamper):
    user = an_unconfirmed_user()
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    uid, token = tamper(uid, email_confirmation_token.make_token(user))

    response = client.get(reverse("confirm_email", args=[uid, token]))

    assert response.status_code == 400
    assert "aucun compte n'a été activé" in text(response)
    user.refresh_from_db()
    assert user.is_active is False
    assert "_auth_user_id" not in client.session


def test_a_password_reset_token_is_no_confirmation_token(client):
    from django.contrib.auth.tokens import default_token_generator

    user = an_unconfirmed_user()
    uid = urlsafe_base64_encode(force_bytes(user.pk))

    response = client.get(
        reverse("confirm_email", args=[uid, default_token_generator.make_token(user)])
    )

    assert response.status_code == 400
    user.refresh_from_db()
    assert user.is_active is False


def test_a_link_made_before_an_account_was_deactivated_cannot_reactivate_it(client):
    user = an_unconfirmed_user()
    token = email_confirmation_token.make_token(user)
    # confirmed, used, then deactivated by an officer: inactive again, but it has logged in
    User.objects.filter(pk=user.pk).update(is_active=False, last_login="2026-01-05T10:00Z")

    response = client.get(
        reverse("confirm_email", args=[urlsafe_base64_encode(force_bytes(user.pk)), token])
    )

    assert response.status_code == 400
    user.refresh_from_db()
    assert user.is_active is False


def test_registering_from_the_dutch_pages_records_dutch_and_writes_the_email_in_dutch(
    client, mailoutbox
):
    form = text(client.get("/nl/compte/inscription/"))
    assert '<option value="nl" lang="nl" selected>' in form

    client.post("/nl/compte/inscription/", registration(preferred_language="nl"))

    user = User.objects.get()
    assert user.preferred_language == "nl"
    message = mailoutbox[0]
    assert link_in(message).startswith("/nl/compte/confirmer/")
    assert "Bevestig uw e-mailadres" in message.subject
    assert "Beste Nadia," in message.body


def test_the_language_chosen_on_the_form_wins_over_the_page_language(client, mailoutbox):
    client.post(reverse("register"), registration(preferred_language="en"))

    assert User.objects.get().preferred_language == "en"
    assert link_in(mailoutbox[0]).startswith("/en/compte/confirmer/")
    assert "Confirm your e-mail address" in mailoutbox[0].subject


def test_registering_with_an_address_already_used_in_another_case_is_refused(client, mailoutbox):
    f.UserFactory(email="nadia.benali@asso.example.org")

    response = client.post(reverse("register"), registration(email="NADIA.Benali@asso.EXAMPLE.org"))

    assert response.status_code == 200
    assert "Un compte existe déjà avec cette adresse ; connectez-vous ou réinitialisez" in (
        field_error(response, "email")
    )
    assert User.objects.count() == 1
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"password2": "staple-orbit-lantern-43"}, "password2", "ne correspondent pas"),
        ({"password1": "Xq7#pL2", "password2": "Xq7#pL2"}, "password2", "trop court"),
        ({"password1": "password123", "password2": "password123"}, "password2", "trop courant"),
        ({"email": "nadia.benali@"}, "email", "Saisissez une adresse e-mail valide"),
        ({"email": ""}, "email", "Indiquez votre adresse e-mail."),
        ({"first_name": ""}, "first_name", "Indiquez votre prénom."),
        ({"last_name": "  "}, "last_name", "Indiquez votre nom de famille."),
    ],
    ids=["mismatch", "too-short", "common", "invalid-email", "no-email", "no-first", "no-last"],
)
def test_bad_input_on_registration_is_shown_at_its_field_and_creates_no_account(
    client, mailoutbox, overrides, field, message
):
    response = client.post(reverse("register"), registration(**overrides))

    assert response.status_code == 200
    assert message in field_error(response, field)
    page = parse(response)
    assert page.tags.get("h1") == 1
    assert page.unlabelled_controls() == []
    assert 'role="alert"' in text(response)
    assert f'href="#id_{field}"' in text(response)  # the summary leads to the field
    assert "<title>Erreur — Créer un compte" in text(response)
    assert User.objects.count() == 0
    assert mailoutbox == []


def test_the_registration_form_keeps_what_was_typed_but_not_the_passwords(client):
    response = client.post(reverse("register"), registration(password2="something-else-12"))

    page = text(response)
    assert 'value="Nadia.Benali@Asso.example.org"' in page
    assert 'value="Nadia"' in page
    assert NEW_PASSWORD not in page


def test_a_person_already_logged_in_is_sent_home_from_the_registration_page(client):
    client.force_login(f.UserFactory())

    response = client.get(reverse("register"))

    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_the_registration_page_runs_no_query(client, django_assert_num_queries):
    # An anonymous visitor without a session: the form and the layout need no database.
    with django_assert_num_queries(0):
        response = client.get(reverse("register"))
    assert response.status_code == 200


# --- logging in before confirming ----------------------------------------------------------


def test_an_unconfirmed_account_cannot_log_in_and_is_told_to_confirm_its_address(client):
    an_unconfirmed_user(email="nadia@asso.example.org")

    response = log_in(client, "Nadia@asso.example.org", PASSWORD)

    assert response.status_code == 200
    page = text(response)
    assert "Confirmez d&#x27;abord votre adresse e-mail : un lien vous a été envoyé." in page
    assert f'<a href="{reverse("resend_confirmation")}">Recevoir un nouveau lien</a>' in page
    assert "_auth_user_id" not in client.session


def test_an_unconfirmed_account_with_a_wrong_password_hears_only_incorrect(client):
    an_unconfirmed_user(email="nadia@asso.example.org")

    page = text(log_in(client, "nadia@asso.example.org", "wrong-password"))

    assert "Adresse e-mail ou mot de passe incorrect." in page
    assert "Confirmez d&#x27;abord" not in page


def test_an_account_deactivated_by_staff_is_not_offered_a_confirmation_link(client):
    f.UserFactory(email="old@asso.example.org", is_active=False, last_login="2025-03-01T09:00Z")

    page = text(log_in(client, "old@asso.example.org", PASSWORD))

    assert "Ce compte est désactivé." in page
    assert reverse("resend_confirmation") not in page
    assert "_auth_user_id" not in client.session


def test_the_login_page_links_to_registering_and_to_a_forgotten_password(client):
    page = text(client.get(reverse("login")))

    assert f'<a href="{reverse("password_reset")}">Mot de passe oublié ?</a>' in page
    assert f'<a href="{reverse("register")}">Créer un compte</a>' in page


# --- a new confirmation link ---------------------------------------------------------------


def test_asking_for_a_new_link_answers_the_same_for_an_unknown_address(client, mailoutbox):
    an_unconfirmed_user(email="nadia@asso.example.org")
    f.UserFactory(email="active@asso.example.org")

    answers = [
        client.post(reverse("resend_confirmation"), {"email": email}, follow=True)
        for email in ("nobody@asso.example.org", "active@asso.example.org")
    ]

    for response in answers:
        assert response.redirect_chain == [(reverse("register_done"), 302)]
    assert main(answers[0]) == main(answers[1])
    assert mailoutbox == []


def test_asking_for_a_new_link_sends_one_that_works_to_an_unconfirmed_account(client, mailoutbox):
    user = an_unconfirmed_user(email="nadia@asso.example.org", preferred_language="fr")

    response = client.post(reverse("resend_confirmation"), {"email": "NADIA@asso.example.org"})

    assert response["Location"] == reverse("register_done")
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["nadia@asso.example.org"]
    client.get(link_in(mailoutbox[0]))
    user.refresh_from_db()
    assert user.is_active is True
    assert logged_in_as(client) == user


def test_asking_for_a_new_link_sends_nothing_to_a_deactivated_account(client, mailoutbox):
    f.UserFactory(email="old@asso.example.org", is_active=False, last_login="2025-03-01T09:00Z")

    client.post(reverse("resend_confirmation"), {"email": "old@asso.example.org"})

    assert mailoutbox == []


def test_asking_for_a_new_link_with_an_invalid_address_says_so_at_the_field(client):
    response = client.post(reverse("resend_confirmation"), {"email": "nadia@"})

    assert response.status_code == 200
    assert "Saisissez une adresse e-mail valide" in field_error(response, "email")


# --- a forgotten password ------------------------------------------------------------------


def test_a_password_reset_emails_a_link_to_a_known_active_address(client, mailoutbox):
    f.UserFactory(email="alice@a.example.org", first_name="Alice")

    response = client.post(reverse("password_reset"), {"email": "Alice@A.example.org"})

    assert response["Location"] == reverse("password_reset_done")
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["alice@a.example.org"]
    assert message.subject == "Choisir un nouveau mot de passe — Portail des fonds européens"
    assert "Bonjour Alice," in message.body
    assert "Le lien est valable 3 jours et ne sert qu'une fois." in message.body
    assert link_in(message).startswith("/compte/mot-de-passe/nouveau/")


def test_a_password_reset_for_an_unknown_address_sends_nothing_and_shows_the_same_page(
    client, mailoutbox
):
    f.UserFactory(email="alice@a.example.org")
    known = client.post(reverse("password_reset"), {"email": "alice@a.example.org"}, follow=True)
    mailoutbox.clear()

    unknown = client.post(reverse("password_reset"), {"email": "nobody@a.example.org"}, follow=True)

    assert mailoutbox == []
    assert unknown.redirect_chain == known.redirect_chain
    assert main(unknown) == main(known)
    assert "<h1>Vérifiez votre boîte e-mail</h1>" in text(unknown)


def test_the_password_reset_link_sets_a_new_password_that_logs_in(client, mailoutbox):
    f.UserFactory(email="alice@a.example.org")
    client.post(reverse("password_reset"), {"email": "alice@a.example.org"})

    form_page = client.get(link_in(mailoutbox[0]), follow=True)
    assert "<h1>Choisir un nouveau mot de passe</h1>" in text(form_page)
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "brand-new-lantern-77", "new_password2": "brand-new-lantern-77"},
        follow=True,
    )

    assert done.redirect_chain[-1][0] == reverse("password_reset_complete")
    assert "<h1>Mot de passe changé</h1>" in text(done)
    assert "Adresse e-mail ou mot de passe incorrect." in text(
        log_in(client, "alice@a.example.org", PASSWORD)
    )
    log_in(client, "alice@a.example.org", "brand-new-lantern-77")
    assert logged_in_as(client).email == "alice@a.example.org"


def test_a_used_password_reset_link_is_refused(client, mailoutbox):
    f.UserFactory(email="alice@a.example.org")
    client.post(reverse("password_reset"), {"email": "alice@a.example.org"})
    link = link_in(mailoutbox[0])
    form_page = client.get(link, follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "brand-new-lantern-77", "new_password2": "brand-new-lantern-77"},
    )

    response = client.get(link, follow=True)

    assert "<h1>Ce lien n'est pas valable</h1>" in text(response)


def test_a_too_common_new_password_is_refused_at_its_field(client, mailoutbox):
    f.UserFactory(email="alice@a.example.org")
    client.post(reverse("password_reset"), {"email": "alice@a.example.org"})
    form_page = client.get(link_in(mailoutbox[0]), follow=True)

    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "password123", "new_password2": "password123"},
    )

    assert "trop courant" in field_error(response, "new_password2")


def test_the_password_reset_email_is_written_in_the_persons_language(client, mailoutbox):
    f.UserFactory(email="bob@b.example.org", first_name="Bob", preferred_language="en")

    client.post(reverse("password_reset"), {"email": "bob@b.example.org"})

    message = mailoutbox[0]
    assert link_in(message).startswith("/en/compte/mot-de-passe/nouveau/")
    assert message.subject == "Choose a new password — European funds portal"
    assert "Dear Bob," in message.body


# --- the structure of every new page -------------------------------------------------------


def every_account_page(client, mailoutbox) -> list[str]:
    user = f.UserFactory(email="alice@a.example.org")
    client.post(reverse("password_reset"), {"email": user.email})
    reset_form = client.get(link_in(mailoutbox[0]), follow=True).redirect_chain[-1][0]
    return [
        reverse("register"),
        reverse("register_done"),
        reverse("resend_confirmation"),
        reverse("password_reset"),
        reverse("password_reset_done"),
        reset_form,
        reverse("password_reset_confirm", args=["MQ", "wrong-token"]),
        reverse("password_reset_complete"),
        "/nl/compte/inscription/",
        "/en/compte/mot-de-passe/oubli/",
    ]


def test_every_account_page_has_one_main_one_h1_and_labelled_controls(client, mailoutbox):
    for url in every_account_page(client, mailoutbox):
        response = client.get(url)
        assert response.status_code == 200, url
        page = parse(response)
        assert page.tags.get("main") == 1, url
        assert page.tags.get("h1") == 1, url
        assert page.links[0] == "#contenu", url
        assert page.controls, url
        assert page.unlabelled_controls() == [], url
        assert "<script>" not in text(response), url


def test_the_invalid_confirmation_link_page_keeps_the_structure(client):
    response = client.get(reverse("confirm_email", args=["MQ", "wrong-token"]))

    page = parse(response)
    assert response.status_code == 400
    assert page.tags.get("main") == 1
    assert page.tags.get("h1") == 1
    assert page.html_lang == "fr"


def test_the_account_pages_are_in_french_by_default(client):
    pages = {
        reverse("register"): "Créer un compte",
        reverse("resend_confirmation"): "Recevoir un nouveau lien de confirmation",
        reverse("password_reset"): "Mot de passe oublié",
    }
    for url, heading in pages.items():
        response = client.get(url)
        assert parse(response).html_lang == "fr"
        assert f"<h1>{heading}</h1>" in text(response), url


def test_the_hints_are_tied_to_their_fields(client):
    page = text(client.get(reverse("register")))

    assert 'id="id_email_helptext"' in page
    assert re.search(
        r'<input type="email" name="email"[^>]*aria-describedby="id_email_helptext"', page
    )
    assert 'autocomplete="new-password"' in page
    assert 'autocomplete="given-name"' in page


def test_registering_from_an_invitation_leads_back_to_it_after_confirmation(client, mailoutbox):
    invitation = "/invitations/abc123/"
    page = client.get(reverse("register") + "?next=" + invitation)
    assert f'name="next" value="{invitation}"' in page.content.decode()
    client.post(reverse("register"), {**registration(), "next": invitation})
    link = link_in(mailoutbox[0])
    assert link.endswith("?next=%2Finvitations%2Fabc123%2F")
    response = client.get(link)
    assert response["Location"] == invitation


def test_a_next_address_on_another_site_is_dropped(client, mailoutbox):
    client.post(reverse("register"), {**registration(), "next": "//evil.example/x"})
    link = link_in(mailoutbox[0])
    assert "next" not in link
    response = client.get(link + "?next=https://evil.example/")
    assert response["Location"] == reverse("home")
