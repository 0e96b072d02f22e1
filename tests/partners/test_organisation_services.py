"""Services of organisations: registering one, joining one, approving and refusing requests,
managing members' roles, inviting colleagues."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from partners import services
from partners.choices import MembershipRole
from partners.models import ColleagueInvitation, Membership, Organisation, hash_token
from tests import factories as f

pytestmark = pytest.mark.django_db

SITE = "http://testserver/"
LR = MembershipRole.LEGAL_REPRESENTATIVE


def french_fields(**kwargs) -> dict:
    return {
        "legal_name": "Association Tremplin",
        "legal_type": "association",
        "country": "FR",
        "street": "3 rue Jean Jaurès",
        "postcode": "59300",
        "city": "Valenciennes",
        "siret": "404 833 048 00022",
    } | kwargs


def refusal(error: ValidationError) -> dict[str, list[str]]:
    return error.message_dict


# --- registering an organisation -----------------------------------------------------------


def test_registering_an_organisation_makes_its_creator_its_legal_representative():
    alice = f.UserFactory()

    organisation = services.organisation_register(actor=alice, **french_fields())

    organisation.refresh_from_db()
    assert organisation.siret == "40483304800022"
    assert organisation.siren == "404833048"
    membership = Membership.objects.get(organisation=organisation)
    assert membership.user == alice
    assert membership.role == LR
    assert membership.is_active


def test_registering_an_organisation_is_one_transaction(monkeypatch):
    alice = f.UserFactory()

    def broken(**kwargs):
        raise RuntimeError("the membership could not be written")

    monkeypatch.setattr(Membership.objects, "create", broken)
    with pytest.raises(RuntimeError):
        services.organisation_register(actor=alice, **french_fields())

    assert not Organisation.objects.exists()


def test_a_duplicate_siret_typed_with_spaces_is_refused_and_nothing_is_created(org_a, alice):
    newcomer = f.UserFactory()

    with pytest.raises(ValidationError) as excinfo:
        services.organisation_register(actor=newcomer, **french_fields(siret=" 732 829 320 00074 "))

    errors = refusal(excinfo.value)
    assert list(errors) == ["siret"]
    assert "déjà inscrite" in errors["siret"][0]
    assert "rejoignez-la" in errors["siret"][0]
    assert Organisation.objects.count() == 1
    assert not Membership.objects.filter(user=newcomer).exists()


def test_a_duplicate_belgian_enterprise_number_in_its_old_form_is_refused(org_b, bob):
    with pytest.raises(ValidationError) as excinfo:
        services.organisation_register(
            actor=f.UserFactory(),
            **french_fields(
                country="BE", legal_type="asbl", siret="", enterprise_number="BE 403.170.701"
            ),
        )

    assert "déjà inscrite" in refusal(excinfo.value)["enterprise_number"][0]


def test_a_french_organisation_without_a_siret_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        services.organisation_register(actor=f.UserFactory(), **french_fields(siret=""))

    assert (
        "obligatoire pour une organisation établie en France"
        in (refusal(excinfo.value)["siret"][0])
    )
    assert not Organisation.objects.exists()


def test_an_organisation_of_another_country_needs_a_vat_number_a_pic_or_an_oid():
    fields = french_fields(country="DE", legal_type="company", siret="")

    with pytest.raises(ValidationError) as excinfo:
        services.organisation_register(actor=f.UserFactory(), **fields)
    organisation = services.organisation_register(
        actor=f.UserFactory(), **fields, pic="949 674 547"
    )

    assert "TVA" in refusal(excinfo.value)["vat_number"][0]
    assert organisation.pic == "949674547"


def test_a_legal_representative_edits_the_organisation_and_its_siren_follows_the_siret(
    org_a, alice
):
    services.organisation_update(
        organisation=org_a, actor=alice, siret="40483304800022", city="Maubeuge"
    )

    org_a.refresh_from_db()
    assert org_a.city == "Maubeuge"
    assert org_a.siren == "404833048"


def test_an_editor_may_not_edit_the_organisation(org_a, alice):
    editor = f.MembershipFactory(organisation=org_a, role=MembershipRole.EDITOR).user

    with pytest.raises(services.ServiceRefused):
        services.organisation_update(organisation=org_a, actor=editor, city="Maubeuge")

    org_a.refresh_from_db()
    assert org_a.city == "Lille"


# --- finding an organisation and asking to join it -----------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "73282932000074",
        "732 829 320 00074",
        "732.829.320.00074",
        "732829320",
        "732 829 320",
        "fr44 732829320",
        "FR44732829320",
    ],
)
def test_a_french_organisation_is_found_by_its_siret_siren_or_vat_number_however_typed(
    org_a, typed
):
    assert services.organisation_find(identifier=typed) == org_a


@pytest.mark.parametrize(
    "typed", ["0403170701", "0403.170.701", "BE 0403.170.701", "be0403170701", "403170701"]
)
def test_a_belgian_organisation_is_found_by_its_enterprise_number_however_typed(org_b, typed):
    assert services.organisation_find(identifier=typed) == org_b


@pytest.mark.parametrize("typed", ["949 674 547", "e10000001", "DE 136 695 976"])
def test_an_organisation_is_found_by_its_pic_oid_or_vat_number(typed):
    organisation = f.OrganisationFactory(
        country="DE",
        nuts_code="",
        pic="949674547",
        oid="E10000001",
        vat_number="DE136695976",
    )

    assert services.organisation_find(identifier=typed) == organisation


def test_an_unknown_identifier_is_refused_with_a_clear_message(org_a):
    with pytest.raises(services.ServiceRefused) as excinfo:
        services.organisation_find(identifier="404 833 048 00022")

    assert "Aucune organisation inscrite" in excinfo.value.message
    assert "404 833 048 00022" in excinfo.value.message


def test_a_siren_shared_by_two_establishments_asks_for_the_siret():
    f.OrganisationFactory(siret="73282932000009")
    f.OrganisationFactory(siret="73282932000017")

    with pytest.raises(services.ServiceRefused) as excinfo:
        services.organisation_find(identifier="732829320")

    assert "indiquez le SIRET" in excinfo.value.message


def test_asking_to_join_creates_a_pending_editor_membership_and_emails_the_legal_representatives(
    org_a, alice, mailoutbox, django_capture_on_commit_callbacks
):
    second = f.MembershipFactory(organisation=org_a, user=f.UserFactory(preferred_language="nl"))
    f.MembershipFactory(organisation=org_a, role=MembershipRole.EDITOR)
    f.MembershipFactory(organisation=org_a, is_active=False)
    dan = f.UserFactory(email="dan@example.org", first_name="Dan", last_name="Lefebvre")

    with django_capture_on_commit_callbacks(execute=True):
        membership = services.membership_request(organisation=org_a, actor=dan, site_url=SITE)

    assert membership.is_active is False
    assert membership.role == MembershipRole.EDITOR
    assert sorted(m.to[0] for m in mailoutbox) == sorted([alice.email, second.user.email])
    french = next(m for m in mailoutbox if m.to == [alice.email])
    assert french.subject == "Dan Lefebvre demande à rejoindre Organisation A"
    assert "dan@example.org" in french.body
    assert f"http://testserver/organisations/{org_a.pk}/" in french.body
    dutch = next(m for m in mailoutbox if m.to == [second.user.email])
    assert f"http://testserver/nl/organisations/{org_a.pk}/" in dutch.body


def test_asking_twice_to_join_is_refused_with_a_clear_message(org_a, alice):
    dan = f.UserFactory()
    services.membership_request(organisation=org_a, actor=dan, site_url=SITE)

    with pytest.raises(services.ServiceRefused) as excinfo:
        services.membership_request(organisation=org_a, actor=dan, site_url=SITE)

    assert "déjà demandé à rejoindre Organisation A" in excinfo.value.message
    assert Membership.objects.filter(user=dan).count() == 1


def test_a_member_asking_to_join_is_told_they_already_are(org_a, alice):
    with pytest.raises(services.ServiceRefused) as excinfo:
        services.membership_request(organisation=org_a, actor=alice, site_url=SITE)

    assert "déjà membre" in excinfo.value.message


# --- approving and refusing requests -------------------------------------------------------


def pending_request(organisation, **user_fields) -> Membership:
    return f.MembershipFactory(
        organisation=organisation,
        user=f.UserFactory(**user_fields),
        role=MembershipRole.EDITOR,
        is_active=False,
    )


def test_approving_a_request_activates_the_membership_and_tells_the_person(
    org_a, alice, mailoutbox, django_capture_on_commit_callbacks
):
    request = pending_request(org_a, email="dan@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        services.membership_approve(membership=request, actor=alice, site_url=SITE)

    request.refresh_from_db()
    assert request.is_active
    assert [m.to for m in mailoutbox] == [["dan@example.org"]]
    assert "vous êtes membre de Organisation A" in mailoutbox[0].body


def test_a_request_approved_twice_is_refused_the_second_time(org_a, alice):
    request = pending_request(org_a)
    services.membership_approve(membership=request, actor=alice, site_url=SITE)

    with pytest.raises(services.ServiceRefused) as excinfo:
        services.membership_approve(membership=request, actor=alice, site_url=SITE)

    assert "déjà été traitée" in excinfo.value.message


def test_refusing_a_request_deletes_it(org_a, alice):
    request = pending_request(org_a)

    services.membership_refuse(membership=request, actor=alice)

    assert not Membership.objects.filter(pk=request.pk).exists()


def test_only_a_legal_representative_approves_or_refuses_a_request(org_a, alice):
    editor = f.MembershipFactory(organisation=org_a, role=MembershipRole.EDITOR).user
    request = pending_request(org_a)

    with pytest.raises(services.ServiceRefused):
        services.membership_approve(membership=request, actor=editor, site_url=SITE)
    with pytest.raises(services.ServiceRefused):
        services.membership_refuse(membership=request, actor=editor)

    request.refresh_from_db()
    assert request.is_active is False


# --- roles and deactivation ----------------------------------------------------------------


def test_the_last_legal_representative_cannot_be_deactivated(org_a, alice):
    membership = alice.memberships.get()

    with pytest.raises(services.ServiceRefused) as excinfo:
        services.membership_deactivate(membership=membership, actor=alice)

    assert "dernier représentant légal" in excinfo.value.message
    membership.refresh_from_db()
    assert membership.is_active


def test_the_last_legal_representative_cannot_be_demoted(org_a, alice):
    membership = alice.memberships.get()

    with pytest.raises(services.ServiceRefused) as excinfo:
        services.membership_change_role(
            membership=membership, role=MembershipRole.EDITOR, actor=alice
        )

    assert "dernier représentant légal" in excinfo.value.message
    membership.refresh_from_db()
    assert membership.role == LR


def test_a_legal_representative_steps_down_once_another_one_is_named(org_a, alice):
    colleague = f.MembershipFactory(organisation=org_a, role=MembershipRole.EDITOR)
    services.membership_change_role(membership=colleague, role=LR, actor=alice)

    services.membership_change_role(
        membership=alice.memberships.get(), role=MembershipRole.CONTACT, actor=alice
    )

    assert alice.memberships.get().role == MembershipRole.CONTACT
    assert Membership.objects.get(pk=colleague.pk).role == LR


def test_a_legal_representative_deactivates_a_member(org_a, alice):
    editor = f.MembershipFactory(organisation=org_a, role=MembershipRole.EDITOR)

    services.membership_deactivate(membership=editor, actor=alice)

    editor.refresh_from_db()
    assert editor.is_active is False


def test_an_editor_may_not_change_roles(org_a, alice):
    editor = f.MembershipFactory(organisation=org_a, role=MembershipRole.EDITOR)

    with pytest.raises(services.ServiceRefused):
        services.membership_change_role(membership=editor, role=LR, actor=editor.user)

    editor.refresh_from_db()
    assert editor.role == MembershipRole.EDITOR


# --- inviting colleagues -------------------------------------------------------------------


def invite(organisation, actor, email="eve@a.example.org", role=MembershipRole.EDITOR, **kw):
    return services.colleague_invite(
        organisation=organisation, email=email, role=role, actor=actor, site_url=SITE, **kw
    )


def test_inviting_a_colleague_stores_the_token_hash_and_emails_the_link(
    org_a, alice, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite(org_a, alice, email="Eve@A.example.org", role=MembershipRole.CONTACT)

    invitation.refresh_from_db()
    assert invitation.email == "eve@a.example.org"
    assert invitation.invited_by == alice
    assert invitation.expires_at - invitation.created_at == dt.timedelta(days=14)
    [message] = mailoutbox
    assert message.to == ["eve@a.example.org"]
    assert "Organisation A" in message.subject
    assert "Personne de contact" in message.body
    token = re.search(r"/organisations/invitations/([^/]+)/", message.body).group(1)
    assert invitation.token_hash == hash_token(token)
    assert token not in invitation.token_hash


def test_an_editor_invites_editors_and_contacts_but_not_a_legal_representative(org_a, alice):
    editor = f.MembershipFactory(organisation=org_a, role=MembershipRole.EDITOR).user

    invite(org_a, editor, role=MembershipRole.CONTACT)
    with pytest.raises(services.ServiceRefused) as excinfo:
        invite(org_a, editor, email="boss@a.example.org", role=LR)
    invite(org_a, alice, email="boss@a.example.org", role=LR)

    assert "Seul un représentant légal" in excinfo.value.message
    assert ColleagueInvitation.objects.count() == 2


def test_a_non_member_cannot_invite_into_an_organisation(org_a, alice, charlie):
    with pytest.raises(services.ServiceRefused):
        invite(org_a, charlie)

    assert not ColleagueInvitation.objects.exists()


def test_inviting_someone_who_is_already_a_member_is_refused(org_a, alice):
    with pytest.raises(services.ServiceRefused) as excinfo:
        invite(org_a, alice, email="ALICE@a.example.org")

    assert "déjà membre" in excinfo.value.message


def test_accepting_an_invitation_makes_the_person_a_member_with_the_role(org_a, alice):
    invitation = invite(org_a, alice, email="eve@a.example.org", role=MembershipRole.CONTACT)
    eve = f.UserFactory(email="Eve@A.Example.org")

    membership = services.colleague_invitation_accept(token=invitation.token, actor=eve)

    assert membership.user == eve
    assert membership.organisation == org_a
    assert membership.role == MembershipRole.CONTACT
    assert membership.is_active
    invitation.refresh_from_db()
    assert invitation.accepted_by == eve
    assert invitation.accepted_at is not None


def test_an_invitation_accepted_once_cannot_be_used_again(org_a, alice):
    invitation = invite(org_a, alice)
    eve = f.UserFactory(email="eve@a.example.org")
    services.colleague_invitation_accept(token=invitation.token, actor=eve)
    eve.memberships.all().delete()

    with pytest.raises(services.InvitationUnusable) as excinfo:
        services.colleague_invitation_accept(token=invitation.token, actor=eve)

    assert "déjà été acceptée" in excinfo.value.message
    assert not eve.memberships.exists()


def test_an_expired_invitation_is_refused_and_nothing_is_created(org_a, alice):
    sent = timezone.now() - dt.timedelta(days=15)
    invitation = invite(org_a, alice, now=sent)
    eve = f.UserFactory(email="eve@a.example.org")

    with pytest.raises(services.InvitationUnusable) as excinfo:
        services.colleague_invitation_accept(token=invitation.token, actor=eve)

    assert "a expiré" in excinfo.value.message
    assert not eve.memberships.exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_an_invitation_is_still_valid_on_its_thirteenth_day(org_a, alice):
    invitation = invite(org_a, alice, now=timezone.now() - dt.timedelta(days=13))
    eve = f.UserFactory(email="eve@a.example.org")

    assert services.colleague_invitation_accept(token=invitation.token, actor=eve).is_active


def test_an_invitation_accepted_by_an_account_with_another_email_is_refused(org_a, alice):
    invitation = invite(org_a, alice, email="eve@a.example.org")
    mallory = f.UserFactory(email="mallory@example.org")

    with pytest.raises(services.ServiceRefused) as excinfo:
        services.colleague_invitation_accept(token=invitation.token, actor=mallory)

    assert "une autre adresse e-mail" in excinfo.value.message
    assert not mallory.memberships.exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_a_wrong_token_is_refused(org_a, alice):
    invite(org_a, alice)

    with pytest.raises(services.InvitationUnusable) as excinfo:
        services.colleague_invitation_accept(token="not-a-token", actor=f.UserFactory())

    assert "n'est pas valable" in excinfo.value.message
    assert Membership.objects.count() == 1


def test_an_invitation_answers_a_pending_request_to_join(org_a, alice):
    request = pending_request(org_a, email="eve@a.example.org")
    invitation = invite(org_a, alice, email="eve@a.example.org", role=MembershipRole.CONTACT)

    services.colleague_invitation_accept(token=invitation.token, actor=request.user)

    request.refresh_from_db()
    assert request.is_active
    assert request.role == MembershipRole.CONTACT
