# ruff: noqa: F811 (imported fixtures are test arguments)
"""Uploads: what a file is comes from its content, what is inside a PDF or an office
document is inspected (active content, archive bombs), every refusal leaves nothing behind
(no row, no file), and stored files leave only through the permission-checked views, as
attachments that the browser neither displays nor sniffs. The antivirus hook has its own
file (test_antivirus.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest
from django import forms
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from applications.models import Attachment
from applications.uploads import (
    ZIP_MAX_MEMBERS,
    attachment_add,
    check_upload,
    content_disposition,
)
from reporting import documents as document_service
from reporting.choices import DocumentKind
from reporting.models import ReportAttachment
from tests import factories as f
from tests.reporting.test_reports_services import _fast_passwords, draft, running  # noqa: F401
from tests.review.test_decision import assessed, criteria  # noqa: F401

from . import samples

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parents[2]


def upload(name: str, content: bytes, claimed: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=claimed)


def refusal(name: str, content: bytes, *, max_mb: int = 10) -> forms.ValidationError:
    with pytest.raises(forms.ValidationError) as caught:
        check_upload(upload(name, content), max_mb=max_mb)
    return caught.value


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


@pytest.fixture
def statutes(call):
    document_type = f.DocumentTypeFactory(code="statuts", name="Statuts du chef de file")
    call.required_document_types.add(document_type)
    return document_type


# --- 1. the kind from the content, the size, the name ----------------------------------------


@pytest.mark.parametrize(
    "name,content,code",
    [
        ("statuts.pdf", samples.PNG, "extension_mismatch"),  # a PNG named .pdf
        ("photo.png", f.pdf_bytes(), "extension_mismatch"),  # a PDF named .png
        ("facture.pdf", b"MZ\x90\x00" + bytes(60), "type_refused"),  # a program
        ("page.pdf", b"<html><script>alert(1)</script></html>", "type_refused"),
    ],
)
def test_the_kind_is_read_from_the_content_not_the_name_nor_the_declared_type(name, content, code):
    assert refusal(name, content).code == code


def test_the_type_the_browser_declares_is_ignored(alice, dossier, statutes):
    attachment = attachment_add(
        application=dossier,
        partner=None,
        document_type=statutes,
        uploaded_file=upload("statuts.pdf", f.pdf_bytes(), claimed="text/html"),
        actor=alice,
    )
    assert attachment.content_type == "application/pdf"


def test_the_calls_size_limit_applies(alice, dossier, statutes, settings):
    dossier.call.max_attachment_mb = 1
    dossier.call.save(update_fields=["max_attachment_mb"])
    big = f.pdf_bytes() + b"%" + bytes(1024 * 1024)
    with pytest.raises(Exception, match="pèse"):
        attachment_add(
            application=dossier,
            partner=None,
            document_type=statutes,
            uploaded_file=upload("statuts.pdf", big),
            actor=alice,
        )
    assert not Attachment.objects.exists() and not stored_files(settings)


def test_the_file_is_stored_under_a_generated_name_and_the_original_only_shown(
    alice, dossier, statutes
):
    attachment = attachment_add(
        application=dossier,
        partner=None,
        document_type=statutes,
        uploaded_file=upload("../../../etc/passwd\u202egnp.pdf", f.pdf_bytes()),
        actor=alice,
    )
    assert attachment.original_name == "passwdgnp.pdf"
    assert attachment.file.name.startswith("attachments/")
    assert "passwd" not in attachment.file.name and attachment.file.name.endswith(".pdf")


# --- 2. PDFs: active content refused, harmless ones accepted ----------------------------------


def test_a_harmless_pdf_made_by_pypdf_passes():
    assert check_upload(upload("statuts.pdf", f.pdf_bytes()), max_mb=10).kind.code == "pdf"


def test_a_pdf_made_by_weasyprint_with_compressed_object_streams_passes():
    weasyprint = pytest.importorskip("weasyprint")
    content = weasyprint.HTML(string="<h1>Rapport</h1><p>Émargement de mars</p>").write_pdf()
    assert b"/ObjStm" in content
    assert check_upload(upload("rapport.pdf", content), max_mb=10).kind.code == "pdf"


def test_a_pdf_protected_only_against_copying_opens_without_password_and_passes():
    content = samples.pdf_encrypted(user_password="")
    assert check_upload(upload("statuts.pdf", content), max_mb=10).kind.code == "pdf"


@pytest.mark.parametrize(
    "build,code,words",
    [
        (samples.pdf_with_javascript, "pdf_javascript", "contient du JavaScript"),
        (samples.pdf_with_page_additional_action, "pdf_javascript", "contient du JavaScript"),
        (samples.pdf_javascript_in_object_stream, "pdf_javascript", "contient du JavaScript"),
        (samples.pdf_with_open_action_launch, "pdf_launch", "lance un programme"),
        (samples.pdf_with_launch_link, "pdf_launch", "lance un programme"),
        (samples.pdf_with_attachment, "pdf_embedded", "fichiers incorporés"),
        (samples.pdf_with_file_attachment_annotation, "pdf_embedded", "fichiers incorporés"),
        (samples.pdf_with_rich_media, "pdf_rich_media", "multimédia interactif"),
        (samples.pdf_with_xfa, "pdf_xfa", "formulaire dynamique (XFA)"),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_a_pdf_with_active_content_is_refused_saying_why(build, code, words):
    error = refusal("statuts.pdf", build())
    assert error.code == code
    assert words in error.messages[0] and "« statuts.pdf »" in error.messages[0]


def test_javascript_in_a_compressed_object_stream_is_invisible_in_the_raw_bytes():
    content = samples.pdf_javascript_in_object_stream()
    assert b"JavaScript" not in content and b"/JS" not in content  # a byte scan misses it
    assert refusal("statuts.pdf", content).code == "pdf_javascript"


def test_a_pdf_that_needs_a_password_is_refused_as_uninspectable():
    error = refusal("statuts.pdf", samples.pdf_encrypted(user_password="secret"))
    assert error.code == "pdf_encrypted"
    assert "protégé par un mot de passe" in error.messages[0]


@pytest.mark.parametrize(
    "content",
    [
        b"%PDF-1.4\n%%EOF\n",
        b"%PDF-1.7\n" + bytes(range(256)) * 8,
        f.pdf_bytes()[:200],  # cut short
    ],
)
def test_a_malformed_pdf_is_refused(content):
    error = refusal("statuts.pdf", content)
    assert error.code == "pdf_malformed" and "endommagé" in error.messages[0]


def test_the_messages_follow_the_visitors_language():
    from django.utils import translation

    with translation.override("en"):
        error = refusal("statuts.pdf", samples.pdf_with_javascript())
    assert error.code == "pdf_javascript" and "statuts.pdf" in error.messages[0]


# --- 3. office documents: archive bombs --------------------------------------------------------


def test_a_real_docx_passes():
    assert check_upload(upload("lettre.docx", samples.docx()), max_mb=10).kind.code == "docx"


def test_a_gigabyte_of_zeros_is_refused_quickly_from_the_directory_without_memory():
    content = samples.docx_bomb()
    assert len(content) < 2 * 1024 * 1024
    tracemalloc.start()
    started = time.perf_counter()
    try:
        error = refusal("lettre.docx", content)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert error.code == "zip_bomb"
    assert "se décompresse en 1024,01 Mo" in error.messages[0]
    assert elapsed < 2
    assert peak < 16 * 1024 * 1024


def test_a_member_with_an_absurd_compression_ratio_is_refused():
    # 5 MB of zeros: far under the total limit, but a ratio of about 1000:1.
    error = refusal("lettre.docx", samples.docx({"word/media/zeros.xml": bytes(5 * 1024 * 1024)}))
    assert error.code == "zip_bomb"


def test_too_many_members_are_refused():
    error = refusal("lettre.docx", samples.docx_with_many_members(ZIP_MAX_MEMBERS))
    assert error.code == "zip_too_many" and "2" in error.messages[0]


@pytest.mark.parametrize("member", ["../../etc/cron.d/x", "/etc/passwd", "word\\..\\x.xml"])
def test_path_traversal_names_are_refused(member):
    assert refusal("lettre.docx", samples.docx({member: b"<x/>"})).code == "zip_bad_name"


@pytest.mark.parametrize(
    "member,data",
    [
        ("word/embeddings/archive.zip", b"PK\x05\x06" + bytes(18)),
        ("word/embeddings/Feuille.xlsx", samples.docx()),
        ("word/media/image1.png", samples.docx()),  # an archive under an innocent name
        ("word/media/data.bin", b"\x1f\x8b\x08\x00" + bytes(16)),  # gzip
    ],
)
def test_nested_archives_are_refused(member, data):
    error = refusal("lettre.docx", samples.docx({member: data}))
    assert error.code == "zip_nested" and "enregistrez-le en PDF" in error.messages[0]


def test_a_directory_that_lies_about_a_members_size_is_refused():
    """The central directory promises 100 bytes; the member inflates to more: the CRC check
    at the end of the streamed read fails."""
    content = samples.docx({"word/media/data.xml": b"<a>" + b"x" * 5000 + b"</a>"})
    data = bytearray(content)
    directory = data.rindex(b"PK\x01\x02", 0, data.rindex(b"word/media/data.xml"))
    data[directory + 24 : directory + 28] = (100).to_bytes(4, "little")
    assert refusal("lettre.docx", bytes(data)).code == "zip_unreadable"


# --- every refusal: nothing stored -------------------------------------------------------------

BAD_FILES = [
    ("statuts.pdf", samples.pdf_with_javascript(), "JavaScript"),
    ("statuts.pdf", samples.pdf_encrypted(user_password="secret"), "mot de passe"),
    ("statuts.pdf", b"%PDF-1.4\n%%EOF\n", "endommagé"),
    ("lettre.docx", samples.docx_bomb(), "se décompresse"),
    ("lettre.docx", samples.docx({"../evil.xml": b"<x/>"}), "chemins invalides"),
]


@pytest.mark.parametrize("name,content,words", BAD_FILES, ids=[w for *_, w in BAD_FILES])
def test_a_refused_upload_on_the_dossier_page_stores_nothing(
    client, alice, dossier, statutes, settings, name, content, words
):
    client.force_login(alice)
    response = client.post(
        reverse("applications:attachments", args=[dossier.reference]),
        {"document_type": str(statutes.pk), "file": upload(name, content)},
    )
    assert response.status_code == 422
    assert words in response.content.decode()
    assert not Attachment.objects.exists()
    assert stored_files(settings) == []


@pytest.mark.parametrize("name,content,words", BAD_FILES, ids=[w for *_, w in BAD_FILES])
def test_a_refused_upload_on_a_report_stores_nothing(
    client, draft, alice, settings, name, content, words
):
    client.force_login(alice)
    response = client.post(
        reverse(
            "reporting:report_attachment_join",
            args=[draft.application.reference, draft.number],
        ),
        {"title": "Émargement", "file": upload(name, content)},
    )
    assert response.status_code == 422
    assert words in response.content.decode()
    assert not ReportAttachment.objects.exists()
    assert stored_files(settings) == []


def test_the_report_service_checks_the_content_itself(draft, alice, settings):
    from reporting.attachments import report_attachment_add
    from reporting.permissions import report_access
    from reporting.services import ReportRefused

    access = report_access(alice, draft)
    with pytest.raises(ReportRefused, match="JavaScript"):
        report_attachment_add(
            access=access,
            actor=alice,
            title="Émargement",
            uploaded_file=upload("emargement.pdf", samples.pdf_with_javascript()),
        )
    assert not ReportAttachment.objects.exists() and stored_files(settings) == []
    attachment = report_attachment_add(
        access=access,
        actor=alice,
        title="Émargement",
        uploaded_file=upload("../émargement.PDF", f.pdf_bytes()),
    )
    assert attachment.file.name.startswith("report-attachments/")
    assert attachment.file.name.endswith(".pdf") and "margement" not in attachment.file.name


# --- 4. downloads: headers, storage outside the web root ---------------------------------------


def assert_download_headers(response, *, content_type: str, ascii_name: str, encoded: str):
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    disposition = response["Content-Disposition"]
    assert disposition == f"attachment; filename=\"{ascii_name}\"; filename*=utf-8''{encoded}"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


def test_the_dossiers_attachment_download_headers(client, alice, dossier, statutes):
    attachment = attachment_add(
        application=dossier,
        partner=None,
        document_type=statutes,
        uploaded_file=upload('Délibération "finale".pdf', f.pdf_bytes()),
        actor=alice,
    )
    client.force_login(alice)
    response = client.get(
        reverse("applications:attachment_download", args=[dossier.reference, attachment.pk])
    )
    assert_download_headers(
        response,
        content_type="application/pdf",
        ascii_name="Deliberation _finale_.pdf",
        encoded="D%C3%A9lib%C3%A9ration%20%22finale%22.pdf",
    )


def test_the_reports_attachment_download_headers(client, draft, alice, bob):
    client.force_login(alice)
    client.post(
        reverse(
            "reporting:report_attachment_join",
            args=[draft.application.reference, draft.number],
        ),
        {"title": "Émargement", "file": upload("émargement; mars.pdf", f.pdf_bytes())},
    )
    attachment = ReportAttachment.objects.get()
    client.force_login(bob)
    response = client.get(
        reverse(
            "reporting:report_attachment",
            args=[draft.application.reference, draft.number, attachment.pk],
        )
    )
    assert_download_headers(
        response,
        content_type="application/pdf",
        ascii_name="emargement_ mars.pdf",
        encoded="%C3%A9margement%3B%20mars.pdf",
    )


def test_the_generated_documents_download_headers(client, assessed, alice):
    document = document_service.document_request(
        kind=DocumentKind.ACKNOWLEDGEMENT, actor=alice, application=assessed
    )
    document_service.document_render(document_id=document.pk)
    client.force_login(alice)
    response = client.get(reverse("reporting:document_download", args=[document.pk]))
    name = f"{assessed.reference}-acknowledgement.pdf"
    assert_download_headers(response, content_type="application/pdf", ascii_name=name, encoded=name)


def test_a_stored_type_outside_the_accepted_ones_is_served_as_bytes(client, alice, dossier):
    attachment = f.AttachmentFactory(
        application=dossier, partner=None, content_type="text/html", original_name="x.html"
    )
    client.force_login(alice)
    response = client.get(
        reverse("applications:attachment_download", args=[dossier.reference, attachment.pk])
    )
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")


def test_no_name_can_break_out_of_the_header():
    header = content_disposition('a"b\r\nSet-Cookie: x=1;\\.pdf')
    assert "\r" not in header and "\n" not in header
    assert header.count('"') == 2


def test_media_root_is_outside_every_served_folder():
    import portal.settings as configured

    media = Path(configured.MEDIA_ROOT).resolve()
    for served in (configured.STATIC_ROOT, *configured.STATICFILES_DIRS):
        assert not media.is_relative_to(Path(served).resolve())
        assert not Path(served).resolve().is_relative_to(media)


def test_a_media_root_inside_the_static_files_is_refused_at_start(tmp_path):
    environment = {
        **os.environ,
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        "DJANGO_MEDIA_ROOT": str(tmp_path / "static" / "media"),
    }
    result = subprocess.run(
        [sys.executable, "-c", "import portal.settings"],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "must be outside the static files" in result.stderr


@pytest.mark.parametrize("debug", [True, False], ids=["debug", "production"])
def test_the_media_url_is_never_routed(client, alice, dossier, statutes, settings, tmp_path, debug):
    attachment = attachment_add(
        application=dossier,
        partner=None,
        document_type=statutes,
        uploaded_file=upload("statuts.pdf", f.pdf_bytes()),
        actor=alice,
    )
    assert default_storage.exists(attachment.file.name)
    middleware = list(settings.MIDDLEWARE)
    if not debug and "whitenoise.middleware.WhiteNoiseMiddleware" not in middleware:
        middleware.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")
    client.force_login(alice)
    static_root = tmp_path / "static"
    static_root.mkdir()
    with override_settings(DEBUG=debug, MIDDLEWARE=middleware, STATIC_ROOT=static_root):
        for path in (
            f"/media/{attachment.file.name}",
            f"/{settings.MEDIA_URL}{attachment.file.name}",
        ):
            response = client.get(path.replace("//", "/"))
            assert response.status_code == 404, path


# --- receiving: no upload fills the disk ----------------------------------------------------


def test_a_huge_upload_is_written_only_up_to_the_cap_and_keeps_its_real_size(settings):
    from applications.uploads import CappedTemporaryFileUploadHandler

    settings.UPLOAD_MAX_MB = 1
    handler = CappedTemporaryFileUploadHandler()
    handler.new_file("file", "enorme.pdf", "application/pdf", None)
    chunk = b"%PDF-1.7\n" + bytes(64 * 1024 - 9)
    received = 0
    for _ in range(48):  # 3 MB
        assert handler.receive_data_chunk(chunk, received) is None
        received += len(chunk)
    uploaded = handler.file_complete(received)
    assert uploaded.size == 3 * 1024 * 1024
    assert Path(uploaded.temporary_file_path()).stat().st_size == 1024 * 1024
    error = refusal_of(uploaded, max_mb=1)
    assert error.code == "too_large" and "pèse 3 Mo" in error.messages[0]


def test_the_capped_handler_receives_the_uploads_of_the_pages(
    client, alice, dossier, statutes, settings, monkeypatch
):
    from applications.uploads import CappedTemporaryFileUploadHandler

    written = []
    receive = CappedTemporaryFileUploadHandler.receive_data_chunk

    def spy(self, raw_data, start):
        before = self.file.tell()
        result = receive(self, raw_data, start)
        written.append(self.file.tell() - before)
        return result

    monkeypatch.setattr(CappedTemporaryFileUploadHandler, "receive_data_chunk", spy)
    settings.UPLOAD_MAX_MB = 1
    dossier.call.max_attachment_mb = 1
    dossier.call.save(update_fields=["max_attachment_mb"])
    client.force_login(alice)
    big = f.pdf_bytes() + b"%" + bytes(3 * 1024 * 1024)  # over FILE_UPLOAD_MAX_MEMORY_SIZE
    response = client.post(
        reverse("applications:attachments", args=[dossier.reference]),
        {"document_type": str(statutes.pk), "file": upload("statuts.pdf", big)},
    )
    assert response.status_code == 422
    assert "pèse 3,01 Mo" in response.content.decode()
    assert not Attachment.objects.exists() and stored_files(settings) == []
    assert sum(written) == 1024 * 1024  # 3 MB received, 1 MB written


def refusal_of(uploaded, *, max_mb: int) -> forms.ValidationError:
    with pytest.raises(forms.ValidationError) as caught:
        check_upload(uploaded, max_mb=max_mb)
    return caught.value
