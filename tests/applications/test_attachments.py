"""The attachments of a dossier: the required documents and what is missing, uploads
checked by their content (kind, extension, size), downloads for those who may see the
dossier only, deletions by those who may join the file, nothing once the dossier is
submitted."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applications.models import Attachment
from applications.services import ServiceRefused
from applications.uploads import (
    attachment_add,
    attachment_delete,
    clean_original_name,
    detect_kind,
    say_megabytes,
)
from partners.choices import PartnerRole
from tests import factories as f

pytestmark = pytest.mark.django_db

# --- real file contents -----------------------------------------------------------------------

PDF = f.pdf_bytes()
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48
TEXT = "Lettre d'engagement : nous nous engageons à participer.\n".encode()

OOXML_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
}


def _ooxml(kind: str) -> bytes:
    part = "/word/document.xml" if kind == "docx" else "/xl/workbook.xml"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="{part}" ContentType="{OOXML_TYPES[kind]}"/>'
            "</Types>",
        )
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            f'2006/relationships/officeDocument" Target="{part[1:]}"/></Relationships>',
        )
        archive.writestr(part[1:], "<document/>")
    return buffer.getvalue()


def _opendocument(mimetype: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", mimetype, compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", "<office:document-content/>", zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", "<manifest:manifest/>", zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("notes.txt", "Quelques notes.")
    return buffer.getvalue()


DOCX = _ooxml("docx")
XLSX = _ooxml("xlsx")
ODT = _opendocument("application/vnd.oasis.opendocument.text")
ODS = _opendocument("application/vnd.oasis.opendocument.spreadsheet")
ZIP = _plain_zip()


def _upload(name: str, content: bytes, claimed: str = "application/pdf") -> SimpleUploadedFile:
    """A file as a browser sends it, with the Content-Type the browser claims (ignored)."""
    return SimpleUploadedFile(name, content, content_type=claimed)


# --- fixtures and helpers ---------------------------------------------------------------------


@pytest.fixture
def statutes(call):
    document_type = f.DocumentTypeFactory(code="statuts", name="Statuts du chef de file")
    call.required_document_types.add(document_type)
    return document_type


@pytest.fixture
def commitment(call):
    document_type = f.DocumentTypeFactory(
        code="lettre-engagement", name="Lettre d'engagement", per_partner=True
    )
    call.required_document_types.add(document_type)
    return document_type


@pytest.fixture
def annex(db):
    return f.DocumentTypeFactory(code="annexe-technique", name="Annexe technique")


@pytest.fixture
def lead(dossier):
    return dossier.partners.get(number=1)


@pytest.fixture
def partner_b(dossier):
    return dossier.partners.get(number=2)


def _url(name, application, *args):
    return reverse(f"applications:{name}", args=[application.reference, *args])


def _post_file(client, application, document_type, upload, partner=None):
    data = {"document_type": str(document_type.pk), "file": upload}
    if partner is not None:
        data["partner"] = str(partner.pk)
    return client.post(_url("attachments", application), data)


def _stored_files(settings) -> list[str]:
    root = settings.MEDIA_ROOT
    if not root.exists():
        return []
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def _attach(application, document_type, *, by, partner=None, name="statuts.pdf", content=PDF):
    return attachment_add(
        application=application,
        partner=partner,
        document_type=document_type,
        uploaded_file=_upload(name, content),
        actor=by,
    )


def _submitted(application):
    type(application).objects.filter(pk=application.pk).update(status="submitted")


# --- the page --------------------------------------------------------------------------------


def test_the_page_lists_the_required_documents_and_who_is_missing_theirs(
    client, alice, dossier, statutes, commitment, annex
):
    client.force_login(alice)
    response = client.get(_url("attachments", dossier))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Statuts du chef de file" in html and "obligatoire" in html
    assert "Manque pour : Organisation A, Organisation B" in html
    assert html.index("Lettre d&#x27;engagement") < html.index("Annexe technique")
    assert 'enctype="multipart/form-data"' in html
    assert 'name="file"' in html and 'accept=".pdf,.png,.jpg,.jpeg,.docx,.xlsx,.odt,.ods"' in html
    assert "10 Mo au plus par fichier" in html


def test_once_a_partner_joined_its_letter_only_the_others_are_listed_as_missing(
    client, alice, bob, dossier, commitment, partner_b
):
    _attach(dossier, commitment, by=bob, partner=partner_b, name="engagement-b.pdf")
    client.force_login(alice)
    html = client.get(_url("attachments", dossier)).content.decode()
    assert "engagement-b.pdf" in html
    assert "Manque pour : Organisation A<" in html


def test_the_side_menu_marks_the_attachments_complete_once_the_required_ones_are_joined(
    client, alice, bob, dossier, statutes, commitment, lead, partner_b
):
    client.force_login(alice)
    marker = 'dossier-menu__item--complete">\n      <a href="' + _url("attachments", dossier)
    assert marker not in client.get(_url("attachments", dossier)).content.decode()
    _attach(dossier, statutes, by=alice)
    _attach(dossier, commitment, by=alice, partner=lead, name="engagement-a.pdf")
    _attach(dossier, commitment, by=bob, partner=partner_b, name="engagement-b.pdf")
    html = client.get(_url("attachments", dossier)).content.decode()
    assert marker in html
    assert "Manquante" not in html and "Jointe" in html


# --- uploads accepted ---------------------------------------------------------------------------


def test_the_lead_uploads_a_pdf_stored_under_a_generated_name_with_its_detected_type(
    client, alice, dossier, statutes, settings
):
    client.force_login(alice)
    # The browser claims an image: the content decides.
    response = _post_file(
        client, dossier, statutes, _upload("Statuts signés.pdf", PDF, claimed="image/png")
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get(application=dossier)
    assert attachment.original_name == "Statuts signés.pdf"
    assert attachment.content_type == "application/pdf"
    assert attachment.size == len(PDF)
    assert attachment.sha256 == hashlib.sha256(PDF).hexdigest()
    assert attachment.partner is None
    assert attachment.uploaded_by == alice
    assert attachment.file.name.startswith("attachments/")
    assert attachment.file.name.endswith(".pdf") and "Statuts" not in attachment.file.name
    assert _stored_files(settings) == [attachment.file.name]
    page = client.get(response["Location"]).content.decode()
    assert "« Statuts signés.pdf » est joint au dossier comme « Statuts du chef de file »." in page


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("photo.png", PNG, "image/png"),
        ("photo.JPG", JPEG, "image/jpeg"),
        ("photo.jpeg", JPEG, "image/jpeg"),
        (
            "budget.docx",
            DOCX,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("budget.xlsx", XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("note.odt", ODT, "application/vnd.oasis.opendocument.text"),
        ("tableau.ods", ODS, "application/vnd.oasis.opendocument.spreadsheet"),
    ],
)
def test_images_and_office_documents_are_accepted_by_their_content(
    client, alice, dossier, annex, name, content, content_type
):
    client.force_login(alice)
    response = _post_file(
        client, dossier, annex, _upload(name, content, "application/octet-stream")
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get(application=dossier)
    assert attachment.content_type == content_type
    assert attachment.original_name == name


def test_a_partner_uploads_its_own_commitment_letter(client, bob, dossier, commitment, partner_b):
    client.force_login(bob)
    response = _post_file(
        client, dossier, commitment, _upload("engagement.pdf", PDF), partner=partner_b
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get(application=dossier)
    assert attachment.partner == partner_b
    assert attachment.document_type == commitment


def test_a_per_partner_document_without_its_partner_is_refused(
    client, alice, bob, dossier, commitment, org_a
):
    # Bob is also a member of the lead: he must say for which partner the letter is.
    f.MembershipFactory(user=bob, organisation=org_a)
    client.force_login(bob)
    response = _post_file(client, dossier, commitment, _upload("engagement.pdf", PDF))
    assert response.status_code == 422
    assert "« Lettre d&#x27;engagement » se fournit par partenaire" in response.content.decode()
    assert not Attachment.objects.exists()


# --- uploads refused ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "photo.pdf",
            PNG,
            "« photo.pdf » porte l&#x27;extension .pdf mais son contenu est une image PNG : "
            "renommez-le en .png",
        ),
        (
            "lettre.pdf",
            DOCX,
            "« lettre.pdf » porte l&#x27;extension .pdf mais son contenu est un document Word "
            "(DOCX)",
        ),
        ("photo", PNG, "« photo » n&#x27;a pas d&#x27;extension alors que son contenu est"),
        (
            "archive.docx",
            ZIP,
            "« archive.docx » n&#x27;est pas d&#x27;un format accepté : son contenu est une "
            "archive ZIP. Les formats acceptés sont PDF, PNG, JPEG, DOCX, XLSX, ODT ou ODS.",
        ),
        (
            "setup.pdf",
            EXE,
            "« setup.pdf » n&#x27;est pas d&#x27;un format accepté : son contenu "
            "est un programme exécutable.",
        ),
        (
            "notes.pdf",
            TEXT,
            "« notes.pdf » n&#x27;est pas d&#x27;un format accepté : son contenu "
            "est du texte brut.",
        ),
        ("vide.pdf", b"", "« vide.pdf » est vide (0 octet)"),
        ("tronque.docx", b"PK\x03\x04" + b"\x00" * 40, "son contenu est une archive ZIP"),
    ],
)
def test_a_file_whose_content_is_not_accepted_is_refused_and_nothing_is_saved(
    client, alice, dossier, statutes, settings, name, content, message
):
    client.force_login(alice)
    response = _post_file(client, dossier, statutes, _upload(name, content))
    assert response.status_code == 422
    html = response.content.decode()
    assert message in html
    assert "rien n'a été enregistré" in html
    assert not Attachment.objects.exists()
    assert _stored_files(settings) == []


def test_a_file_over_the_calls_limit_is_refused_with_both_sizes(
    client, alice, dossier, statutes, settings
):
    dossier.call.max_attachment_mb = 1
    dossier.call.save(update_fields=["max_attachment_mb"])
    big = PDF + b"0" * (1024 * 1024 + 1 - len(PDF))
    client.force_login(alice)
    response = _post_file(client, dossier, statutes, _upload("dossier complet.pdf", big))
    assert response.status_code == 422
    assert (
        "« dossier complet.pdf » pèse 1,01 Mo : cet appel accepte des pièces de 1 Mo au plus."
        in response.content.decode()
    )
    assert not Attachment.objects.exists()
    assert _stored_files(settings) == []


def test_a_file_exactly_at_the_limit_is_accepted(client, alice, dossier, statutes):
    dossier.call.max_attachment_mb = 1
    dossier.call.save(update_fields=["max_attachment_mb"])
    client.force_login(alice)
    page = client.get(_url("attachments", dossier)).content.decode()
    assert "1 Mo au plus par fichier" in page
    assert 'name="partner"' not in page  # no document here is given per partner
    exact = PDF + b"0" * (1024 * 1024 - len(PDF))
    assert _post_file(client, dossier, statutes, _upload("a.pdf", exact)).status_code == 302


def test_no_file_and_no_type_are_refused_with_messages(client, alice, dossier, statutes):
    client.force_login(alice)
    response = client.post(_url("attachments", dossier), {"document_type": ""})
    assert response.status_code == 422
    html = response.content.decode()
    assert "Choisissez le type de la pièce." in html
    assert "Choisissez le fichier à joindre." in html
    assert not Attachment.objects.exists()


def test_a_failed_save_leaves_no_file_behind(alice, dossier, statutes, settings, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(Attachment, "save", fail)
    with pytest.raises(RuntimeError):
        _attach(dossier, statutes, by=alice)
    assert _stored_files(settings) == []


def test_the_service_checks_the_content_too(alice, dossier, statutes, settings):
    with pytest.raises(ServiceRefused, match="son contenu est une image PNG"):
        _attach(dossier, statutes, by=alice, name="faux.pdf", content=PNG)
    assert not Attachment.objects.exists()
    assert _stored_files(settings) == []


# --- names, kinds and sizes --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("uploaded", "shown"),
    [
        ("C:\\Users\\alice\\Documents\\statuts.pdf", "statuts.pdf"),
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("rapport\u202efdp.exe", "rapportfdp.exe"),
        ("bil\x00an\x07 2026 .pdf", "bilan 2026 .pdf"),
        ("  ..  ", "document"),
        ("a" * 300 + ".pdf", "a" * 115 + "….pdf"),
    ],
)
def test_the_original_name_is_cleaned_for_display(uploaded, shown):
    assert clean_original_name(uploaded) == shown


def test_an_opendocument_is_read_from_its_mimetype_and_a_macro_document_is_refused():
    assert detect_kind(_upload("x.odt", ODT)).code == "odt"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<Types><Override PartName="/word/document.xml" ContentType="application/'
            'vnd.ms-word.document.macroEnabled.main+xml"/></Types>',
        )
    assert detect_kind(_upload("x.docm", buffer.getvalue())).code == "office-macro"


def test_sizes_are_said_in_megabytes_in_french_rounded_up():
    assert say_megabytes(10 * 1024 * 1024) == "10 Mo"
    assert say_megabytes(1024 * 1024 + 1) == "1,01 Mo"
    assert say_megabytes(1536 * 1024) == "1,50 Mo"


# --- download ---------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["alice", "bob"])
def test_those_who_see_the_dossier_download_the_file_as_uploaded(
    client, request, dossier, statutes, alice, persona
):
    attachment = _attach(dossier, statutes, by=alice, name="Statuts 2026.pdf")
    client.force_login(request.getfixturevalue(persona))
    response = client.get(_url("attachment_download", dossier, attachment.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        "attachment; filename=\"Statuts 2026.pdf\"; filename*=utf-8''Statuts%202026.pdf"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF


def test_a_non_ascii_name_is_given_back_encoded(client, alice, dossier, statutes):
    attachment = _attach(dossier, statutes, by=alice, name="Délibération.pdf")
    client.force_login(alice)
    response = client.get(_url("attachment_download", dossier, attachment.pk))
    assert "filename*=utf-8''D%C3%A9lib%C3%A9ration.pdf" in response["Content-Disposition"]


def test_a_file_of_another_dossier_is_not_found_under_this_ones_reference(
    client, alice, dossier, statutes, call, org_a
):
    other = f.lead_application(call=call, organisation=org_a, created_by=alice)
    foreign = _attach(other, statutes, by=alice)
    client.force_login(alice)
    assert client.get(_url("attachment_download", dossier, foreign.pk)).status_code == 404
    assert client.post(_url("attachment_delete", dossier, foreign.pk)).status_code == 404
    assert Attachment.objects.filter(pk=foreign.pk).exists()


def test_an_unrelated_member_finds_nothing(client, alice, charlie, dossier, statutes, settings):
    attachment = _attach(dossier, statutes, by=alice)
    client.force_login(charlie)
    assert client.get(_url("attachments", dossier)).status_code == 404
    assert (
        client.post(
            _url("attachments", dossier),
            {"document_type": str(statutes.pk), "file": _upload("x.pdf", PDF)},
        ).status_code
        == 404
    )
    assert client.get(_url("attachment_download", dossier, attachment.pk)).status_code == 404
    assert client.get(_url("attachment_delete", dossier, attachment.pk)).status_code == 404
    assert client.post(_url("attachment_delete", dossier, attachment.pk)).status_code == 404
    assert Attachment.objects.count() == 1
    assert len(_stored_files(settings)) == 1


def test_a_visitor_is_sent_to_the_login_page(client, alice, dossier, statutes, settings):
    attachment = _attach(dossier, statutes, by=alice)
    response = client.get(_url("attachment_download", dossier, attachment.pk))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse(settings.LOGIN_URL))


# --- who uploads and deletes what ---------------------------------------------------------------


def test_a_partner_without_any_document_to_give_is_told_who_joins_them(
    client, bob, dossier, statutes, settings
):
    client.force_login(bob)
    page = client.get(_url("attachments", dossier)).content.decode()
    assert 'id="attachment-form"' not in page
    response = _post_file(client, dossier, statutes, _upload("statuts.pdf", PDF))
    assert response.status_code == 403
    assert (
        "Les pièces du dossier sont jointes ou retirées par les membres du chef de file, "
        "Organisation A." in response.content.decode()
    )
    assert not Attachment.objects.exists()
    assert _stored_files(settings) == []


def test_a_partner_cannot_upload_a_document_of_the_dossier(
    client, bob, dossier, statutes, commitment
):
    client.force_login(bob)
    page = client.get(_url("attachments", dossier)).content.decode()
    assert f'<option value="{statutes.pk}"' not in page
    response = _post_file(client, dossier, statutes, _upload("statuts.pdf", PDF))
    assert response.status_code == 422
    assert "Vous ne pouvez pas joindre ce type de pièce" in response.content.decode()
    assert not Attachment.objects.exists()


def test_the_lead_cannot_upload_a_partners_own_letter(
    client, alice, dossier, commitment, partner_b
):
    client.force_login(alice)
    response = _post_file(
        client, dossier, commitment, _upload("engagement.pdf", PDF), partner=partner_b
    )
    assert response.status_code == 422
    assert "que des partenaires dont vous êtes membre" in response.content.decode()
    assert not Attachment.objects.exists()
    with pytest.raises(ServiceRefused, match="Organisation B sont jointes ou retirées par ses"):
        _attach(dossier, commitment, by=alice, partner=partner_b)


def test_a_partner_cannot_delete_the_leads_file(client, alice, bob, dossier, statutes):
    attachment = _attach(dossier, statutes, by=alice)
    client.force_login(bob)
    assert "Supprimer" not in client.get(_url("attachments", dossier)).content.decode()
    response = client.post(_url("attachment_delete", dossier, attachment.pk))
    assert response.status_code == 403
    assert "par les membres du chef de file, Organisation A" in response.content.decode()
    assert Attachment.objects.filter(pk=attachment.pk).exists()


def test_the_lead_cannot_delete_a_partners_letter(
    client, alice, bob, dossier, commitment, partner_b
):
    attachment = _attach(dossier, commitment, by=bob, partner=partner_b)
    client.force_login(alice)
    response = client.post(_url("attachment_delete", dossier, attachment.pk))
    assert response.status_code == 403
    assert Attachment.objects.filter(pk=attachment.pk).exists()


def test_the_uploader_side_deletes_a_file_and_it_leaves_the_storage(
    client, alice, dossier, statutes, settings, django_capture_on_commit_callbacks
):
    attachment = _attach(dossier, statutes, by=alice)
    assert _stored_files(settings) == [attachment.file.name]
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url("attachment_delete", dossier, attachment.pk))
    assert response.status_code == 302
    assert not Attachment.objects.exists()
    assert _stored_files(settings) == []
    assert (
        "« statuts.pdf » est retiré du dossier."
        in client.get(response["Location"]).content.decode()
    )


def test_deleting_needs_a_post(client, alice, dossier, statutes):
    attachment = _attach(dossier, statutes, by=alice)
    client.force_login(alice)
    assert client.get(_url("attachment_delete", dossier, attachment.pk)).status_code == 405
    assert Attachment.objects.exists()


def test_nobody_uploads_or_deletes_once_the_dossier_is_submitted(
    client, alice, bob, dossier, statutes, commitment, partner_b, settings
):
    mine = _attach(dossier, statutes, by=alice)
    theirs = _attach(dossier, commitment, by=bob, partner=partner_b)
    _submitted(dossier)
    client.force_login(alice)
    page = client.get(_url("attachments", dossier)).content.decode()
    assert "ses pièces se lisent et se téléchargent" in page
    assert 'id="attachment-form"' not in page and "Supprimer" not in page
    response = _post_file(client, dossier, statutes, _upload("autre.pdf", PDF))
    assert response.status_code == 403
    assert client.post(_url("attachment_delete", dossier, mine.pk)).status_code == 403
    client.force_login(bob)
    assert client.post(_url("attachment_delete", dossier, theirs.pk)).status_code == 403
    assert Attachment.objects.count() == 2
    assert len(_stored_files(settings)) == 2
    assert client.get(_url("attachment_download", dossier, mine.pk)).status_code == 200
    with pytest.raises(ServiceRefused, match="ses pièces ne se modifient plus"):
        attachment_delete(attachment=theirs, actor=bob)


# --- query counts ------------------------------------------------------------------------------


def _with_partners(dossier, count, commitment):
    for number in range(3, count + 1):
        partner = f.PartnerFactory(
            application=dossier,
            organisation=f.OrganisationFactory(
                legal_name=f"Partenaire {number}", country="DE", nuts_code=""
            ),
            role=PartnerRole.PARTNER,
            number=number,
        )
        f.AttachmentFactory(
            application=dossier,
            partner=partner,
            document_type=commitment,
            uploaded_by=f.UserFactory(),
        )


def test_the_page_runs_the_same_queries_for_2_and_20_partners(
    client, alice, bob, dossier, statutes, commitment, annex, partner_b
):
    _attach(dossier, statutes, by=alice)
    _attach(dossier, annex, by=alice, name="annexe.pdf")
    _attach(dossier, commitment, by=bob, partner=partner_b)
    client.force_login(alice)
    client.get(_url("attachments", dossier))  # warm the call facts cache and the session
    with CaptureQueriesContext(connection) as two:
        assert client.get(_url("attachments", dossier)).status_code == 200
    _with_partners(dossier, 20, commitment)
    with CaptureQueriesContext(connection) as twenty:
        response = client.get(_url("attachments", dossier))
    assert response.status_code == 200
    assert "Partenaire 20" in response.content.decode()
    assert len(two) == len(twenty), [q["sql"] for q in twenty.captured_queries]
    # session, user, dossier, partners, the document types (required first), the files with
    # their uploaders, 5 eligibility facts (dossier, budget sums, co-financing sums, partners,
    # the choices and attachments in one UNION), the section counts, the side menu's
    # required types and joined files (the session is written again once a minute, not here).
    assert len(two) == 14, [q["sql"] for q in two.captured_queries]
