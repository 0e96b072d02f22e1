# ruff: noqa: F811 (imported fixtures are test arguments)
"""The antivirus hook: our clamd INSTREAM client against a tiny clamd speaking the protocol in
a thread (FOUND when the stream holds the EICAR test string, OK otherwise; one that never
answers; one that answers nonsense), then the uploads of dossiers and reports with
``CLAMD_ADDRESS`` set: infected files refused, clamd unreachable or too slow refused too
(fail closed), logged; without ``CLAMD_ADDRESS`` no scan at all."""

from __future__ import annotations

import logging
import socket
import socketserver
import struct
import threading
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applications.models import Attachment
from portal import antivirus
from reporting.models import ReportAttachment
from tests import factories as f
from tests.reporting.test_reports_services import _fast_passwords, draft, running  # noqa: F401

from .samples import EICAR, PNG

SIGNATURE = "Eicar-Test-Signature"


def _read_exactly(stream, size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise ConnectionError("short read")
    return data


def make_handler(server_state: dict, mode: str):
    class Handler(socketserver.StreamRequestHandler):
        def handle(self):
            server_state["connections"] += 1
            command = b""
            while not command.endswith(b"\0"):
                command += _read_exactly(self.rfile, 1)
            server_state["commands"].append(command)
            received, chunk_sizes = b"", []
            while True:
                (length,) = struct.unpack("!L", _read_exactly(self.rfile, 4))
                if length == 0:
                    break
                chunk_sizes.append(length)
                received += _read_exactly(self.rfile, length)
            server_state["streams"].append(received)
            server_state["chunk_sizes"].append(chunk_sizes)
            if mode == "silent":
                server_state["release"].wait(10)
                return
            if mode == "nonsense":
                self.wfile.write(b"INSTREAM size limit exceeded. ERROR\0")
                return
            verdict = f"{SIGNATURE} FOUND" if EICAR in received else "OK"
            self.wfile.write(f"stream: {verdict}\0".encode())

    return Handler


def _serve(server_class, address, mode):
    state = {
        "connections": 0,
        "commands": [],
        "streams": [],
        "chunk_sizes": [],
        "release": threading.Event(),
    }
    server = server_class(address, make_handler(state, mode))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, state


@pytest.fixture
def clamd_factory():
    servers = []

    def start(mode: str = "normal", *, unix_path: Path | None = None):
        if unix_path is not None:
            server, state = _serve(socketserver.ThreadingUnixStreamServer, str(unix_path), mode)
            address = f"unix:{unix_path}"
        else:
            server, state = _serve(socketserver.ThreadingTCPServer, ("127.0.0.1", 0), mode)
            address = f"127.0.0.1:{server.server_address[1]}"
        servers.append((server, state))
        return address, state

    yield start
    for server, state in servers:
        state["release"].set()
        server.shutdown()
        server.server_close()


@pytest.fixture
def clamd(clamd_factory):
    return clamd_factory()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def png_upload(extra: bytes = b"", name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG + extra, content_type="image/png")


# --- the client -------------------------------------------------------------------------------


def test_a_clean_stream_is_ok_and_is_sent_whole_in_chunks_of_at_most_64_kb(clamd):
    address, state = clamd
    content = bytes(range(256)) * 1000  # 256 000 bytes
    verdict = antivirus.scan(SimpleUploadedFile("a.bin", content), address=address, timeout=5)
    assert verdict == antivirus.Verdict(infected=False)
    assert state["commands"] == [b"zINSTREAM\0"]
    assert state["streams"] == [content]
    assert max(state["chunk_sizes"][0]) <= 64 * 1024 and len(state["chunk_sizes"][0]) >= 4


def test_the_eicar_string_is_found_with_its_signature(clamd):
    address, _ = clamd
    verdict = antivirus.scan(png_upload(EICAR), address=address, timeout=5)
    assert verdict.infected and verdict.signature == SIGNATURE


def test_a_unix_socket_address_works(clamd_factory, tmp_path):
    address, state = clamd_factory(unix_path=tmp_path / "clamd.sock")
    assert antivirus.scan(png_upload(EICAR), address=address, timeout=5).infected
    assert state["connections"] == 1


def test_a_clamd_that_never_answers_times_out(clamd_factory):
    address, _ = clamd_factory("silent")
    started = time.monotonic()
    with pytest.raises(antivirus.ScanUnavailable):
        antivirus.scan(png_upload(), address=address, timeout=0.5)
    assert time.monotonic() - started < 3


def test_an_unreachable_clamd_is_unavailable():
    with pytest.raises(antivirus.ScanUnavailable):
        antivirus.scan(png_upload(), address=f"127.0.0.1:{closed_port()}", timeout=2)


def test_an_error_reply_is_unavailable_not_clean(clamd_factory):
    address, _ = clamd_factory("nonsense")
    with pytest.raises(antivirus.ScanUnavailable, match="size limit"):
        antivirus.scan(png_upload(), address=address, timeout=5)


@pytest.mark.parametrize(
    "reply,expected",
    [
        (b"stream: OK", antivirus.Verdict(infected=False)),
        (b"stream: Win.Test.EICAR_HDB-1 FOUND", antivirus.Verdict(True, "Win.Test.EICAR_HDB-1")),
    ],
)
def test_replies_are_read(reply, expected):
    assert antivirus.parse_reply(reply) == expected


@pytest.mark.parametrize("reply", [b"", b"stream: ", b"OK", b"PONG", b"stream: OK FOUNDx"])
def test_anything_else_is_no_verdict(reply):
    with pytest.raises(antivirus.ScanUnavailable):
        antivirus.parse_reply(reply)


def test_a_malformed_address_is_no_verdict():
    with pytest.raises(antivirus.ScanUnavailable):
        antivirus.scan(png_upload(), address="clamd-without-port", timeout=1)


# --- the uploads ------------------------------------------------------------------------------


@pytest.fixture
def statutes(call):
    document_type = f.DocumentTypeFactory(code="statuts", name="Statuts du chef de file")
    call.required_document_types.add(document_type)
    return document_type


def post_to_dossier(client, user, dossier, document_type, upload):
    client.force_login(user)
    return client.post(
        reverse("applications:attachments", args=[dossier.reference]),
        {"document_type": str(document_type.pk), "file": upload},
    )


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


@pytest.mark.django_db
def test_without_clamd_address_nothing_is_scanned(
    client, alice, dossier, statutes, settings, clamd
):
    _address, state = clamd
    settings.CLAMD_ADDRESS = None
    response = post_to_dossier(client, alice, dossier, statutes, png_upload(EICAR))
    assert response.status_code == 302
    assert Attachment.objects.count() == 1
    assert state["connections"] == 0


@pytest.mark.django_db
def test_a_clean_file_is_scanned_once_and_joined(client, alice, dossier, statutes, settings, clamd):
    address, state = clamd
    settings.CLAMD_ADDRESS = address
    response = post_to_dossier(client, alice, dossier, statutes, png_upload())
    assert response.status_code == 302
    assert Attachment.objects.count() == 1
    assert state["streams"] == [PNG]  # the form and the service share one scan


@pytest.mark.django_db
def test_an_infected_file_is_refused_naming_no_signature_and_nothing_is_stored(
    client, alice, dossier, statutes, settings, clamd, caplog
):
    address, _ = clamd
    settings.CLAMD_ADDRESS = address
    with caplog.at_level(logging.WARNING, logger="applications.uploads"):
        response = post_to_dossier(client, alice, dossier, statutes, png_upload(EICAR))
    page = response.content.decode()
    assert response.status_code == 422
    assert "Le fichier « photo.png » a été refusé par l&#x27;antivirus" in page
    assert SIGNATURE not in page and "EICAR" not in page
    assert not Attachment.objects.exists() and stored_files(settings) == []
    assert SIGNATURE in caplog.text  # the signature goes to the log, for the operators


@pytest.mark.django_db
@pytest.mark.parametrize("mode", ["unreachable", "silent"])
def test_without_a_verdict_the_file_is_refused_try_again_later(
    client, alice, dossier, statutes, settings, clamd_factory, caplog, mode
):
    if mode == "unreachable":
        settings.CLAMD_ADDRESS = f"127.0.0.1:{closed_port()}"
    else:
        settings.CLAMD_ADDRESS, _ = clamd_factory("silent")
    settings.CLAMD_TIMEOUT = 0.5
    started = time.monotonic()
    with caplog.at_level(logging.ERROR, logger="applications.uploads"):
        response = post_to_dossier(client, alice, dossier, statutes, png_upload())
    assert time.monotonic() - started < 5
    page = response.content.decode()
    assert response.status_code == 422
    assert "momentanément indisponible" in page and "Réessayez dans quelques minutes" in page
    assert not Attachment.objects.exists() and stored_files(settings) == []
    assert "no verdict from the antivirus" in caplog.text


@pytest.mark.django_db
def test_a_report_attachment_goes_through_the_same_antivirus(client, draft, alice, settings, clamd):
    address, state = clamd
    settings.CLAMD_ADDRESS = address
    url = reverse(
        "reporting:report_attachment_join", args=[draft.application.reference, draft.number]
    )
    client.force_login(alice)
    refused = client.post(url, {"title": "Photo", "file": png_upload(EICAR)})
    assert refused.status_code == 422
    assert "a été refusé par l&#x27;antivirus" in refused.content.decode()
    assert not ReportAttachment.objects.exists() and stored_files(settings) == []

    joined = client.post(url, {"title": "Photo", "file": png_upload()})
    assert joined.status_code == 302 and ReportAttachment.objects.count() == 1
    assert len(state["streams"]) == 2  # one scan per upload
