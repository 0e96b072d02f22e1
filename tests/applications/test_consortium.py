"""The consortium pages: the partners and invitations, inviting a partner and the whole
invitation flow by its e-mailed link, each partner's page (identity, contact, commitment),
removing a partner and changing the lead; who may do what; query counts."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from applications.models import Application, SectionVersion
from partners.choices import InvitationStatus, PartnerRole
from partners.models import Invitation, Partner
from tests import factories as f

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
LINK = re.compile(r"http://testserver(/invitations/[A-Za-z0-9_-]+/)")


def _url(name, application, *args):
    return reverse(f"applications:{name}", args=[application.reference, *args])


def _accept_url(token):
    return reverse("applications:invitation_accept", args=[token])


def _submit(application):
    Application.objects.filter(pk=application.pk).update(status="submitted")


def _html(response):
    """The page's text as a person reads it (entities decoded)."""
    return html.unescape(response.content.decode())


@pytest.fixture
def draft(call, org_a, alice):
    """A dossier led by Alice's organisation A, alone in its consortium."""
    return f.lead_application(call=call, organisation=org_a, created_by=alice)


def _invite(client, application, email="bob@b.example.org", message=""):
    return client.post(_url("consortium_invite", application), {"email": email, "message": message})


def _link_from_outbox():
    assert len(mail.outbox) == 1
    match = LINK.search(mail.outbox[0].body)
    assert match, mail.outbox[0].body
    return match.group(1)


# --- the whole flow -------------------------------------------------------------------------


def test_the_lead_invites_and_the_partner_accepts_by_the_mailed_link(
    client, alice, bob, org_b, draft, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(client, draft, message="Rejoignez-nous.")
    assert response.status_code == 302
    assert response.url == _url("consortium", draft)
    page = _html(client.get(response.url))
    assert "Une invitation est envoyée à bob@b.example.org" in page
    assert "bob@b.example.org" in page and "Annuler l'invitation" in page
    assert mail.outbox[0].to == ["bob@b.example.org"]
    link = _link_from_outbox()

    # Bob, not logged in, is told to log in and come back.
    client.logout()
    response = client.get(link)
    assert response.status_code == 200
    page = _html(response)
    assert draft.acronym in page and draft.title in page
    assert "Organisation A" in page
    assert f'href="/connexion/?next={link}"' in page
    assert "Connectez-vous pour répondre" in page

    # Logged in, he sees the dossier and chooses his organisation.
    client.force_login(bob)
    page = _html(client.get(link))
    assert draft.call.reference in page and draft.call.title in page
    assert "Rejoignez-nous." in page
    assert "Organisation B" in page and 'type="radio"' in page
    response = client.post(link, {"organisation": org_b.pk})
    assert response.status_code == 302
    assert response.url == _url("overview", draft)
    partner = draft.partners.get(organisation=org_b)
    assert (partner.number, partner.role, partner.contact_email) == (
        2,
        PartnerRole.PARTNER,
        "bob@b.example.org",
    )
    overview = client.get(response.url)
    assert overview.status_code == 200
    assert "Organisation B a rejoint le partenariat" in _html(overview)
    invitation = Invitation.objects.get()
    assert invitation.status == InvitationStatus.ACCEPTED
    assert invitation.accepted_by == bob

    # Bob now edits his own partner's page.
    assert client.get(_url("partner_edit", draft, 2)).status_code == 200
    response = client.post(
        _url("partner_edit", draft, 2),
        {"version": "0", "contact_name": "Bob P.", "contact_email": "bob@b.example.org"},
    )
    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.contact_name == "Bob P."


def test_a_second_click_on_accept_creates_one_partner(client, bob, org_b, draft, alice):
    f.InvitationFactory(application=draft, invited_by=alice, token="double")
    client.force_login(bob)
    first = client.post(_accept_url("double"), {"organisation": org_b.pk})
    second = client.post(_accept_url("double"), {"organisation": org_b.pk})
    assert first.status_code == 302
    assert second.status_code == 302  # taken to the dossier, told it is done
    assert second.url == _url("overview", draft)
    assert "Vous avez déjà accepté cette invitation" in _html(client.get(second.url))
    assert draft.partners.filter(organisation=org_b).count() == 1
    assert draft.partners.count() == 2


def test_a_used_link_is_refused_to_anyone_else(client, bob, charlie, org_b, draft, alice):
    f.InvitationFactory(application=draft, invited_by=alice, token="used")
    client.force_login(bob)
    client.post(_accept_url("used"), {"organisation": org_b.pk})
    client.force_login(charlie)
    response = client.get(_accept_url("used"))
    assert response.status_code == 404
    assert "déjà été acceptée" in _html(response)
    response = client.post(_accept_url("used"), {"organisation": org_b.pk})
    assert response.status_code == 404
    assert draft.partners.count() == 2


def test_an_expired_link_says_so_and_accepts_nothing(client, bob, org_b, draft, alice):
    old = f.InvitationFactory(application=draft, invited_by=alice, token="old")
    Invitation.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - dt.timedelta(days=20),
        expires_at=timezone.now() - dt.timedelta(days=6),
    )
    client.force_login(bob)
    response = client.get(_accept_url("old"))
    assert response.status_code == 404
    assert "a expiré le" in _html(response)
    assert client.post(_accept_url("old"), {"organisation": org_b.pk}).status_code == 404
    assert draft.partners.count() == 1


def test_an_unknown_link_says_so(client, bob):
    client.force_login(bob)
    response = client.get(_accept_url("not-a-token"))
    assert response.status_code == 404
    assert "pas valable" in _html(response)


def test_the_lead_cancels_an_invitation_and_its_link_stops_working(
    client, alice, bob, org_b, draft
):
    invitation = f.InvitationFactory(application=draft, invited_by=alice, token="cancel-me")
    client.force_login(alice)
    response = client.post(_url("invitation_cancel", draft, invitation.pk))
    assert response.status_code == 302
    page = _html(client.get(response.url))
    assert "est annulée" in page
    assert "Aucune invitation n'attend de réponse." in page
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.REVOKED
    client.force_login(bob)
    response = client.get(_accept_url("cancel-me"))
    assert response.status_code == 404
    assert "annulée" in _html(response)


def test_cancelling_an_invitation_of_another_dossier_is_a_404(client, alice, draft, call):
    other = f.InvitationFactory(application=f.lead_application(call=call))
    client.force_login(alice)
    assert client.post(_url("invitation_cancel", draft, other.pk)).status_code == 404
    other.refresh_from_db()
    assert other.status == InvitationStatus.PENDING


def test_an_account_not_member_of_the_chosen_organisation_is_refused(
    client, charlie, org_b, draft, alice
):
    f.InvitationFactory(application=draft, invited_by=alice, token="wrong")
    client.force_login(charlie)
    page = _html(client.get(_accept_url("wrong")))
    assert "Organisation C" in page and "Organisation B" not in page
    response = client.post(_accept_url("wrong"), {"organisation": org_b.pk})
    assert response.status_code == 422
    assert "Choisissez une organisation dont vous êtes membre" in _html(response)
    assert draft.partners.count() == 1
    assert Invitation.objects.get().status == InvitationStatus.PENDING


def test_accepting_without_choosing_an_organisation_is_refused(client, bob, draft, alice):
    f.InvitationFactory(application=draft, invited_by=alice, token="empty")
    client.force_login(bob)
    response = client.post(_accept_url("empty"), {})
    assert response.status_code == 422
    assert "Choisissez l'organisation au nom de laquelle vous acceptez." in _html(response)
    assert draft.partners.count() == 1


def test_a_user_without_organisation_is_offered_to_register_one(client, draft, alice):
    newcomer = f.UserFactory(email="new@example.org")
    f.InvitationFactory(application=draft, invited_by=alice, token="newcomer")
    client.force_login(newcomer)
    response = client.get(_accept_url("newcomer"))
    assert response.status_code == 200
    page = _html(response)
    assert "aucune organisation" in page
    assert reverse("partners:create") + "?next=/invitations/newcomer/" in page
    assert 'type="radio"' not in page


def test_an_organisation_already_in_the_consortium_is_not_offered(client, bob, dossier, alice):
    f.InvitationFactory(application=dossier, invited_by=alice, token="again")
    client.force_login(bob)
    page = _html(client.get(_accept_url("again")))
    assert "Organisation B fait déjà partie de ce partenariat." in page
    assert 'type="radio"' not in page


def test_a_visitor_posting_is_sent_to_log_in(client, draft, alice, org_b):
    f.InvitationFactory(application=draft, invited_by=alice, token="visitor")
    response = client.post(_accept_url("visitor"), {"organisation": org_b.pk})
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert "next=/invitations/visitor/" in response.url.replace("%2F", "/")
    assert draft.partners.count() == 1


# --- inviting: bad input and refusals -------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "pas-une-adresse", "message": ""}, "Saisissez une adresse e-mail valide."),
        ({"email": "", "message": ""}, "Ce champ est obligatoire."),
        ({"email": "ok@example.org", "message": "x" * 2001}, "au plus 2000 caractères"),
    ],
)
def test_a_bad_invitation_is_refused_with_a_message_and_nothing_sent(
    client, alice, draft, data, message
):
    client.force_login(alice)
    response = client.post(_url("consortium_invite", draft), data)
    assert response.status_code == 422
    page = _html(response)
    assert message in page.replace("\u202f", " ").replace("&nbsp;", " ")
    assert "Le formulaire contient des erreurs" in page
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_inviting_an_address_already_waiting_is_refused(client, alice, draft):
    client.force_login(alice)
    _invite(client, draft)
    response = _invite(client, draft)
    assert response.status_code == 422
    assert "attend déjà une réponse" in _html(response)
    assert Invitation.objects.count() == 1


def test_inviting_a_member_of_a_partner_is_refused(client, alice, bob, dossier):
    client.force_login(alice)
    response = _invite(client, dossier, email="bob@b.example.org")
    assert response.status_code == 422
    assert "fait déjà partie du partenariat" in _html(response)
    assert not Invitation.objects.exists()


# --- permissions ----------------------------------------------------------------------------


def _every_consortium_url(dossier, invitation):
    return [
        _url("consortium", dossier),
        _url("consortium_invite", dossier),
        _url("invitation_cancel", dossier, invitation.pk),
        _url("partner_edit", dossier, 1),
        _url("partner_edit", dossier, 2),
        _url("partner_commitment", dossier, 2),
        _url("partner_remove", dossier, 2),
        _url("partner_make_lead", dossier, 2),
    ]


def test_an_unrelated_member_gets_404_on_every_consortium_page(client, charlie, dossier, alice):
    invitation = f.InvitationFactory(application=dossier, invited_by=alice)
    client.force_login(charlie)
    for url in _every_consortium_url(dossier, invitation):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"email": "x@example.org"}).status_code == 404, url
    assert dossier.partners.count() == 2
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING
    assert not Invitation.objects.exclude(pk=invitation.pk).exists()


def test_a_visitor_is_sent_to_log_in_from_every_consortium_page(client, dossier, alice):
    invitation = f.InvitationFactory(application=dossier, invited_by=alice)
    for url in _every_consortium_url(dossier, invitation):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url


def test_an_unknown_partner_number_is_a_404(client, alice, dossier):
    client.force_login(alice)
    assert client.get(_url("partner_edit", dossier, 9)).status_code == 404
    assert client.post(_url("partner_remove", dossier, 9)).status_code == 404


def test_a_partner_reads_the_consortium_but_cannot_change_it(client, bob, dossier, alice, org_b):
    invitation = f.InvitationFactory(application=dossier, invited_by=alice)
    client.force_login(bob)
    page = _html(client.get(_url("consortium", dossier)))
    assert "Organisation A" in page and "Organisation B" in page
    assert "Envoyer l'invitation" not in page
    assert "Annuler l'invitation" not in page
    assert "Retirer" not in page
    for url, data in [
        (_url("consortium_invite", dossier), {"email": "new@example.org"}),
        (_url("invitation_cancel", dossier, invitation.pk), {}),
        (_url("partner_remove", dossier, 2), {}),
        (_url("partner_make_lead", dossier, 2), {}),
        (_url("partner_remove", dossier, 1), {}),
        (_url("partner_make_lead", dossier, 1), {}),
    ]:
        response = client.post(url, data)
        assert response.status_code == 403, url
        assert "Seuls les membres du chef de file" in _html(response)
    assert client.get(_url("partner_remove", dossier, 2)).status_code == 403
    assert client.get(_url("partner_make_lead", dossier, 2)).status_code == 403
    assert list(dossier.partners.values_list("number", "role")) == [
        (1, PartnerRole.LEAD),
        (2, PartnerRole.PARTNER),
    ]
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING
    assert Invitation.objects.count() == 1


def test_a_partner_edits_its_own_contact_but_not_another_partners(client, bob, dossier):
    client.force_login(bob)
    data = {"version": "0", "contact_name": "Bob", "contact_email": "bob@b.example.org"}
    own = client.post(_url("partner_edit", dossier, 2), data, **HTMX)
    assert own.status_code == 200
    assert "Enregistré à" in _html(own)
    lead_page = client.get(_url("partner_edit", dossier, 1))
    assert lead_page.status_code == 200
    assert "remplie par les membres de Organisation A" in _html(lead_page)
    assert "disabled" in _html(lead_page)
    response = client.post(_url("partner_edit", dossier, 1), {**data, "contact_name": "Pirate"})
    assert response.status_code == 403
    lead = dossier.partners.get(number=1)
    assert lead.contact_name != "Pirate"
    assert dossier.partners.get(number=2).contact_name == "Bob"


def test_the_lead_reads_a_partners_contact_but_cannot_change_it(client, alice, dossier):
    client.force_login(alice)
    response = client.post(
        _url("partner_edit", dossier, 2),
        {"version": "0", "contact_name": "Alice", "contact_email": "a@example.org"},
    )
    assert response.status_code == 403
    assert dossier.partners.get(number=2).contact_name != "Alice"


def test_nobody_changes_the_consortium_of_a_submitted_dossier(client, alice, bob, dossier):
    invitation = f.InvitationFactory(application=dossier, invited_by=alice)
    _submit(dossier)
    client.force_login(alice)
    page = _html(client.get(_url("consortium", dossier)))
    assert "ne se modifie plus" in page
    assert "Envoyer l'invitation" not in page
    contact = {"version": "0", "contact_name": "X", "contact_email": "x@example.org"}
    for url, data in [
        (_url("consortium_invite", dossier), {"email": "new@example.org"}),
        (_url("invitation_cancel", dossier, invitation.pk), {}),
        (_url("partner_remove", dossier, 2), {}),
        (_url("partner_make_lead", dossier, 2), {}),
        (_url("partner_edit", dossier, 1), contact),
        (_url("partner_commitment", dossier, 1), {}),
    ]:
        assert client.post(url, data).status_code == 403, url
    client.force_login(bob)
    assert client.post(_url("partner_edit", dossier, 2), contact).status_code == 403
    assert client.post(_url("partner_commitment", dossier, 2)).status_code == 403
    assert dossier.partners.count() == 2
    assert not dossier.partners.filter(commitment_signed_at__isnull=False).exists()
    assert not dossier.partners.filter(contact_name="X").exists()
    assert Invitation.objects.get().status == InvitationStatus.PENDING
    assert not SectionVersion.objects.exists()


# --- a partner's page -----------------------------------------------------------------------


def test_the_partner_page_shows_the_registered_identity(client, alice, bob, dossier, org_b):
    client.force_login(bob)
    page = _html(client.get(_url("partner_edit", dossier, 2)))
    assert "Partenaire n° 2 : Organisation B" in page
    assert org_b.enterprise_number in page
    assert "Belgique" in page
    assert reverse("partners:detail", args=[org_b.pk]) in page
    assert 'name="contact_email"' in page
    client.force_login(alice)
    page = _html(client.get(_url("partner_edit", dossier, 2)))
    assert "Organisation B" in page
    assert reverse("partners:detail", args=[org_b.pk]) not in page
    assert "Désigner comme chef de file" in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"contact_email": "pas-une-adresse"}, "Saisissez une adresse e-mail valide."),
        ({"contact_name": ""}, "Indiquez le nom de la personne de contact."),
        ({"contact_email": ""}, "Indiquez l'adresse e-mail de la personne de contact."),
        ({"contact_phone": "appelez-moi"}, "Indiquez un numéro de téléphone"),
    ],
)
def test_a_bad_contact_is_refused_with_a_message_and_nothing_saved(
    client, bob, dossier, changes, message
):
    client.force_login(bob)
    data = {
        "version": "0",
        "contact_name": "Bob",
        "contact_email": "bob@b.example.org",
        "contact_phone": "+32 2 000 00 00",
        "save": "1",
        **changes,
    }
    response = client.post(_url("partner_edit", dossier, 2), data)
    assert response.status_code == 422
    assert message in _html(response)
    partner = dossier.partners.get(number=2)
    assert partner.contact_name == ""
    assert not SectionVersion.objects.exists()


def test_a_member_signs_the_commitment_letter_and_sees_who_signed(client, bob, dossier, alice):
    client.force_login(bob)
    page = _html(client.get(_url("partner_edit", dossier, 2)))
    assert "Signer la lettre d'engagement" in page
    response = client.post(_url("partner_commitment", dossier, 2))
    assert response.status_code == 302
    assert response.url == _url("partner_edit", dossier, 2)
    page = _html(client.get(response.url))
    assert "Signée par Bob Peeters le" in page
    assert "Signer la lettre d'engagement" not in page
    again = client.post(_url("partner_commitment", dossier, 2))
    assert again.status_code == 409
    assert "déjà été signée" in _html(again)
    partner = dossier.partners.get(number=2)
    assert partner.commitment_signed_by == bob
    # The lead reads that it is signed; on the consortium page too.
    client.force_login(alice)
    assert "Signée le" in _html(client.get(_url("consortium", dossier)))


def test_nobody_signs_another_partners_letter(client, alice, dossier):
    client.force_login(alice)
    page = _html(client.get(_url("partner_edit", dossier, 2)))
    assert "Signer la lettre d'engagement" not in page
    response = client.post(_url("partner_commitment", dossier, 2))
    assert response.status_code == 403
    assert "Seuls les membres de Organisation B" in _html(response)
    assert dossier.partners.get(number=2).commitment_signed_at is None


# --- removing a partner, changing the lead --------------------------------------------------


def test_the_lead_removes_a_partner_after_a_confirmation(client, alice, bob, dossier, org_b):
    f.BudgetLineFactory(partner=dossier.partners.get(number=2))
    client.force_login(alice)
    confirm = client.get(_url("partner_remove", dossier, 2))
    assert confirm.status_code == 200
    page = _html(confirm)
    assert "Retirer Organisation B du partenariat ?" in page
    assert "lignes de budget" in page
    assert dossier.partners.count() == 2
    response = client.post(_url("partner_remove", dossier, 2))
    assert response.status_code == 302
    assert response.url == _url("consortium", dossier)
    assert "ne fait plus partie du partenariat" in _html(client.get(response.url))
    assert list(dossier.partners.values_list("organisation", flat=True)) != [org_b.pk]
    assert not dossier.partners.filter(organisation=org_b).exists()
    # Bob no longer sees the dossier.
    client.force_login(bob)
    assert client.get(_url("consortium", dossier)).status_code == 404


def test_the_lead_cannot_remove_itself(client, alice, dossier):
    client.force_login(alice)
    assert client.get(_url("partner_remove", dossier, 1)).status_code == 403
    response = client.post(_url("partner_remove", dossier, 1))
    assert response.status_code == 403
    assert "désignez d'abord un autre chef de file" in _html(response)
    assert dossier.partners.count() == 2


def test_the_lead_hands_over_after_a_confirmation(client, alice, bob, dossier, org_a, org_b):
    client.force_login(alice)
    page = _html(client.get(_url("partner_make_lead", dossier, 2)))
    assert "Désigner Organisation B comme chef de file ?" in page
    response = client.post(_url("partner_make_lead", dossier, 2))
    assert response.status_code == 302
    roles = dict(dossier.partners.values_list("organisation", "role"))
    assert roles == {org_a.pk: PartnerRole.PARTNER, org_b.pk: PartnerRole.LEAD}
    page = _html(client.get(response.url))
    assert "Organisation B est désormais le chef de file" in page
    assert "Envoyer l'invitation" not in page
    client.force_login(bob)
    assert "Envoyer l'invitation" in _html(client.get(_url("consortium", dossier)))


# --- query counts ---------------------------------------------------------------------------


def _with_partners(call, org_a, alice, count):
    """A dossier led by A with ``count`` organisations in all, each with budget lines,
    co-financing, a signed letter, and two invitations waiting."""
    application = f.lead_application(call=call, organisation=org_a, created_by=alice)
    for number in range(2, count + 1):
        f.PartnerFactory(
            application=application,
            number=number,
            contact_name=f"Contact {number}",
            contact_email=f"c{number}@example.org",
        )
    for partner in application.partners.all():
        f.BudgetLineFactory(partner=partner)
        f.BudgetLineFactory(partner=partner, year=2028)
        f.CofinancingFactory(partner=partner)
    Partner.objects.filter(application=application).update(
        commitment_signed_at=timezone.now(), commitment_signed_by=alice
    )
    f.InvitationFactory.create_batch(2, application=application, invited_by=alice)
    return application


# The consortium page, warm (the call's facts cached by the engine): session and user (2);
# the dossier with its call, its partners with their organisations (2); the invitations
# waiting, with who sent them (1); the eligibility engine's reads of the dossier (5); the
# side menu's counts and the call's per-partner document types (2). (The session is written
# again once a minute, not here.) The layout's share (menu, checklist) belongs to
# dossier_base's owners: when it changes, these numbers change with it, never with the
# number of partners.
CONSORTIUM_QUERIES = 12
# A partner's page: the same without the invitations (11), plus the section's version (1)
# and who signed the commitment letter (1).
PARTNER_QUERIES = 13


def test_the_consortium_page_runs_the_same_queries_for_2_and_20_partners(
    client, call, org_a, alice, django_assert_num_queries
):
    small = _with_partners(call, org_a, alice, 2)
    large = _with_partners(call, org_a, alice, 20)
    client.force_login(alice)
    client.get(_url("consortium", small))  # the call's facts, cached by the engine
    for dossier in (small, large):
        with django_assert_num_queries(CONSORTIUM_QUERIES):
            response = client.get(_url("consortium", dossier))
        assert response.status_code == 200
    assert "Contact 20" in _html(response)


def test_the_partner_page_runs_the_same_queries_for_2_and_20_partners(
    client, call, org_a, alice, django_assert_num_queries
):
    small = _with_partners(call, org_a, alice, 2)
    large = _with_partners(call, org_a, alice, 20)
    client.force_login(alice)
    client.get(_url("partner_edit", small, 1))  # the call's facts, cached by the engine
    for dossier in (small, large):
        for number in (1, 2):
            with django_assert_num_queries(PARTNER_QUERIES):
                response = client.get(_url("partner_edit", dossier, number))
            assert response.status_code == 200
    assert "Signée par Alice Martin" in _html(response)
