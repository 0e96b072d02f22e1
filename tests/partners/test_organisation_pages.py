"""The organisation pages, as their users see them: Alice is the legal representative of
organisation A, Charlie of organisation C, who must see nothing of A."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from partners import services
from partners.choices import MembershipRole
from partners.models import ColleagueInvitation, Membership, Organisation
from tests import factories as f
from tests.pages.test_public_pages import PageStructure, text

pytestmark = pytest.mark.django_db

LR = MembershipRole.LEGAL_REPRESENTATIVE


# --- helpers -------------------------------------------------------------------------------


class FormStructure(PageStructure):
    """The page's structure, and every element's id, to check that a control's
    aria-describedby points at elements of the page."""

    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        self.alerts = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.add(attributes["id"])
        if attributes.get("role") == "alert":
            self.alerts += 1
        super().handle_starttag(tag, attrs)

    def dangling_descriptions(self) -> list[str]:
        return [
            described
            for control in self.controls
            for described in (control.get("aria-describedby") or "").split()
            if described not in self.ids
        ]

    def control(self, name: str) -> dict:
        return next(control for control in self.controls if control.get("name") == name)


def parse(response) -> FormStructure:
    page = FormStructure()
    page.feed(response.content.decode())
    return page


def assert_accessible(response, url=""):
    """One main, one h1, French, every control labelled, every description present."""
    page = parse(response)
    assert page.html_lang == "fr", url
    assert page.tags.get("main") == 1, url
    assert page.tags.get("h1") == 1, url
    assert page.unlabelled_controls() == [], url
    assert page.dangling_descriptions() == [], url
    assert "<script>" not in text(response), url
    return page


def assert_field_error(response, name: str, message: str):
    """The message is shown on the field, tied to its control, and in the error summary."""
    assert response.status_code == 200
    page = assert_accessible(response)
    control = page.control(name)
    assert control.get("aria-invalid") == "true"
    assert f"id_{name}_error" in control["aria-describedby"].split()
    content = text(response)
    error_block = re.search(
        rf'<div class="field__errors" id="id_{name}_error">(.*?)</div>', content, re.S
    )
    assert error_block, content
    assert message in error_block.group(1)
    assert page.alerts == 1
    assert 'class="alert alert--error error-summary" role="alert"' in content


def french_form(**kwargs) -> dict:
    return {
        "legal_name": "Association Tremplin",
        "acronym": "TREMPLIN",
        "legal_type": "association",
        "country": "FR",
        "siret": "404 833 048 00022",
        "enterprise_number": "",
        "vat_number": "",
        "pic": "",
        "oid": "",
        "street": "3 rue Jean Jaurès",
        "postcode": "59300",
        "city": "Valenciennes",
        "nuts_code": "FRE12",
        "email": "contact@tremplin.example.org",
        "phone": "03 27 00 00 00",
        "website": "www.tremplin.example.org",
    } | kwargs


def colleague_invitation(organisation, inviter, email="eve@a.example.org", **kwargs):
    return services.colleague_invite(
        organisation=organisation,
        email=email,
        role=kwargs.pop("role", MembershipRole.EDITOR),
        actor=inviter,
        site_url="http://testserver/",
        **kwargs,
    )


def pending_request(organisation, **user_fields) -> Membership:
    return f.MembershipFactory(
        organisation=organisation,
        user=f.UserFactory(**user_fields),
        role=MembershipRole.EDITOR,
        is_active=False,
    )


# --- every page, for the right person ------------------------------------------------------


def test_every_page_renders_in_french_with_one_h1_and_labelled_controls(client, org_a, alice):
    pending_request(org_a)
    invitation = colleague_invitation(org_a, alice, email="eve@a.example.org")
    client.force_login(alice)
    urls = [
        reverse("partners:list"),
        reverse("partners:create"),
        reverse("partners:join"),
        reverse("partners:join") + "?identifier=732829320",
        reverse("partners:detail", args=[org_a.pk]),
        reverse("partners:edit", args=[org_a.pk]),
        reverse("partners:invite", args=[org_a.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        page = assert_accessible(response, url)
        assert page.controls, url

    client.force_login(f.UserFactory(email="eve@a.example.org"))
    response = client.get(reverse("partners:accept_colleague", args=[invitation.token]))
    assert response.status_code == 200
    assert_accessible(response)


def test_the_list_shows_the_users_organisations_with_their_role_and_pending_requests(
    client, org_a, alice, org_b
):
    f.MembershipFactory(user=alice, organisation=org_b, role=MembershipRole.CONTACT)
    f.MembershipFactory(
        user=alice,
        organisation=f.OrganisationFactory(legal_name="Maison de l'emploi", city="Douai"),
        role=MembershipRole.EDITOR,
        is_active=False,
    )
    client.force_login(alice)

    page = text(client.get(reverse("partners:list")))

    assert "Organisation A" in page
    assert "Représentant légal" in page
    assert "Organisation B" in page
    assert "Personne de contact" in page
    assert "Demandes en attente" in page
    assert "Maison de l&#x27;emploi (Douai)" in page
    assert reverse("partners:create") in page
    assert reverse("partners:join") in page


def test_a_person_without_organisation_is_told_only_organisations_apply(client):
    client.force_login(f.UserFactory())

    page = text(client.get(reverse("partners:list")))

    assert "Vous n'êtes membre d'aucune organisation" in page
    assert "Seules les organisations déposent des dossiers" in page


def test_the_detail_page_shows_identity_identifiers_and_members(client, org_a, alice):
    f.MembershipFactory(
        organisation=org_a,
        role=MembershipRole.EDITOR,
        user=f.UserFactory(first_name="Eve", last_name="Lambert"),
    )
    pending_request(org_a, first_name="Dan", last_name="Lefebvre")
    client.force_login(alice)

    page = text(client.get(reverse("partners:detail", args=[org_a.pk])))

    assert "<h1>Organisation A</h1>" in page
    assert "73282932000074" in page
    assert "732829320" in page
    assert "Alice Martin" in page
    assert "Eve Lambert" in page
    assert "Rédacteur" in page
    assert "Dan Lefebvre" in page
    assert "Accepter" in page
    assert reverse("partners:edit", args=[org_a.pk]) in page


def test_an_editor_sees_the_members_but_neither_the_requests_nor_the_managing_buttons(
    client, org_a, alice
):
    editor = f.MembershipFactory(organisation=org_a, role=MembershipRole.EDITOR).user
    pending_request(org_a, first_name="Dan", last_name="Lefebvre")
    client.force_login(editor)

    page = text(client.get(reverse("partners:detail", args=[org_a.pk])))

    assert "Alice Martin" in page
    assert "Dan Lefebvre" not in page
    assert reverse("partners:edit", args=[org_a.pk]) not in page
    assert "Changer le rôle" not in page
    assert reverse("partners:invite", args=[org_a.pk]) in page
    assert client.get(reverse("partners:edit", args=[org_a.pk])).status_code == 403


# --- who sees nothing ----------------------------------------------------------------------


def test_charlie_gets_a_404_on_every_page_of_organisation_a(client, org_a, alice, charlie):
    request = pending_request(org_a)
    client.force_login(charlie)

    for name in ("partners:detail", "partners:edit", "partners:invite"):
        assert client.get(reverse(name, args=[org_a.pk])).status_code == 404, name
    for name in (
        "partners:membership_approve",
        "partners:membership_refuse",
        "partners:membership_deactivate",
    ):
        response = client.post(reverse(name, args=[org_a.pk, request.pk]))
        assert response.status_code == 404, name
    response = client.post(
        reverse("partners:membership_role", args=[org_a.pk, alice.memberships.get().pk]),
        {"role": "editor"},
    )
    assert response.status_code == 404
    response = client.post(
        reverse("partners:invite", args=[org_a.pk]),
        {"email": "spy@c.example.org", "role": "editor"},
    )
    assert response.status_code == 404

    request.refresh_from_db()
    assert request.is_active is False
    assert alice.memberships.get().role == LR
    assert not ColleagueInvitation.objects.exists()


def test_charlie_cannot_approve_a_request_of_a_by_way_of_his_own_organisation(
    client, org_a, alice, org_c, charlie
):
    request = pending_request(org_a)
    client.force_login(charlie)

    response = client.post(reverse("partners:membership_approve", args=[org_c.pk, request.pk]))

    assert response.status_code == 404
    request.refresh_from_db()
    assert request.is_active is False


def test_a_member_whose_request_is_pending_gets_a_404(client, org_a, alice):
    request = pending_request(org_a)
    client.force_login(request.user)

    assert client.get(reverse("partners:detail", args=[org_a.pk])).status_code == 404
    assert client.get(reverse("partners:invite", args=[org_a.pk])).status_code == 404


def test_anonymous_visitors_are_sent_to_the_login_page(client, org_a, alice):
    invitation = colleague_invitation(org_a, alice)
    urls = [
        reverse("partners:list"),
        reverse("partners:create"),
        reverse("partners:join"),
        reverse("partners:detail", args=[org_a.pk]),
        reverse("partners:edit", args=[org_a.pk]),
        reverse("partners:invite", args=[org_a.pk]),
        reverse("partners:accept_colleague", args=[invitation.token]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"{reverse('login')}?next={quote(url)}", url


# --- registering an organisation -----------------------------------------------------------


def test_registering_an_organisation_leads_to_its_page_with_the_creator_as_legal_representative(
    client,
):
    person = f.UserFactory()
    client.force_login(person)

    response = client.post(reverse("partners:create"), french_form(), follow=True)

    organisation = Organisation.objects.get()
    assert response.redirect_chain[-1][0] == reverse("partners:detail", args=[organisation.pk])
    assert "est inscrite : vous en êtes le représentant légal" in text(response)
    assert organisation.siret == "40483304800022"
    assert organisation.nuts_code == "FRE12"
    assert organisation.website == "https://www.tremplin.example.org"
    assert Membership.objects.get(organisation=organisation, user=person).role == LR


def test_the_country_list_begins_with_france_and_belgium(client, alice):
    client.force_login(alice)

    page = text(client.get(reverse("partners:create")))

    options = re.findall(r'<option value="([A-Z]{2})"', page)
    assert options[:2] == ["FR", "BE"]
    assert len(options) == len(set(options)) == 33


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"siret": "732 829 320 00075"}, "siret", "sa clé de contrôle ne correspond pas"),
        (
            {"country": "BE", "legal_type": "asbl", "enterprise_number": "0403170701"},
            "siret",
            "Le SIRET ne s&#x27;applique qu&#x27;aux organisations établies en France.",
        ),
        ({"siret": ""}, "siret", "obligatoire pour une organisation établie en France"),
        (
            {"country": "BE", "siret": ""},
            "enterprise_number",
            "obligatoire pour une organisation établie en Belgique",
        ),
        (
            {"country": "DE", "siret": "", "nuts_code": "DE111"},
            "vat_number",
            "Indiquez au moins un identifiant",
        ),
        ({"nuts_code": "BE322"}, "nuts_code", "n&#x27;appartient pas au pays choisi (FR)"),
        ({"legal_name": ""}, "legal_name", "Ce champ est obligatoire."),
        ({"city": ""}, "city", "Ce champ est obligatoire."),
    ],
)
def test_bad_input_on_the_registration_form_is_shown_on_its_field_and_saves_nothing(
    client, changes, field, message
):
    client.force_login(f.UserFactory())

    response = client.post(reverse("partners:create"), french_form(**changes))

    assert_field_error(response, field, message)
    assert not Organisation.objects.exists()
    assert not Membership.objects.exists()


def test_a_duplicate_siret_says_the_organisation_is_registered_and_links_to_joining_it(
    client, org_a, alice
):
    client.force_login(f.UserFactory())

    response = client.post(reverse("partners:create"), french_form(siret="732 829 320 00074"))

    assert_field_error(response, "siret", "déjà inscrite sur le portail ; rejoignez-la")
    join = reverse("partners:join") + "?identifier=732%20829%20320%2000074"
    assert f'<a href="{join}">' in text(response)
    assert Organisation.objects.count() == 1


def test_editing_the_organisation_uses_the_same_form_and_validation(client, org_a, alice):
    client.force_login(alice)
    url = reverse("partners:edit", args=[org_a.pk])
    form = french_form(legal_name="Organisation A", siret="73282932000074", city="Maubeuge")

    refused = client.post(url, form | {"nuts_code": "BE322"})
    saved = client.post(url, form, follow=True)

    assert_field_error(refused, "nuts_code", "n&#x27;appartient pas au pays choisi")
    assert saved.redirect_chain[-1][0] == reverse("partners:detail", args=[org_a.pk])
    assert "La fiche de l&#x27;organisation est enregistrée." in text(saved)
    org_a.refresh_from_db()
    assert org_a.city == "Maubeuge"
    assert org_a.nuts_code == "FRE12"


def test_editing_an_organisation_to_another_ones_siret_is_refused(client, org_a, alice, org_c):
    client.force_login(alice)

    response = client.post(
        reverse("partners:edit", args=[org_a.pk]),
        french_form(legal_name="Organisation A", siret=org_c.siret),
    )

    assert_field_error(response, "siret", "déjà inscrite")
    org_a.refresh_from_db()
    assert org_a.siret == "73282932000074"


# --- joining an organisation ---------------------------------------------------------------


def test_finding_an_organisation_shows_only_its_legal_name_and_city(client, org_a, alice):
    org_a.email = "secret@a.example.org"
    org_a.save()
    client.force_login(f.UserFactory())

    page = text(client.get(reverse("partners:join"), {"identifier": "732 829 320"}))

    assert "Organisation A" in page
    assert "Lille" in page
    assert "secret@a.example.org" not in page
    assert "1 rue de la République" not in page
    assert "Alice" not in page
    assert "73282932000074" not in page


def test_asking_to_join_creates_a_pending_membership_and_emails_the_legal_representative(
    client, org_a, alice, mailoutbox, django_capture_on_commit_callbacks
):
    dan = f.UserFactory()
    client.force_login(dan)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("partners:join"), {"identifier": "FR 44 732829320"}, follow=True
        )

    assert response.redirect_chain[-1][0] == reverse("partners:list")
    assert "Votre demande pour rejoindre Organisation A est envoyée" in text(response)
    membership = Membership.objects.get(user=dan)
    assert membership.is_active is False
    assert membership.role == MembershipRole.EDITOR
    assert [m.to for m in mailoutbox] == [[alice.email]]


def test_an_unknown_identifier_on_the_join_page_says_so_and_creates_nothing(client, org_a):
    client.force_login(f.UserFactory())

    searched = client.get(reverse("partners:join"), {"identifier": "0202.239.951"})
    posted = client.post(reverse("partners:join"), {"identifier": "0202.239.951"})

    assert_field_error(searched, "identifier", "Aucune organisation inscrite")
    assert_field_error(posted, "identifier", "« 0202.239.951 »")
    assert Membership.objects.count() == 0


def test_asking_twice_to_join_says_the_request_is_pending(client, org_a, alice):
    dan = f.UserFactory()
    client.force_login(dan)
    client.post(reverse("partners:join"), {"identifier": "73282932000074"})

    response = client.post(reverse("partners:join"), {"identifier": "73282932000074"})

    assert_field_error(response, "identifier", "Vous avez déjà demandé à rejoindre")
    assert Membership.objects.filter(user=dan).count() == 1


# --- approving, refusing, roles ------------------------------------------------------------


def test_a_legal_representative_approves_a_request_on_the_organisation_page(client, org_a, alice):
    request = pending_request(org_a, first_name="Dan", last_name="Lefebvre")
    client.force_login(alice)

    response = client.post(
        reverse("partners:membership_approve", args=[org_a.pk, request.pk]), follow=True
    )

    assert "Dan Lefebvre est désormais membre de l&#x27;organisation." in text(response)
    request.refresh_from_db()
    assert request.is_active


def test_a_legal_representative_refuses_a_request(client, org_a, alice):
    request = pending_request(org_a)
    client.force_login(alice)

    client.post(reverse("partners:membership_refuse", args=[org_a.pk, request.pk]))

    assert not Membership.objects.filter(pk=request.pk).exists()


def test_an_editor_cannot_approve_a_request(client, org_a, alice):
    editor = f.MembershipFactory(organisation=org_a, role=MembershipRole.EDITOR).user
    request = pending_request(org_a)
    client.force_login(editor)

    response = client.post(reverse("partners:membership_approve", args=[org_a.pk, request.pk]))

    assert response.status_code == 403
    request.refresh_from_db()
    assert request.is_active is False


def test_approving_is_a_post(client, org_a, alice):
    request = pending_request(org_a)
    client.force_login(alice)

    response = client.get(reverse("partners:membership_approve", args=[org_a.pk, request.pk]))

    assert response.status_code == 405


def test_the_last_legal_representative_cannot_be_deactivated_and_is_told_why(client, org_a, alice):
    client.force_login(alice)
    membership = alice.memberships.get()

    deactivated = client.post(
        reverse("partners:membership_deactivate", args=[org_a.pk, membership.pk]), follow=True
    )
    demoted = client.post(
        reverse("partners:membership_role", args=[org_a.pk, membership.pk]),
        {"role": "editor"},
        follow=True,
    )

    for response in (deactivated, demoted):
        assert "Alice Martin est le dernier représentant légal" in text(response)
    membership.refresh_from_db()
    assert membership.is_active
    assert membership.role == LR


def test_a_legal_representative_changes_a_members_role_and_deactivates_another(
    client, org_a, alice
):
    eve = f.MembershipFactory(organisation=org_a, role=MembershipRole.EDITOR)
    dan = f.MembershipFactory(organisation=org_a, role=MembershipRole.EDITOR)
    client.force_login(alice)

    client.post(reverse("partners:membership_role", args=[org_a.pk, eve.pk]), {"role": "contact"})
    client.post(reverse("partners:membership_deactivate", args=[org_a.pk, dan.pk]))

    eve.refresh_from_db()
    dan.refresh_from_db()
    assert eve.role == MembershipRole.CONTACT
    assert dan.is_active is False
    assert client.get(reverse("partners:detail", args=[org_a.pk])).status_code == 200


# --- inviting colleagues -------------------------------------------------------------------


def test_a_member_invites_a_colleague_who_receives_a_link(
    client, org_a, alice, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(alice)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("partners:invite", args=[org_a.pk]),
            {"email": "eve@a.example.org", "role": "contact"},
            follow=True,
        )

    assert "Une invitation est envoyée à eve@a.example.org" in text(response)
    invitation = ColleagueInvitation.objects.get()
    assert invitation.role == MembershipRole.CONTACT
    [message] = mailoutbox
    assert "http://testserver/organisations/invitations/" in message.body


def test_an_invitation_with_a_bad_email_is_shown_on_its_field_and_sends_nothing(
    client, org_a, alice, mailoutbox
):
    client.force_login(alice)

    response = client.post(
        reverse("partners:invite", args=[org_a.pk]), {"email": "eve@", "role": "editor"}
    )

    assert_field_error(response, "email", "Saisissez une adresse e-mail valide.")
    assert not ColleagueInvitation.objects.exists()
    assert mailoutbox == []


def test_an_editor_is_not_offered_to_invite_a_legal_representative(client, org_a, alice):
    editor = f.MembershipFactory(organisation=org_a, role=MembershipRole.EDITOR).user
    client.force_login(editor)
    url = reverse("partners:invite", args=[org_a.pk])

    page = text(client.get(url))
    response = client.post(url, {"email": "boss@a.example.org", "role": LR})

    assert 'value="legal_representative"' not in page
    assert_field_error(response, "role", "Sélectionnez un choix valide")
    assert not ColleagueInvitation.objects.exists()


def test_the_invitation_link_makes_the_invited_colleague_a_member(client, org_a, alice):
    invitation = colleague_invitation(org_a, alice, role=MembershipRole.CONTACT)
    eve = f.UserFactory(email="eve@a.example.org")
    client.force_login(eve)
    url = reverse("partners:accept_colleague", args=[invitation.token])

    page = text(client.get(url))
    response = client.post(url, follow=True)

    assert "Organisation A" in page
    assert "Personne de contact" in page
    assert response.redirect_chain[-1][0] == reverse("partners:detail", args=[org_a.pk])
    assert "Vous êtes membre de Organisation A." in text(response)
    assert Membership.objects.get(user=eve).role == MembershipRole.CONTACT


def test_the_invitation_link_opened_with_another_account_says_so_and_creates_nothing(
    client, org_a, alice
):
    invitation = colleague_invitation(org_a, alice, email="eve@a.example.org")
    client.force_login(f.UserFactory(email="mallory@example.org"))
    url = reverse("partners:accept_colleague", args=[invitation.token])

    response = client.post(url)

    assert response.status_code == 403
    assert "une autre adresse e-mail que celle du compte" in text(response)
    assert "mallory@example.org" in text(response)
    assert "eve@a.example.org" not in text(response)
    assert not Membership.objects.filter(user__email="mallory@example.org").exists()


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ("wrong", "n&#x27;est pas valable"),
        ("expired", "Cette invitation a expiré"),
        ("used", "Cette invitation a déjà été acceptée"),
    ],
)
def test_a_wrong_expired_or_used_invitation_link_shows_a_clear_page(
    client, org_a, alice, state, message
):
    sent = timezone.now() - dt.timedelta(days=20 if state == "expired" else 1)
    invitation = colleague_invitation(org_a, alice, now=sent)
    eve = f.UserFactory(email="eve@a.example.org")
    if state == "used":
        services.colleague_invitation_accept(token=invitation.token, actor=eve)
        eve.memberships.all().delete()
    token = "x" * 43 if state == "wrong" else invitation.token
    client.force_login(eve)

    for response in (
        client.get(reverse("partners:accept_colleague", args=[token])),
        client.post(reverse("partners:accept_colleague", args=[token])),
    ):
        assert response.status_code == 404
        assert message in text(response)
        assert_accessible(response)
    assert not eve.memberships.exists()


# --- query counts --------------------------------------------------------------------------


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_list_runs_as_many_queries_for_ten_organisations_as_for_two(client):
    person = f.UserFactory()
    client.force_login(person)
    url = reverse("partners:list")

    def add(n):
        for _ in range(n):
            f.MembershipFactory(user=person, role=MembershipRole.EDITOR)
            f.MembershipFactory(user=person, is_active=False)

    add(2)
    with_two = count_queries(client, url)
    add(8)

    assert count_queries(client, url) == with_two
    # session, user, organisations with the user's role, pending requests (the session is
    # written again once a minute, not here)
    assert with_two == 4


def test_the_detail_page_runs_as_many_queries_for_ten_members_as_for_two(client, org_a, alice):
    client.force_login(alice)
    url = reverse("partners:detail", args=[org_a.pk])

    def add(n):
        for _ in range(n):
            f.MembershipFactory(organisation=org_a, role=MembershipRole.EDITOR)
            pending_request(org_a)
            colleague_invitation(org_a, alice, email=f"{len(Membership.objects.all())}@x.org")

    add(1)
    with_two = count_queries(client, url)
    add(8)

    assert count_queries(client, url) == with_two
    # session, user, organisation (membership checked), legal representative?, members,
    # pending requests, invitations with their inviter (the session is written again once a
    # minute, not here)
    assert with_two == 7


# --- languages -----------------------------------------------------------------------------


def test_the_organisation_pages_speak_dutch_and_english(client, org_a, alice):
    client.force_login(alice)
    # French paths, before a request activates another language in this thread
    listing, detail, create = (
        reverse("partners:list"),
        reverse("partners:detail", args=[org_a.pk]),
        reverse("partners:create"),
    )

    dutch = client.get(f"/nl{listing}")
    english = client.get(f"/en{detail}")
    refused = client.post(f"/nl{create}", french_form(siret=""))

    assert parse(dutch).html_lang == "nl"
    assert "Mijn organisaties" in text(dutch)
    assert "Wettelijk vertegenwoordiger" in text(dutch)
    assert "Een organisatie registreren" in text(dutch)
    assert parse(english).html_lang == "en"
    assert "Identity and contact details" in text(english)
    assert "Invite a colleague" in text(english)
    assert "Vul het SIRET-nummer van de organisatie in" in text(refused)


def test_registering_an_organisation_from_an_invitation_goes_back_to_it(client, alice):
    client.force_login(alice)
    invitation = "/invitations/abc123/"
    page = client.get(reverse("partners:create") + "?next=" + invitation)
    assert f'name="next" value="{invitation}"' in page.content.decode()
    response = client.post(reverse("partners:create"), french_form(next=invitation))
    assert response["Location"] == invitation
    response = client.post(
        reverse("partners:create"),
        french_form(siret=f.VALID_SIRETS[3], next="https://evil.example/"),
    )
    assert response["Location"].startswith("/organisations/")
