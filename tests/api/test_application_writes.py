"""What a client writes to a dossier under /api/v1/applications/: create a draft, edit its
sections, invite a partner, join a document, read the eligibility checklist, submit. Each
goes through the page's form and service, so each is refused to the same people, with the
same messages, and changes the same rows; every refusal changes nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from applications import services
from applications.choices import ApplicationStatus, FundingSource
from applications.models import Application, Attachment, SectionVersion, Snapshot, StatusChange
from calls.choices import RuleKind
from calls.eligibility import check_application
from partners.choices import PartnerRole
from partners.models import Invitation
from tests import factories as f

pytestmark = pytest.mark.django_db

APPLICATIONS = "/api/v1/applications/"
PERSONAS = ["alice", "bob", "charlie", "olivia", "oscar", "ada", "anonymous"]
# Those who see nothing of A's draft: its pages and its API do not exist for them.
STRANGERS = {"charlie", "olivia", "oscar", "ada"}

PDF = f.pdf_bytes()
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\x00\x01\x00\x00\x05\x00\x01\r\n-\xb4\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


def client_of(request, persona: str) -> APIClient:
    client = APIClient()
    if persona != "anonymous":
        client.force_authenticate(request.getfixturevalue(persona))
    return client


def as_user(user, language: str | None = None) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    if language:
        client.credentials(HTTP_ACCEPT_LANGUAGE=language)
    return client


def error(response, status: int, code: str) -> dict:
    """The one error shape, with its status and code."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "errors"}
    assert body["code"] == code, body
    return body


def refused_as_the_persona_should_be(response, persona: str, forbidden_message: str) -> None:
    if persona == "anonymous":
        error(response, 401, "not_authenticated")
    elif persona in STRANGERS:
        error(response, 404, "not_found")
    else:
        body = error(response, 403, "permission_denied")
        assert forbidden_message in body["message"]


def url(application, action: str = "") -> str:
    return f"{APPLICATIONS}{application.reference}/{action}"


def submitted(application) -> None:
    Application.objects.filter(pk=application.pk).update(status=ApplicationStatus.SUBMITTED)


# --- 1. create a draft ---------------------------------------------------------------------

ORGANISATION_OF = {"alice": "org_a", "bob": "org_b", "charlie": "org_c"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_creates_a_draft_only_for_its_own_organisation(
    request, persona, call, org_a, org_b, org_c, django_capture_on_commit_callbacks
):
    organisation = request.getfixturevalue(ORGANISATION_OF.get(persona, "org_a"))
    before = Application.objects.count()

    response = client_of(request, persona).post(
        APPLICATIONS,
        {"call": call.reference, "organisation": organisation.pk, "title": "Passerelles"},
        format="json",
    )

    if persona == "anonymous":
        error(response, 401, "not_authenticated")
    elif persona not in ORGANISATION_OF:
        body = error(response, 403, "permission_denied")
        assert "Vous n'êtes encore membre d'aucune organisation." in body["message"]
    if persona not in ORGANISATION_OF:
        assert Application.objects.count() == before
        return
    assert response.status_code == 201, response.content
    user = request.getfixturevalue(persona)
    application = Application.objects.get(reference=response.json()["reference"])
    assert response["Location"].endswith(f"{APPLICATIONS}{application.reference}/")
    assert application.call == call
    assert application.status == ApplicationStatus.DRAFT
    assert application.title == "Passerelles"
    assert application.created_by == user
    [lead] = application.partners.all()
    assert (lead.organisation, lead.role, lead.number) == (organisation, PartnerRole.LEAD, 1)
    assert (lead.contact_name, lead.contact_email) == (user.get_full_name(), user.email)
    body = response.json()
    assert body["status"] == "draft" and body["call"] == call.reference
    assert body["partners"][0]["organisation"] == organisation.legal_name
    assert body["status_history"] == []


def test_a_draft_without_a_title_is_named_as_the_page_names_it(call, org_a, alice):
    response = as_user(alice).post(
        APPLICATIONS, {"call": call.reference, "organisation": org_a.pk}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["title"] == "Nouveau dossier"


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("fr", "vous ne pouvez créer un dossier qu'au nom d'une organisation dont vous êtes"),
        ("en", "you can only create an application on behalf of an organisation you are a member"),
    ],
)
def test_another_organisations_name_is_refused_on_the_field(call, org_b, alice, language, message):
    response = as_user(alice, language).post(
        APPLICATIONS, {"call": call.reference, "organisation": org_b.pk}, format="json"
    )
    body = error(response, 400, "invalid")
    assert message in body["errors"]["organisation"][0].lower()
    assert not Application.objects.exists()


def test_a_missing_call_or_organisation_is_said_on_each_field(call, alice):
    body = error(as_user(alice).post(APPLICATIONS, {}, format="json"), 400, "invalid")
    assert body["errors"] == {"call": ["Ce champ est obligatoire."]}
    body = error(
        as_user(alice).post(APPLICATIONS, {"call": "AAP-NOPE", "organisation": 1}, format="json"),
        400,
        "invalid",
    )
    assert body["errors"]["call"] == ["Aucun appel publié n'a la référence « AAP-NOPE »."]
    body = error(
        as_user(alice).post(APPLICATIONS, {"call": call.reference}, format="json"), 400, "invalid"
    )
    assert body["errors"] == {"organisation": ["Choisissez l'organisation qui porte le dossier."]}
    assert not Application.objects.exists()


def test_a_closed_or_not_yet_open_call_refuses_by_the_servers_clock(call, org_a, alice):
    call.closes_at = timezone.now() - dt.timedelta(minutes=1)
    call.save(update_fields=["closes_at"])
    response = as_user(alice).post(
        APPLICATIONS,
        # Whatever instant the client claims, the server's clock decides.
        {"call": call.reference, "organisation": org_a.pk, "now": "2020-01-01T00:00:00Z"},
        format="json",
    )
    body = error(response, 409, "call_not_open")
    assert f"L'appel {call.reference} a été clos le" in body["message"]

    call.opens_at = timezone.now() + dt.timedelta(days=1)
    call.closes_at = timezone.now() + dt.timedelta(days=30)
    call.save(update_fields=["opens_at", "closes_at"])
    body = error(
        as_user(alice, "en").post(
            APPLICATIONS, {"call": call.reference, "organisation": org_a.pk}, format="json"
        ),
        409,
        "call_not_open",
    )
    assert "opens on" in body["message"]
    assert not Application.objects.exists()


# --- 2. sections ---------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_reads_a_section_only_when_it_sees_the_dossier(request, persona, dossier):
    response = client_of(request, persona).get(url(dossier, "sections/identification/"))
    if persona in ("alice", "bob"):
        assert response.status_code == 200
        body = response.json()
        assert body["section"] == "identification"
        assert body["version"] == 0
        assert body["title"] == dossier.title
        assert body["editable"] is (persona == "alice")
    else:
        refused_as_the_persona_should_be(response, persona, "")


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_leads_members_change_a_shared_section(request, persona, dossier):
    response = client_of(request, persona).patch(
        url(dossier, "sections/context/"),
        {"version": 0, "context": "Un territoire rural."},
        format="json",
    )
    dossier.refresh_from_db()
    if persona == "alice":
        assert response.status_code == 200, response.content
        assert response.json()["version"] == 1
        assert dossier.context == "Un territoire rural."
        return
    refused_as_the_persona_should_be(
        response, persona, "Cette section est remplie par d'autres partenaires"
    )
    assert dossier.context == ""
    assert not SectionVersion.objects.exists()


def test_a_patch_changes_the_fields_sent_and_raises_the_version(dossier, alice):
    dossier.title = "Titre d'origine"
    dossier.summary = "Résumé d'origine"
    dossier.save()
    response = as_user(alice).patch(
        url(dossier, "sections/identification/"),
        {
            "version": 0,
            "acronym": "PASSERELLES",
            "start_date": "2026-09-01",
            "end_date": "2027-08-31",
            "status": "submitted",  # not a field of the section: ignored
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json() == {
        "section": "identification",
        "version": 1,
        "editable": True,
        "measure": None,
        "acronym": "PASSERELLES",
        "title": "Titre d'origine",
        "summary": "Résumé d'origine",
        "start_date": "2026-09-01",
        "end_date": "2027-08-31",
    }
    dossier.refresh_from_db()
    assert dossier.acronym == "PASSERELLES"
    assert (dossier.start_date, dossier.end_date) == (dt.date(2026, 9, 1), dt.date(2027, 8, 31))
    assert dossier.title == "Titre d'origine" and dossier.summary == "Résumé d'origine"
    assert dossier.status == ApplicationStatus.DRAFT
    version = SectionVersion.objects.get(application=dossier, key="identification")
    assert (version.version, version.updated_by) == (1, alice)


def test_measures_priorities_and_target_groups_are_named_by_their_codes(dossier, alice):
    call = dossier.call
    measure = f.MeasureFactory(axis=f.AxisFactory(programme=call.programme), code="213")
    call.measures.add(measure)
    chosen = f.PriorityFactory(programme=call.programme, code="inclusion")
    other = f.PriorityFactory(programme=call.programme, code="numerique")
    group = f.TargetGroupFactory(programme=call.programme, code="jeunes")
    call.priorities.add(chosen, other)
    call.target_groups.add(group)
    dossier.title = "Titre"
    dossier.acronym = "ACR"
    dossier.save()
    client = as_user(alice)

    response = client.patch(
        url(dossier, "sections/identification/"), {"version": 0, "measure": "213"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["measure"] == "213"
    response = client.patch(
        url(dossier, "sections/priorities/"),
        {"version": 0, "priorities": ["inclusion"], "target_groups": ["jeunes"]},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["priorities"] == ["inclusion"]
    dossier.refresh_from_db()
    assert dossier.measure == measure
    assert list(dossier.priorities.all()) == [chosen]
    assert list(dossier.target_groups.all()) == [group]

    body = error(
        client.patch(
            url(dossier, "sections/priorities/"),
            {"version": 1, "priorities": ["pas-de-l-appel"]},
            format="json",
        ),
        400,
        "invalid",
    )
    assert "pas-de-l-appel" in body["errors"]["priorities"][0]
    assert list(dossier.priorities.all()) == [chosen]


def test_a_stale_version_is_a_409_naming_who_saved_and_nothing_is_written(dossier, alice):
    colleague = f.UserFactory(first_name="Camille", last_name="Roux")
    f.MembershipFactory(user=colleague, organisation=dossier.partners.get(number=1).organisation)
    first = as_user(colleague).patch(
        url(dossier, "sections/context/"), {"version": 0, "context": "Premier"}, format="json"
    )
    assert first.status_code == 200

    response = as_user(alice).patch(
        url(dossier, "sections/context/"), {"version": 0, "context": "Second"}, format="json"
    )

    body = error(response, 409, "conflict")
    assert "Cette section a été modifiée par Camille Roux le" in body["message"]
    dossier.refresh_from_db()
    assert dossier.context == "Premier"
    assert SectionVersion.objects.get(application=dossier, key="context").version == 1


@pytest.mark.parametrize(
    ("language", "end_date_message", "title_message"),
    [
        (
            "fr",
            "La date de fin doit être postérieure ou égale à la date de début.",
            "Ce champ est obligatoire.",
        ),
        ("en", "The end date must be on or after the start date.", "This field is required."),
    ],
)
def test_invalid_fields_are_a_400_with_the_pages_messages_in_the_requests_language(
    dossier, alice, language, end_date_message, title_message
):
    before = (dossier.title, dossier.start_date, dossier.end_date)
    response = as_user(alice, language).patch(
        url(dossier, "sections/identification/"),
        {"version": 0, "title": "", "start_date": "2026-09-01", "end_date": "2026-01-01"},
        format="json",
    )
    body = error(response, 400, "invalid")
    assert body["errors"]["end_date"] == [end_date_message]
    assert body["errors"]["title"] == [title_message]
    assert response["Content-Language"] == language
    dossier.refresh_from_db()
    assert (dossier.title, dossier.start_date, dossier.end_date) == before
    assert not SectionVersion.objects.exists()


def test_a_missing_version_or_a_body_that_is_not_an_object_is_a_400(dossier, alice):
    body = error(
        as_user(alice).patch(url(dossier, "sections/context/"), {"context": "x"}, format="json"),
        400,
        "invalid",
    )
    assert body["errors"] == {"version": ["Ce champ est obligatoire."]}
    body = error(
        as_user(alice).patch(url(dossier, "sections/context/"), ["x"], format="json"),
        400,
        "invalid",
    )
    assert list(body["errors"]) == ["non_field_errors"]
    dossier.refresh_from_db()
    assert dossier.context == ""


def test_a_submitted_dossiers_sections_are_a_409_with_the_pages_reason(dossier, alice):
    submitted(dossier)
    assert as_user(alice).get(url(dossier, "sections/context/")).json()["editable"] is False
    response = as_user(alice).patch(
        url(dossier, "sections/context/"), {"version": 0, "context": "Trop tard"}, format="json"
    )
    body = error(response, 409, "invalid_state")
    assert (
        body["message"] == "Ce dossier est à l'état « Déposé » : il se lit, il ne se modifie plus."
    )
    dossier.refresh_from_db()
    assert dossier.context == ""


def test_an_unknown_section_is_a_404(dossier, alice):
    body = error(as_user(alice).get(url(dossier, "sections/budget_lines/")), 404, "not_found")
    assert "identification, context, priorities" in body["message"]


def test_a_section_has_an_etag_and_a_save_changes_it(dossier, alice):
    client = as_user(alice)
    section = url(dossier, "sections/context/")
    etag = client.get(section)["ETag"]
    assert client.get(section, HTTP_IF_NONE_MATCH=etag).status_code == 304
    client.patch(section, {"version": 0, "context": "Nouveau"}, format="json")
    assert client.get(section, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_a_session_write_needs_its_csrf_token(dossier, alice):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(alice)
    section = url(dossier, "sections/context/")

    body = error(client.patch(section, {"version": 0, "context": "x"}, format="json"), 403,
                 "permission_denied")  # fmt: skip
    assert "CSRF" in body["message"]
    dossier.refresh_from_db()
    assert dossier.context == ""
    assert client.get(section).status_code == 200  # a read needs no token

    secret = "a" * 32
    client.cookies["csrftoken"] = secret
    response = client.patch(
        section, {"version": 0, "context": "Avec le jeton"}, format="json", HTTP_X_CSRFTOKEN=secret
    )
    assert response.status_code == 200, response.content
    dossier.refresh_from_db()
    assert dossier.context == "Avec le jeton"


def test_a_token_writes_without_csrf(dossier, alice):
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=alice).key}")
    response = client.patch(
        url(dossier, "sections/context/"), {"version": 0, "context": "Par jeton"}, format="json"
    )
    assert response.status_code == 200, response.content


# --- 3. invite a partner ----------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_leads_members_invite_and_the_email_leaves_on_commit(
    request, persona, dossier, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_of(request, persona).post(
            url(dossier, "invitations/"),
            {"email": " Dana@D.example.org ", "message": "Rejoignez-nous."},
            format="json",
        )
    if persona != "alice":
        refused_as_the_persona_should_be(
            response, persona, "Seuls les membres du chef de file peuvent inviter"
        )
        assert not Invitation.objects.exists()
        assert mail.outbox == []
        return
    assert response.status_code == 201, response.content
    invitation = Invitation.objects.get()
    assert invitation.application == dossier
    assert invitation.email == "dana@d.example.org"
    assert invitation.invited_by == request.getfixturevalue("alice")
    assert invitation.message == "Rejoignez-nous."
    body = response.json()
    assert body["email"] == "dana@d.example.org" and body["status"] == "pending"
    assert "token" not in body and "token_hash" not in body
    [message] = mail.outbox
    assert message.to == ["dana@d.example.org"]
    assert "http://testserver/" in message.body and "/invitations/" in message.body


def test_no_invitation_email_leaves_before_the_commit(dossier, alice):
    response = as_user(alice).post(
        url(dossier, "invitations/"), {"email": "dana@d.example.org"}, format="json"
    )
    assert response.status_code == 201
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("fr", "Saisissez une adresse e-mail valide."),
        ("en", "Enter a valid email address."),
    ],
)
def test_a_wrong_address_is_refused_on_the_field(dossier, alice, language, message):
    response = as_user(alice, language).post(
        url(dossier, "invitations/"), {"email": "pas-une-adresse"}, format="json"
    )
    assert error(response, 400, "invalid")["errors"] == {"email": [message]}
    assert not Invitation.objects.exists()


def test_an_address_already_invited_is_refused_as_the_page_refuses_it(
    dossier, alice, django_capture_on_commit_callbacks
):
    client = as_user(alice)
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            client.post(url(dossier, "invitations/"), {"email": "dana@d.example.org"}).status_code
            == 201
        )
        response = client.post(url(dossier, "invitations/"), {"email": "DANA@d.example.org"})
    body = error(response, 400, "invalid")
    assert "attend déjà une réponse" in body["errors"]["email"][0]
    assert Invitation.objects.count() == 1
    assert len(mail.outbox) == 1


def test_a_submitted_dossiers_consortium_is_a_409(dossier, alice):
    submitted(dossier)
    response = as_user(alice).post(url(dossier, "invitations/"), {"email": "dana@d.example.org"})
    body = error(response, 409, "invalid_state")
    assert "son partenariat ne se modifie plus" in body["message"]
    assert not Invitation.objects.exists()


# --- 4. attachments -------------------------------------------------------------------------


@pytest.fixture
def statutes(call):
    document_type = f.DocumentTypeFactory(code="statuts", name="Statuts du chef de file")
    call.required_document_types.add(document_type)
    return document_type


def upload(name: str, content: bytes, claimed: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=claimed)


def stored_files(settings) -> list[str]:
    root = settings.MEDIA_ROOT
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_leads_members_join_the_dossiers_own_documents(
    request, persona, dossier, statutes, settings
):
    response = client_of(request, persona).post(
        url(dossier, "attachments/"),
        {"document_type": "statuts", "file": upload("Statuts signés.pdf", PDF, "image/png")},
        format="multipart",
    )
    if persona != "alice":
        refused_as_the_persona_should_be(
            response, persona, "Les pièces du dossier sont jointes ou retirées par les membres"
        )
        assert not Attachment.objects.exists()
        assert not settings.MEDIA_ROOT.exists() or stored_files(settings) == []
        return
    assert response.status_code == 201, response.content
    attachment = Attachment.objects.get()
    assert attachment.application == dossier and attachment.partner is None
    assert attachment.document_type == statutes
    assert attachment.original_name == "Statuts signés.pdf"
    assert attachment.content_type == "application/pdf"  # from the content, not the claim
    assert attachment.size == len(PDF)
    assert attachment.sha256 == hashlib.sha256(PDF).hexdigest()
    assert attachment.uploaded_by == request.getfixturevalue("alice")
    assert "Statuts" not in attachment.file.name  # stored under a generated name
    assert stored_files(settings) == [attachment.file.name]
    assert response.json()["sha256"] == attachment.sha256
    assert response.json()["document_type"] == "statuts"


def test_the_uploaded_name_is_never_taken_as_it_comes(dossier, statutes, alice):
    response = as_user(alice).post(
        url(dossier, "attachments/"),
        {"document_type": "statuts", "file": upload("  rapport\u202e  final .pdf", PDF)},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    assert response.json()["original_name"] == "rapport final .pdf"  # no control character


def test_a_partner_joins_its_own_commitment_letter_by_its_number(dossier, bob, call):
    letter = f.DocumentTypeFactory(code="engagement", name="Lettre d'engagement", per_partner=True)
    call.required_document_types.add(letter)
    response = as_user(bob).post(
        url(dossier, "attachments/"),
        {"document_type": "engagement", "partner": 2, "file": upload("lettre.pdf", PDF)},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    attachment = Attachment.objects.get()
    assert attachment.partner == dossier.partners.get(number=2)
    assert response.json()["partner"] == 2
    # Not the lead's letter: the page's form refuses it on the field.
    response = as_user(bob).post(
        url(dossier, "attachments/"),
        {"document_type": "engagement", "partner": 1, "file": upload("lettre.pdf", PDF)},
        format="multipart",
    )
    assert (
        "partenaires dont vous êtes membre"
        in error(response, 400, "invalid")["errors"]["partner"][0]
    )
    assert Attachment.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "photo.pdf",
            PNG,
            "« photo.pdf » porte l'extension .pdf mais son contenu est une image PNG",
        ),
        ("notes.pdf", b"juste du texte\n" * 10, "n'est pas d'un format accepté"),
    ],
)
def test_a_file_whose_content_is_not_accepted_is_refused_and_nothing_is_saved(
    dossier, statutes, alice, settings, name, content, message
):
    response = as_user(alice).post(
        url(dossier, "attachments/"),
        {"document_type": "statuts", "file": upload(name, content)},
        format="multipart",
    )
    body = error(response, 400, "invalid")
    assert message in body["errors"]["file"][0]
    assert not Attachment.objects.exists()
    assert not settings.MEDIA_ROOT.exists() or stored_files(settings) == []


def test_a_file_over_the_calls_limit_is_refused_with_both_sizes(dossier, statutes, alice):
    dossier.call.max_attachment_mb = 1
    dossier.call.save(update_fields=["max_attachment_mb"])
    big = PDF + b"0" * (1024 * 1024 + 1 - len(PDF))
    response = as_user(alice).post(
        url(dossier, "attachments/"),
        {"document_type": "statuts", "file": upload("dossier complet.pdf", big)},
        format="multipart",
    )
    body = error(response, 400, "invalid")
    assert body["errors"]["file"] == [
        "« dossier complet.pdf » pèse 1,01 Mo : cet appel accepte des pièces de 1 Mo au plus. "
        "Réduisez-le (PDF compressé, images moins lourdes) ou scindez-le."
    ]
    assert not Attachment.objects.exists()


def test_an_unknown_type_and_a_missing_file_are_said_on_their_fields(dossier, statutes, alice):
    response = as_user(alice).post(
        url(dossier, "attachments/"), {"document_type": "inconnu"}, format="multipart"
    )
    errors = error(response, 400, "invalid")["errors"]
    assert errors["document_type"][0].startswith("Vous ne pouvez pas joindre ce type de pièce")
    assert errors["file"] == ["Choisissez le fichier à joindre."]


def test_a_submitted_dossiers_attachments_are_a_409(dossier, statutes, alice):
    submitted(dossier)
    response = as_user(alice).post(
        url(dossier, "attachments/"),
        {"document_type": "statuts", "file": upload("statuts.pdf", PDF)},
        format="multipart",
    )
    assert "ne se modifient plus" in error(response, 409, "invalid_state")["message"]
    assert not Attachment.objects.exists()


# --- 5. eligibility ------------------------------------------------------------------------


@pytest.fixture
def three_partners_rule(dossier):
    return f.EligibilityRuleFactory(
        call=dossier.call,
        kind=RuleKind.MIN_PARTNERS,
        parameters={"minimum": 3},
        explanation="Au moins trois organisations forment le partenariat.",
    )


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_dossiers_partners_read_its_checklist(request, persona, dossier, three_partners_rule):
    response = client_of(request, persona).get(url(dossier, "eligibility/"))
    if persona not in ("alice", "bob"):
        refused_as_the_persona_should_be(response, persona, "")
        return
    assert response.status_code == 200, response.content
    expected = check_application(dossier).results[0]
    assert response.json() == {
        "reference": dossier.reference,
        "eligible": False,
        "verdict": "fail",
        "summary": "1 critère bloquant n'est pas rempli : le dossier ne peut pas encore être "
        "déposé.",
        "results": [
            {
                "rule_id": three_partners_rule.pk,
                "kind": RuleKind.MIN_PARTNERS,
                "status": "fail",
                "status_label": "Non conforme",
                "blocking": True,
                "blocks_submission": True,
                "message": expected.message,
                "explanation": "Au moins trois organisations forment le partenariat.",
                "section": "consortium",
                "section_label": "Partenariat",
            }
        ],
    }
    assert "2" in expected.message and "3" in expected.message


def test_the_checklist_speaks_the_requests_language_and_has_an_etag(
    dossier, alice, three_partners_rule
):
    client = as_user(alice, "en")
    response = client.get(url(dossier, "eligibility/"))
    body = response.json()
    assert body["results"][0]["status_label"] == "Fail"
    assert body["summary"].startswith("1 blocking criterion")
    assert (
        client.get(url(dossier, "eligibility/"), HTTP_IF_NONE_MATCH=response["ETag"]).status_code
        == 304
    )


# --- 6. submit ------------------------------------------------------------------------------


@pytest.fixture
def ready(dossier):
    """Alice's dossier with a budget, a co-financing plan and contacts: no rule fails."""
    lead, partner = dossier.partners.order_by("number")
    f.BudgetLineFactory(partner=lead, amount=Decimal("10000.00"))
    f.CofinancingFactory(partner=lead, source=FundingSource.EU, amount=Decimal("6000.00"))
    partner.contact_email = "contact@b.example.org"
    partner.save()
    f.EligibilityRuleFactory(
        call=dossier.call, kind=RuleKind.MIN_PARTNERS, parameters={"minimum": 2}
    )
    return dossier


def nothing_submitted(application) -> None:
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT
    assert application.submitted_at is None
    assert not Snapshot.objects.exists()
    assert not StatusChange.objects.exists()


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_leads_members_submit_and_the_dossier_is_frozen(
    request, persona, ready, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_of(request, persona).post(
            url(ready, "submit/"), {"confirm": True}, format="json"
        )
    if persona != "alice":
        refused_as_the_persona_should_be(
            response, persona, "Seuls les membres du chef de file peuvent déposer ce dossier."
        )
        nothing_submitted(ready)
        assert mail.outbox == []
        return
    assert response.status_code == 200, response.content
    alice = request.getfixturevalue("alice")
    ready.refresh_from_db()
    assert ready.status == ApplicationStatus.SUBMITTED
    snapshot = Snapshot.objects.get(application=ready)
    assert ready.current_snapshot == snapshot and ready.submitted_at == snapshot.created_at
    assert snapshot.created_by == alice
    change = StatusChange.objects.get(application=ready)
    assert (change.from_status, change.to_status, change.actor) == ("draft", "submitted", alice)
    body = response.json()
    assert body["status"] == "submitted"
    assert body["submitted_version"]["sha256"] == snapshot.sha256
    assert any("Accusé de réception" in message.subject for message in mail.outbox)


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("fr", "Cochez cette case pour certifier l'exactitude des informations avant le dépôt."),
        ("en", "Tick this box to certify"),
    ],
)
def test_a_submission_without_the_certification_is_refused_on_the_field(
    ready, alice, language, message
):
    response = as_user(alice, language).post(
        url(ready, "submit/"), {"confirm": False}, format="json"
    )
    assert error(response, 400, "invalid")["errors"]["confirm"][0].startswith(message)
    nothing_submitted(ready)


def test_a_failing_blocking_rule_refuses_the_submission_with_its_message(ready, alice):
    f.EligibilityRuleFactory(call=ready.call, kind=RuleKind.MIN_PARTNERS, parameters={"minimum": 3})
    failure = check_application(ready).blocking_failures[0].message
    response = as_user(alice).post(url(ready, "submit/"), {"confirm": True}, format="json")
    assert error(response, 400, "submission_refused")["message"] == failure
    nothing_submitted(ready)


def test_a_closed_call_refuses_the_submission_by_the_servers_clock(ready, alice):
    ready.call.closes_at = timezone.now() - dt.timedelta(seconds=1)
    ready.call.save(update_fields=["closes_at"])
    response = as_user(alice).post(
        url(ready, "submit/"),
        {"confirm": True, "submitted_at": "2020-01-01T00:00:00Z"},
        format="json",
    )
    body = error(response, 400, "submission_refused")
    assert body["message"].startswith("L'appel a été clos le")
    nothing_submitted(ready)


def test_a_dossier_already_submitted_is_a_409(ready, alice):
    submitted(ready)
    response = as_user(alice).post(url(ready, "submit/"), {"confirm": True}, format="json")
    body = error(response, 409, "invalid_state")
    assert body["message"] == "Ce dossier est à l'état « Déposé » : il ne peut pas être déposé."
    assert not Snapshot.objects.exists()


def test_a_concurrent_submission_is_a_409_and_the_dossier_is_submitted_once(
    ready, alice, monkeypatch
):
    """Two requests read the draft; the other one submits first, under the dossier's lock;
    this one's service then finds the dossier submitted."""
    colleague = f.UserFactory()
    f.MembershipFactory(user=colleague, organisation=ready.partners.get(number=1).organisation)
    real_submit = services.application_submit

    def other_request_first(*, application, actor, now=None):
        real_submit(application=Application.objects.get(pk=application.pk), actor=colleague)
        return real_submit(application=application, actor=actor, now=now)

    monkeypatch.setattr(services, "application_submit", other_request_first)
    response = as_user(alice).post(url(ready, "submit/"), {"confirm": True}, format="json")

    body = error(response, 409, "conflict")
    assert "il ne peut pas être déposé" in body["message"]
    assert Snapshot.objects.filter(application=ready).count() == 1
    [change] = StatusChange.objects.filter(application=ready)
    assert change.actor == colleague
