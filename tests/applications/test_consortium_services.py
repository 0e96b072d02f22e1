"""The consortium's services: inviting a partner, accepting and cancelling an invitation,
removing a partner, changing the lead, signing the commitment letter, the contact."""

from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
from django.db import IntegrityError, connection
from django.utils import timezone, translation

from applications.models import Application
from partners import services
from partners.choices import InvitationStatus, PartnerRole
from partners.models import Invitation, Partner, hash_token
from tests import factories as f

pytestmark = pytest.mark.django_db

SITE = "http://testserver/"


@pytest.fixture
def draft(call, org_a, alice):
    """A dossier led by Alice's organisation A, alone in its consortium."""
    return f.lead_application(call=call, organisation=org_a, created_by=alice)


def _invite(application, actor, email="bob@b.example.org", message=""):
    return services.partner_invite(
        application=application, email=email, message=message, actor=actor, site_url=SITE
    )


def _submit(application):
    Application.objects.filter(pk=application.pk).update(status="submitted")
    application.refresh_from_db()


# --- inviting -------------------------------------------------------------------------------


def test_the_lead_invites_by_email_and_the_link_is_in_the_mail_only(
    draft, alice, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = _invite(draft, alice, email=" Bob@B.example.org ", message="Bienvenue !")
    invitation.refresh_from_db()
    assert invitation.email == "bob@b.example.org"
    assert invitation.status == InvitationStatus.PENDING
    assert invitation.role == PartnerRole.PARTNER
    assert invitation.invited_by == alice
    assert invitation.expires_at - invitation.created_at == pytest.approx(
        dt.timedelta(days=14), abs=dt.timedelta(seconds=5)
    )
    assert invitation.token_hash == hash_token(invitation.token)
    assert invitation.token not in invitation.token_hash
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["bob@b.example.org"]
    assert draft.acronym in mail.subject
    assert f"http://testserver/invitations/{invitation.token}/" in mail.body
    assert "Bienvenue !" in mail.body
    assert "Alice Martin (Organisation A)" in mail.body


def test_the_mail_is_in_the_language_of_the_invitee_when_they_have_an_account(
    draft, alice, mailoutbox, django_capture_on_commit_callbacks
):
    f.UserFactory(email="greet@b.example.org", preferred_language="nl")
    with django_capture_on_commit_callbacks(execute=True):
        invitation = _invite(draft, alice, email="greet@b.example.org")
    with translation.override("nl"):
        assert f"/nl/invitations/{invitation.token}/" in mailoutbox[0].body


def test_a_partner_cannot_invite(dossier, bob, mailoutbox):
    with pytest.raises(services.ServiceRefused, match="chef de file"):
        _invite(dossier, bob, email="new@example.org")
    assert not Invitation.objects.exists()
    assert mailoutbox == []


def test_nobody_invites_into_a_submitted_dossier(draft, alice):
    _submit(draft)
    with pytest.raises(services.ServiceRefused, match="ne se modifie plus"):
        _invite(draft, alice)
    assert not Invitation.objects.exists()


def test_an_address_already_invited_and_waiting_is_refused(draft, alice):
    _invite(draft, alice)
    with pytest.raises(services.ServiceRefused, match="attend déjà une réponse"):
        _invite(draft, alice, email="BOB@b.example.org")
    assert Invitation.objects.count() == 1


def test_an_address_whose_invitation_expired_may_be_invited_again(draft, alice):
    old = _invite(draft, alice)
    Invitation.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - dt.timedelta(days=20),
        expires_at=timezone.now() - dt.timedelta(days=6),
    )
    _invite(draft, alice)
    assert Invitation.objects.count() == 2


def test_a_member_of_an_organisation_already_in_the_consortium_is_refused(dossier, alice, bob):
    with pytest.raises(services.ServiceRefused, match="Organisation B"):
        _invite(dossier, alice, email="bob@b.example.org")
    with pytest.raises(services.ServiceRefused, match="Organisation A"):
        _invite(dossier, alice, email="alice@a.example.org")
    assert not Invitation.objects.exists()


# --- the link -------------------------------------------------------------------------------


def test_an_unknown_token_is_refused():
    with pytest.raises(services.InvitationUnusable, match="pas valable"):
        services.partner_invitation_for(token="nope")


def test_an_expired_invitation_is_refused_with_its_date(draft, alice):
    invitation = _invite(draft, alice)
    later = timezone.now() + dt.timedelta(days=15)
    with pytest.raises(services.InvitationUnusable, match="a expiré le"):
        services.partner_invitation_for(token=invitation.token, now=later)


def test_a_cancelled_invitation_is_refused(draft, alice):
    invitation = _invite(draft, alice)
    services.partner_invitation_cancel(invitation=invitation, actor=alice)
    with pytest.raises(services.InvitationUnusable, match="annulée"):
        services.partner_invitation_for(token=invitation.token)


def test_an_invitation_to_a_submitted_dossier_is_refused(draft, alice):
    invitation = _invite(draft, alice)
    _submit(draft)
    with pytest.raises(services.InvitationUnusable, match="ne se modifie plus"):
        services.partner_invitation_for(token=invitation.token)


# --- accepting ------------------------------------------------------------------------------


def test_accepting_adds_the_organisation_with_the_next_number_and_uses_the_invitation(
    draft, alice, bob, org_b
):
    invitation = _invite(draft, alice)
    partner = services.partner_invitation_accept(
        token=invitation.token, actor=bob, organisation=org_b
    )
    assert partner.number == 2
    assert partner.role == PartnerRole.PARTNER
    assert partner.organisation == org_b
    assert partner.contact_name == "Bob Peeters"
    assert partner.contact_email == "bob@b.example.org"
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ACCEPTED
    assert invitation.accepted_by == bob
    assert invitation.accepted_at is not None
    assert invitation.partner == partner
    with pytest.raises(services.InvitationUnusable, match="déjà été acceptée"):
        services.partner_invitation_for(token=invitation.token)


def test_accepting_twice_creates_one_partner(draft, alice, bob, org_b):
    invitation = _invite(draft, alice)
    services.partner_invitation_accept(token=invitation.token, actor=bob, organisation=org_b)
    with pytest.raises(services.InvitationUnusable):
        services.partner_invitation_accept(token=invitation.token, actor=bob, organisation=org_b)
    assert draft.partners.count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_accepts_at_the_same_instant_create_one_partner(call, org_a, org_b, alice, bob):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no row locks: this race is tested on PostgreSQL (as in CI)")
    draft = f.lead_application(call=call, organisation=org_a, created_by=alice)
    f.InvitationFactory(application=draft, invited_by=alice, token="race")
    start = threading.Barrier(2)
    outcomes = []

    def accept():
        try:
            start.wait()
            services.partner_invitation_accept(token="race", actor=bob, organisation=org_b)
            outcomes.append("accepted")
        except services.ServiceRefused as refused:
            outcomes.append(type(refused).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=accept) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["InvitationUnusable", "accepted"]
    assert list(draft.partners.values_list("number", flat=True)) == [1, 2]


def test_an_account_not_member_of_the_chosen_organisation_is_refused(draft, alice, charlie, org_b):
    invitation = _invite(draft, alice)
    with pytest.raises(services.ServiceRefused, match="pas membre de Organisation B"):
        services.partner_invitation_accept(
            token=invitation.token, actor=charlie, organisation=org_b
        )
    assert draft.partners.count() == 1
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING


def test_an_organisation_already_in_the_consortium_cannot_accept_again(dossier, alice, bob, org_b):
    invitation = f.InvitationFactory(application=dossier, invited_by=alice, token="t-b")
    with pytest.raises(services.ServiceRefused, match="fait déjà partie"):
        services.partner_invitation_accept(token="t-b", actor=bob, organisation=org_b)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING
    assert dossier.partners.count() == 2


def test_numbers_follow_the_highest_one_in_the_dossier(dossier, alice, charlie, org_c):
    f.PartnerFactory(application=dossier, number=7)
    f.InvitationFactory(application=dossier, invited_by=alice, token="t-c")
    partner = services.partner_invitation_accept(token="t-c", actor=charlie, organisation=org_c)
    assert partner.number == 8


def test_an_expired_invitation_cannot_be_accepted(draft, alice, bob, org_b):
    invitation = _invite(draft, alice)
    with pytest.raises(services.InvitationUnusable, match="expiré"):
        services.partner_invitation_accept(
            token=invitation.token,
            actor=bob,
            organisation=org_b,
            now=timezone.now() + dt.timedelta(days=14, seconds=1),
        )
    assert draft.partners.count() == 1


# --- cancelling -----------------------------------------------------------------------------


def test_only_the_lead_cancels_and_only_a_waiting_invitation(dossier, alice, bob):
    invitation = f.InvitationFactory(application=dossier, invited_by=alice)
    with pytest.raises(services.ServiceRefused, match="chef de file"):
        services.partner_invitation_cancel(invitation=invitation, actor=bob)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING
    services.partner_invitation_cancel(invitation=invitation, actor=alice)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.REVOKED
    with pytest.raises(services.ServiceRefused, match="n'attend plus"):
        services.partner_invitation_cancel(invitation=invitation, actor=alice)


# --- removing, changing the lead ------------------------------------------------------------


def test_the_lead_removes_a_partner_with_its_lines_and_others_keep_their_numbers(
    dossier, alice, org_b
):
    b = dossier.partners.get(organisation=org_b)
    third = f.PartnerFactory(application=dossier, number=3)
    f.BudgetLineFactory(partner=b)
    services.partner_remove(partner=b, actor=alice)
    assert list(dossier.partners.values_list("number", flat=True)) == [1, 3]
    assert not Partner.objects.filter(pk=b.pk).exists()
    third.refresh_from_db()
    assert third.number == 3


def test_the_lead_itself_is_never_removed(dossier, alice):
    lead = dossier.partners.get(role=PartnerRole.LEAD)
    with pytest.raises(services.ServiceRefused, match="chef de file ne peut pas"):
        services.partner_remove(partner=lead, actor=alice)
    assert dossier.partners.count() == 2


def test_a_partner_cannot_remove_nor_change_the_lead(dossier, bob, org_b):
    b = dossier.partners.get(organisation=org_b)
    lead = dossier.partners.get(role=PartnerRole.LEAD)
    with pytest.raises(services.ServiceRefused):
        services.partner_remove(partner=b, actor=bob)
    with pytest.raises(services.ServiceRefused):
        services.partner_make_lead(partner=b, actor=bob)
    lead.refresh_from_db()
    assert lead.role == PartnerRole.LEAD
    assert dossier.partners.count() == 2


def test_changing_the_lead_swaps_the_roles(dossier, alice, bob, org_a, org_b):
    b = dossier.partners.get(organisation=org_b)
    services.partner_make_lead(partner=b, actor=alice)
    roles = dict(dossier.partners.values_list("organisation", "role"))
    assert roles == {org_a.pk: PartnerRole.PARTNER, org_b.pk: PartnerRole.LEAD}
    # Alice's organisation is a partner now: it no longer manages the consortium.
    a = dossier.partners.get(organisation=org_a)
    with pytest.raises(services.ServiceRefused):
        services.partner_remove(partner=a, actor=alice)
    services.partner_remove(partner=a, actor=bob)
    assert list(dossier.partners.values_list("organisation", flat=True)) == [org_b.pk]


def test_the_database_refuses_two_leads(dossier, org_b):
    with pytest.raises(IntegrityError):
        Partner.objects.filter(application=dossier, organisation=org_b).update(
            role=PartnerRole.LEAD
        )


def test_nobody_changes_the_consortium_of_a_submitted_dossier(dossier, alice, org_b):
    b = dossier.partners.get(organisation=org_b)
    _submit(dossier)
    with pytest.raises(services.ServiceRefused, match="ne se modifie plus"):
        services.partner_remove(partner=b, actor=alice)
    with pytest.raises(services.ServiceRefused, match="ne se modifie plus"):
        services.partner_make_lead(partner=b, actor=alice)
    assert dossier.partners.count() == 2


# --- commitment, contact --------------------------------------------------------------------


def test_a_member_signs_the_commitment_once(dossier, bob, org_b):
    b = dossier.partners.get(organisation=org_b)
    services.partner_sign_commitment(partner=b, actor=bob)
    b.refresh_from_db()
    assert b.commitment_signed_by == bob
    assert b.commitment_signed_at is not None
    with pytest.raises(services.ServiceRefused, match="déjà été signée par Bob Peeters"):
        services.partner_sign_commitment(partner=b, actor=bob)


def test_a_member_of_another_partner_cannot_sign(dossier, alice, org_b):
    b = dossier.partners.get(organisation=org_b)
    with pytest.raises(services.ServiceRefused, match="Seuls les membres de Organisation B"):
        services.partner_sign_commitment(partner=b, actor=alice)
    b.refresh_from_db()
    assert b.commitment_signed_at is None


def test_the_contact_is_changed_by_the_partners_members_only(dossier, alice, bob, org_b):
    b = dossier.partners.get(organisation=org_b)
    services.partner_update_contact(
        partner=b, actor=bob, contact_name="Bob P.", contact_email="b@b.example.org"
    )
    b.refresh_from_db()
    assert (b.contact_name, b.contact_email) == ("Bob P.", "b@b.example.org")
    with pytest.raises(services.ServiceRefused):
        services.partner_update_contact(
            partner=b, actor=alice, contact_name="X", contact_email="x@example.org"
        )
    b.refresh_from_db()
    assert b.contact_name == "Bob P."


def test_an_unrelated_person_is_told_nothing_about_the_dossier(dossier, charlie, org_b):
    b = dossier.partners.get(organisation=org_b)
    with pytest.raises(services.ServiceRefused, match="n'existe pas ou vous n'y avez pas accès"):
        services.partner_update_contact(
            partner=b, actor=charlie, contact_name="X", contact_email="x@example.org"
        )
    with pytest.raises(services.ServiceRefused, match="n'existe pas"):
        _invite(dossier, charlie, email="x@example.org")


def test_the_invitation_token_is_long_and_url_safe(draft, alice):
    invitation = _invite(draft, alice)
    assert re.fullmatch(r"[A-Za-z0-9_-]{40,}", invitation.token)


def test_removing_a_partner_deletes_its_stored_files_once_committed(
    dossier, alice, org_b, django_capture_on_commit_callbacks
):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    b = dossier.partners.get(organisation=org_b)
    name = default_storage.save("attachments/lettre-b.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
    f.AttachmentFactory(application=dossier, partner=b, file=name)
    with django_capture_on_commit_callbacks(execute=True):
        services.partner_remove(partner=b, actor=alice)
    assert not default_storage.exists(name)
