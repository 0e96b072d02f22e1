"""Documents joined to a dossier: what is accepted, the upload form, and the two writes
(``attachment_add``, ``attachment_delete``).

What a file is, is read from its content, never from its name nor from the Content-Type the
browser sends: PDF, PNG and JPEG by their signatures; DOCX and XLSX by the main part named
in the ``[Content_Types].xml`` of their ZIP container; ODT and ODS by the ``mimetype`` entry
of theirs. The name's extension must then agree with the content, so that what the officer
downloads opens in the program its name promises. The set is small and closed, so these
checks are written here with the standard library (``zipfile``) rather than taken from a
magic-number library: those only peek at the first kilobytes of a ZIP and guess an office
document from the entry names they see there, where this module opens the container and
reads the declaration of its main part.

Who may join or remove a document: the members of the partner concerned for a partner's
own documents (a commitment letter...), the lead's members for the dossier's own, and only
on a draft. The decision is composed from ``applications.permissions``.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from decimal import ROUND_UP, Decimal
from pathlib import PurePath, PurePosixPath
from urllib.parse import quote

import pypdf
from django import forms
from django.conf import settings
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.db import transaction
from django.http import FileResponse, Http404
from django.utils import formats
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from calls.models import DocumentType
from partners.models import Partner
from portal import antivirus

from . import sections
from .models import Application, Attachment
from .permissions import DossierAccess, dossier_access
from .services import ServiceRefused

MEGABYTE = 1024 * 1024
ORIGINAL_NAME_MAX_LENGTH = 120
HEAD_BYTES = 2048
# [Content_Types].xml is a few kilobytes; a ZIP member is read up to this bound, never more.
MEMBER_READ_LIMIT = 256 * 1024

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FileKind:
    """A kind of content: its name for people, its media type, the extensions that name it
    (the first is the one the stored file gets); ``accepted`` says whether a dossier may
    hold it."""

    code: str
    label: str | Promise
    content_type: str
    extensions: tuple[str, ...] = ()
    accepted: bool = True

    @property
    def extension(self) -> str:
        return self.extensions[0] if self.extensions else ""


PDF = FileKind("pdf", gettext_lazy("un document PDF"), "application/pdf", (".pdf",))
PNG = FileKind("png", gettext_lazy("une image PNG"), "image/png", (".png",))
JPEG = FileKind("jpeg", gettext_lazy("une image JPEG"), "image/jpeg", (".jpg", ".jpeg"))
DOCX = FileKind(
    "docx",
    gettext_lazy("un document Word (DOCX)"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    (".docx",),
)
XLSX = FileKind(
    "xlsx",
    gettext_lazy("un classeur Excel (XLSX)"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    (".xlsx",),
)
ODT = FileKind(
    "odt",
    gettext_lazy("un document texte OpenDocument (ODT)"),
    "application/vnd.oasis.opendocument.text",
    (".odt",),
)
ODS = FileKind(
    "ods",
    gettext_lazy("un classeur OpenDocument (ODS)"),
    "application/vnd.oasis.opendocument.spreadsheet",
    (".ods",),
)
ACCEPTED_KINDS = (PDF, PNG, JPEG, DOCX, XLSX, ODT, ODS)
ACCEPTED_EXTENSIONS = tuple(ext for kind in ACCEPTED_KINDS for ext in kind.extensions)

# Contents recognised only to name them in the refusal.
ZIP = FileKind("zip", gettext_lazy("une archive ZIP"), "application/zip", accepted=False)
MACRO_OFFICE = FileKind(
    "office-macro",
    gettext_lazy("un document Office avec macros"),
    "application/vnd.ms-office.macroenabled",
    accepted=False,
)
OTHER_OFFICE = FileKind(
    "office-other",
    gettext_lazy("un document Office d'un type non accepté (modèle, présentation…)"),
    "application/vnd.openxmlformats-officedocument",
    accepted=False,
)
LEGACY_OFFICE = FileKind(
    "ole",
    gettext_lazy("un document Office ancien format (DOC, XLS…)"),
    "application/x-ole-storage",
    accepted=False,
)
EXECUTABLE = FileKind(
    "exe",
    gettext_lazy("un programme exécutable"),
    "application/x-executable",
    accepted=False,
)
GIF = FileKind("gif", gettext_lazy("une image GIF"), "image/gif", accepted=False)
TEXT = FileKind("text", gettext_lazy("du texte brut"), "text/plain", accepted=False)
UNKNOWN = FileKind(
    "unknown", gettext_lazy("un contenu non reconnu"), "application/octet-stream", accepted=False
)

_SIGNATURES: tuple[tuple[bytes, FileKind], ...] = (
    (b"%PDF-", PDF),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", LEGACY_OFFICE),
    (b"MZ", EXECUTABLE),
    (b"\x7fELF", EXECUTABLE),
    (b"\xca\xfe\xba\xbe", EXECUTABLE),
    (b"\xcf\xfa\xed\xfe", EXECUTABLE),
    (b"GIF87a", GIF),
    (b"GIF89a", GIF),
)
_ZIP_SIGNATURE = b"PK\x03\x04"

# The main part an Office Open XML package declares in its [Content_Types].xml.
_OOXML_MAIN_PARTS: tuple[tuple[bytes, FileKind], ...] = (
    (b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml", DOCX),
    (b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml", XLSX),
)
_OPENDOCUMENT_MIMETYPES = {kind.content_type: kind for kind in (ODT, ODS)}
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    OSError,
    RuntimeError,  # an encrypted member
    NotImplementedError,  # an unknown compression method
    ValueError,
)


def _read_member(archive: zipfile.ZipFile, name: str) -> bytes:
    with archive.open(name) as member:
        return member.read(MEMBER_READ_LIMIT)


def _zip_kind(uploaded_file) -> FileKind:
    try:
        with zipfile.ZipFile(uploaded_file) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                declared = _read_member(archive, "mimetype").strip().decode("ascii", "replace")
                if declared in _OPENDOCUMENT_MIMETYPES:
                    return _OPENDOCUMENT_MIMETYPES[declared]
            if "[Content_Types].xml" in names:
                content_types = _read_member(archive, "[Content_Types].xml")
                for main_part, kind in _OOXML_MAIN_PARTS:
                    if main_part in content_types:
                        return kind
                if b"macroenabled" in content_types.lower():
                    return MACRO_OFFICE
                return OTHER_OFFICE
    except _ZIP_ERRORS:
        return ZIP
    return ZIP


def _looks_like_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the end of the sample is still text.
        return error.start >= len(head) - 3 and error.reason == "unexpected end of data"
    return True


def detect_kind(uploaded_file) -> FileKind:
    """What ``uploaded_file`` is, from its content; the file is left at its start."""
    uploaded_file.seek(0)
    head = uploaded_file.read(HEAD_BYTES)
    uploaded_file.seek(0)
    try:
        if head.startswith(_ZIP_SIGNATURE):
            return _zip_kind(uploaded_file)
        for signature, kind in _SIGNATURES:
            if head.startswith(signature):
                return kind
        if _looks_like_text(head):
            return TEXT
        return UNKNOWN
    finally:
        uploaded_file.seek(0)


_SEPARATORS = re.compile(r"[\\/]")


def clean_original_name(name: str, *, limit: int = ORIGINAL_NAME_MAX_LENGTH) -> str:
    """The uploaded name as shown to people and given back at download: no path, no control
    or invisible formatting characters (a right-to-left override could disguise
    ``rapport\u202efdp.exe``), spaces collapsed, at most ``limit`` characters with the
    extension kept."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = _SEPARATORS.split(name)[-1]
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    name = " ".join(name.split()).strip(" .")
    if len(name) > limit:
        suffix = PurePath(name).suffix
        if len(suffix) > 10:
            suffix = ""
        name = name[: limit - len(suffix) - 1].rstrip(" .") + "…" + suffix
    return name or _("document")


def say_megabytes(size: int) -> str:
    """A size in megabytes in the visitor's format, rounded up to the hundredth so that a
    file over a limit never reads as equal to it: ``1,01 Mo``."""
    megabytes = (Decimal(size) / MEGABYTE).quantize(Decimal("0.01"), rounding=ROUND_UP)
    if megabytes == megabytes.to_integral_value():
        return _("%(size)s Mo") % {"size": formats.number_format(megabytes, 0)}
    return _("%(size)s Mo") % {"size": formats.number_format(megabytes, 2)}


def accepted_formats_label() -> str:
    return _("PDF, PNG, JPEG, DOCX, XLSX, ODT ou ODS")


# --- what is inside: active content in PDFs, archive bombs in office documents ----------------
#
# An accepted kind can still carry what the officer's reader would run or unpack. A PDF is
# read with pypdf (which resolves compressed object streams, where a scan of the raw bytes
# sees nothing) and every object reachable from its trailer is looked at: JavaScript
# (document-level, opening or additional actions, annotations), launch actions, embedded
# files and file attachment annotations, rich media, XFA forms are refused. An office
# document is a ZIP: its central directory is read first (sizes, count, names; nothing is
# extracted to disk), then each member is decompressed in chunks into nothing, which checks
# that the directory told the truth (the CRC fails otherwise) and that no member is itself
# an archive. Embedded objects (a chart's workbook inside a DOCX) are archives too and are
# refused: the message asks for a PDF.

PDF_MAX_OBJECTS = 200_000
ZIP_MAX_MEMBERS = 2000
ZIP_MAX_UNCOMPRESSED = 100 * MEGABYTE
ZIP_MAX_RATIO = 100  # uncompressed / compressed, for the members (and totals) above:
ZIP_RATIO_FROM = MEGABYTE
ZIP_READ_CHUNK = 64 * 1024

PDF_JAVASCRIPT = "javascript"
PDF_LAUNCH = "launch"
PDF_EMBEDDED = "embedded"
PDF_RICH_MEDIA = "rich_media"
PDF_XFA = "xfa"
PDF_ENCRYPTED = "encrypted"
PDF_MALFORMED = "malformed"

# A key whose mere presence says what the object is.
_PDF_KEYS = {
    "/JS": PDF_JAVASCRIPT,
    "/JavaScript": PDF_JAVASCRIPT,
    "/EmbeddedFiles": PDF_EMBEDDED,
    "/EmbeddedFile": PDF_EMBEDDED,
    "/EF": PDF_EMBEDDED,
    "/XFA": PDF_XFA,
    "/RichMediaContent": PDF_RICH_MEDIA,
    "/RichMediaSettings": PDF_RICH_MEDIA,
}
# A name a key takes.
_PDF_NAMES = {
    ("/S", "/JavaScript"): PDF_JAVASCRIPT,
    ("/S", "/Launch"): PDF_LAUNCH,
    ("/S", "/GoToE"): PDF_EMBEDDED,
    ("/Type", "/EmbeddedFile"): PDF_EMBEDDED,
    ("/Subtype", "/FileAttachment"): PDF_EMBEDDED,
    ("/Subtype", "/RichMedia"): PDF_RICH_MEDIA,
}
_NAMED_KEYS = frozenset(key for key, _name in _PDF_NAMES)


class _PdfTooComplex(Exception):
    pass


def _pdf_active_content(reader: pypdf.PdfReader) -> str | None:
    """The first kind of active content found among the objects reachable from the
    trailer, or None. Iterative (no recursion on deep structures), each indirect object
    visited once, at most ``PDF_MAX_OBJECTS``."""
    stack: list = [reader.trailer]
    seen: set[tuple[int, int]] = set()
    visited = 0
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            reference = (item.idnum, item.generation)
            if reference in seen:
                continue
            seen.add(reference)
            item = item.get_object()
        visited += 1
        if visited > PDF_MAX_OBJECTS:
            raise _PdfTooComplex
        if isinstance(item, DictionaryObject):  # streams included
            for key, value in dict.items(item):
                if key in _PDF_KEYS:
                    return _PDF_KEYS[key]
                if key in _NAMED_KEYS:
                    name = value.get_object() if isinstance(value, IndirectObject) else value
                    if (key, name) in _PDF_NAMES:
                        return _PDF_NAMES[(key, name)]
                if isinstance(value, (IndirectObject, DictionaryObject, ArrayObject)):
                    stack.append(value)
        elif isinstance(item, ArrayObject):
            stack.extend(
                value
                for value in list.__iter__(item)
                if isinstance(value, (IndirectObject, DictionaryObject, ArrayObject))
            )
    return None


def inspect_pdf(uploaded_file) -> str | None:
    """Why this PDF is refused (one of the ``PDF_*`` reasons), or None when it may be
    joined. The file is left at its start."""
    uploaded_file.seek(0)
    try:
        reader = pypdf.PdfReader(uploaded_file, strict=False)
        if reader.is_encrypted:
            # A PDF protected only against printing or copying opens with an empty password
            # (and can be inspected); one that needs a password to open cannot.
            try:
                if not reader.decrypt(""):
                    return PDF_ENCRYPTED
            except Exception:  # an algorithm pypdf cannot run without an extra package
                return PDF_ENCRYPTED
        return _pdf_active_content(reader)
    except _PdfTooComplex:
        return PDF_MALFORMED
    except Exception as error:  # pypdf raises many kinds of errors on damaged files
        logger.info("Unreadable PDF refused: %r", error)
        return PDF_MALFORMED
    finally:
        uploaded_file.seek(0)


def _pdf_refusal(reason: str, name: str) -> forms.ValidationError:
    advice = _(
        "Enregistrez-le à nouveau en PDF (« Imprimer » puis « Enregistrer au format PDF ») "
        "et joignez cette copie."
    )
    messages = {
        PDF_JAVASCRIPT: _("« %(name)s » contient du JavaScript, refusé dans les pièces."),
        PDF_LAUNCH: _(
            "« %(name)s » contient une action qui lance un programme, refusée dans les pièces."
        ),
        PDF_EMBEDDED: _(
            "« %(name)s » contient des fichiers incorporés (pièces jointes au PDF) : joignez "
            "chaque document séparément."
        ),
        PDF_RICH_MEDIA: _(
            "« %(name)s » contient un contenu multimédia interactif (Flash, vidéo), refusé "
            "dans les pièces."
        ),
        PDF_XFA: _(
            "« %(name)s » est un formulaire dynamique (XFA), qui ne s'ouvre pas dans tous les "
            "lecteurs et peut contenir des scripts."
        ),
        PDF_ENCRYPTED: _(
            "« %(name)s » est protégé par un mot de passe : son contenu ne peut pas être "
            "vérifié. Joignez une copie sans mot de passe."
        ),
        PDF_MALFORMED: _(
            "« %(name)s » est un PDF endommagé ou mal formé : il ne peut pas être lu."
        ),
    }
    message = messages[reason] % {"name": name}
    if reason not in (PDF_EMBEDDED, PDF_ENCRYPTED):
        message = f"{message} {advice}"
    return forms.ValidationError(message, code=f"pdf_{reason}")


ZIP_BOMB = "bomb"
ZIP_TOO_MANY = "too_many"
ZIP_BAD_NAME = "bad_name"
ZIP_NESTED = "nested"
ZIP_UNREADABLE = "unreadable"

_ARCHIVE_EXTENSIONS = frozenset(
    {
        ".zip",
        ".jar",
        ".war",
        ".apk",
        ".rar",
        ".7z",
        ".gz",
        ".tgz",
        ".bz2",
        ".tbz",
        ".xz",
        ".txz",
        ".zst",
        ".tar",
        ".cab",
        ".iso",
        ".arj",
        ".lzh",
        ".docx",
        ".docm",
        ".dotx",
        ".xlsx",
        ".xlsm",
        ".xltx",
        ".pptx",
        ".pptm",
        ".odt",
        ".ods",
        ".odp",
        ".odg",
        ".epub",
    }
)
_ARCHIVE_SIGNATURES = (
    b"PK\x03\x04",
    b"PK\x05\x06",
    b"Rar!\x1a\x07",
    b"7z\xbc\xaf\x27\x1c",
    b"\x1f\x8b",
    b"BZh",
    b"\xfd7zXZ\x00",
    b"MSCF",
    b"(\xb5/\xfd",
)
_DRIVE = re.compile(r"^[A-Za-z]:")


def _bad_member_name(name: str) -> bool:
    return (
        name.startswith(("/", "\\"))
        or "\\" in name
        or "\x00" in name
        or bool(_DRIVE.match(name))
        or ".." in PurePosixPath(name).parts
    )


@dataclass(frozen=True)
class ZipFinding:
    reason: str
    uncompressed: int = 0
    members: int = 0


def inspect_zip(uploaded_file, *, size: int) -> ZipFinding | None:
    """Why this ZIP container is refused, or None. Reads the central directory, then
    streams each member through the decompressor (memory bounded by a chunk), only once
    the directory promised sizes within the limits. The file is left at its start."""
    uploaded_file.seek(0)
    try:
        with zipfile.ZipFile(uploaded_file) as archive:
            members = archive.infolist()
            if len(members) > ZIP_MAX_MEMBERS:
                return ZipFinding(ZIP_TOO_MANY, members=len(members))
            total = 0
            for info in members:
                if _bad_member_name(info.filename):
                    return ZipFinding(ZIP_BAD_NAME)
                if info.flag_bits & 0x1:  # an encrypted member
                    return ZipFinding(ZIP_UNREADABLE)
                if PurePosixPath(info.filename).suffix.lower() in _ARCHIVE_EXTENSIONS:
                    return ZipFinding(ZIP_NESTED)
                total += info.file_size
                if total > ZIP_MAX_UNCOMPRESSED or (
                    info.file_size > ZIP_RATIO_FROM
                    and info.file_size > ZIP_MAX_RATIO * max(info.compress_size, 1)
                ):
                    return ZipFinding(ZIP_BOMB, uncompressed=max(total, info.file_size))
            if total > ZIP_RATIO_FROM and total > ZIP_MAX_RATIO * max(size, 1):
                return ZipFinding(ZIP_BOMB, uncompressed=total)
            for info in members:
                if info.is_dir():
                    continue
                with archive.open(info) as member:
                    head = member.read(ZIP_READ_CHUNK)
                    if head.startswith(_ARCHIVE_SIGNATURES):
                        return ZipFinding(ZIP_NESTED)
                    while member.read(ZIP_READ_CHUNK):  # the CRC is checked at the end
                        pass
    except _ZIP_ERRORS:
        return ZipFinding(ZIP_UNREADABLE)
    finally:
        uploaded_file.seek(0)
    return None


def _zip_refusal(finding: ZipFinding, name: str, kind: FileKind) -> forms.ValidationError:
    if finding.reason == ZIP_BOMB:
        message = _(
            "« %(name)s » se décompresse en %(size)s ou avec un taux de compression anormal : "
            "ce n'est pas %(kind)s ordinaire. Enregistrez-le en PDF et joignez ce PDF."
        ) % {"name": name, "size": say_megabytes(finding.uncompressed), "kind": kind.label}
    elif finding.reason == ZIP_TOO_MANY:
        message = _(
            "« %(name)s » contient %(count)s éléments, %(limit)s au plus : enregistrez-le en "
            "PDF et joignez ce PDF."
        ) % {
            "name": name,
            "count": formats.number_format(finding.members, force_grouping=True),
            "limit": formats.number_format(ZIP_MAX_MEMBERS, force_grouping=True),
        }
    elif finding.reason == ZIP_BAD_NAME:
        message = _(
            "« %(name)s » contient des éléments aux chemins invalides : ce n'est pas %(kind)s "
            "ordinaire."
        ) % {"name": name, "kind": kind.label}
    elif finding.reason == ZIP_NESTED:
        message = _(
            "« %(name)s » contient une autre archive ou un document incorporé (un tableau "
            "dans un texte…), refusés dans les pièces : enregistrez-le en PDF et joignez ce PDF."
        ) % {"name": name}
    else:
        message = _(
            "« %(name)s » est endommagé ou protégé par un mot de passe : son contenu ne peut "
            "pas être vérifié. Joignez une copie sans mot de passe, ou un PDF."
        ) % {"name": name}
    return forms.ValidationError(message, code=f"zip_{finding.reason}")


ZIP_KINDS = (DOCX, XLSX, ODT, ODS)


def _check_content(uploaded_file, *, kind: FileKind, name: str, size: int) -> None:
    if kind is PDF:
        reason = inspect_pdf(uploaded_file)
        if reason:
            raise _pdf_refusal(reason, name)
    elif kind in ZIP_KINDS:
        finding = inspect_zip(uploaded_file, size=size)
        if finding:
            raise _zip_refusal(finding, name, kind)


def _check_antivirus(uploaded_file, *, name: str) -> None:
    """The antivirus's verdict when clamd is configured (``CLAMD_ADDRESS``); without it,
    no scan. A clamd that gives no verdict refuses the file (fail closed)."""
    if not antivirus.is_configured():
        return
    try:
        verdict = antivirus.scan(uploaded_file)
    except antivirus.ScanUnavailable as error:
        logger.error("Upload %r refused: no verdict from the antivirus (%s)", name, error)
        raise forms.ValidationError(
            _(
                "« %(name)s » n'a pas pu être vérifié par l'antivirus, momentanément "
                "indisponible : il n'a pas été joint. Réessayez dans quelques minutes."
            )
            % {"name": name},
            code="antivirus_unavailable",
        ) from None
    if verdict.infected:
        logger.warning("Upload %r refused by the antivirus: %s", name, verdict.signature)
        raise forms.ValidationError(
            _("Le fichier « %(name)s » a été refusé par l'antivirus : il n'a pas été joint.")
            % {"name": name},
            code="antivirus_refused",
        )


@dataclass(frozen=True)
class CheckedUpload:
    """An upload that passed the checks: its kind, its name for display, its size."""

    kind: FileKind
    original_name: str
    size: int


_CHECKED = "_portal_checked_upload"


def check_upload(uploaded_file, *, max_mb: int) -> CheckedUpload:
    """Check ``uploaded_file`` against what a dossier accepts; raises a ``ValidationError``
    whose message names the file and says what to do. In order: size, kind read from the
    content, extension agreeing with it, what is inside (``_check_content``), the antivirus
    (``_check_antivirus``). A file that passed is not checked again for the same limit (the
    form then the service see the same upload: one scan)."""
    earlier = getattr(uploaded_file, _CHECKED, None)
    if earlier is not None and earlier[0] == max_mb:
        return earlier[1]
    checked = _check_upload(uploaded_file, max_mb=max_mb)
    setattr(uploaded_file, _CHECKED, (max_mb, checked))
    return checked


def _check_upload(uploaded_file, *, max_mb: int) -> CheckedUpload:
    name = clean_original_name(getattr(uploaded_file, "name", ""))
    size = uploaded_file.size or 0
    if size == 0:
        raise forms.ValidationError(
            _("« %(name)s » est vide (0 octet) : choisissez le fichier qui contient le document.")
            % {"name": name},
            code="empty",
        )
    if size > max_mb * MEGABYTE:
        raise forms.ValidationError(
            _(
                "« %(name)s » pèse %(size)s : cet appel accepte des pièces de %(limit)s au plus. "
                "Réduisez-le (PDF compressé, images moins lourdes) ou scindez-le."
            )
            % {
                "name": name,
                "size": say_megabytes(size),
                "limit": say_megabytes(max_mb * MEGABYTE),
            },
            code="too_large",
        )
    kind = detect_kind(uploaded_file)
    if not kind.accepted:
        raise forms.ValidationError(
            _(
                "« %(name)s » n'est pas d'un format accepté : son contenu est %(kind)s. "
                "Les formats acceptés sont %(formats)s."
            )
            % {"name": name, "kind": kind.label, "formats": accepted_formats_label()},
            code="type_refused",
        )
    extension = PurePath(name).suffix.lower()
    if extension not in kind.extensions:
        if extension:
            message = _(
                "« %(name)s » porte l'extension %(extension)s mais son contenu est %(kind)s : "
                "renommez-le en %(expected)s ou choisissez le bon fichier."
            )
        else:
            message = _(
                "« %(name)s » n'a pas d'extension alors que son contenu est %(kind)s : "
                "renommez-le avec l'extension %(expected)s."
            )
        raise forms.ValidationError(
            message
            % {
                "name": name,
                "extension": extension,
                "kind": kind.label,
                "expected": kind.extension,
            },
            code="extension_mismatch",
        )
    _check_content(uploaded_file, kind=kind, name=name, size=size)
    _check_antivirus(uploaded_file, name=name)
    return CheckedUpload(kind=kind, original_name=name, size=size)


def sha256_of(uploaded_file) -> str:
    """The file's SHA-256, read in chunks (never the whole file in memory)."""
    digest = hashlib.sha256()
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    uploaded_file.seek(0)
    return digest.hexdigest()


# --- receiving -------------------------------------------------------------------------------


class CappedTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    """Django's handler for the uploads kept on disk while the request is read, writing no
    more than ``UPLOAD_MAX_MB`` (the largest limit a call may set) of each file: the rest
    is read and counted, not kept, so that a huge upload fills no disk. The file's ``size``
    stays the size received, which ``check_upload`` then refuses with the real figure."""

    def receive_data_chunk(self, raw_data, start):
        cap = settings.UPLOAD_MAX_MB * MEGABYTE
        if start < cap:
            self.file.write(raw_data[: cap - start])
        return None


# --- downloads -------------------------------------------------------------------------------

SAFE_CONTENT_TYPES = frozenset(kind.content_type for kind in ACCEPTED_KINDS)


def content_disposition(filename: str) -> str:
    """``attachment`` with the cleaned name twice: an ASCII fallback in ``filename`` and the
    exact name in ``filename*`` (RFC 5987/6266), so that no quote, semicolon or line break
    of a name ever reaches the header."""
    name = clean_original_name(filename)
    fallback = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    fallback = re.sub(r"[^A-Za-z0-9 ._()+,-]", "_", fallback).strip(" .") or "document"
    return f"attachment; filename=\"{fallback}\"; filename*=utf-8''{quote(name, safe='')}"


def file_download(handle, *, filename: str, content_type: str) -> FileResponse:
    """A stored file given back for saving, never for display in the browser: as an
    attachment under its cleaned name, with a media type among those accepted
    (``application/octet-stream`` otherwise), not sniffed, not kept in shared caches."""
    if content_type not in SAFE_CONTENT_TYPES:
        content_type = "application/octet-stream"
    response = FileResponse(handle, as_attachment=True, content_type=content_type)
    response["Content-Disposition"] = content_disposition(filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- who may join and remove ---------------------------------------------------------------


def can_manage(access: DossierAccess, *, partner: Partner | None) -> bool:
    """Whether the viewer may join or remove a document of ``partner`` (None: a document of
    the dossier itself): that partner's members, or the lead's members for the dossier's
    own documents; on a draft only."""
    if partner is None:
        return access.can_edit_shared
    return access.can_edit_partner(partner)


def uploadable_types(access: DossierAccess, document_types) -> list[DocumentType]:
    """The document types the viewer may join to the dossier now."""
    if not access.is_editable:
        return []
    partner_types = bool(access.my_partners)
    return [
        document_type
        for document_type in document_types
        if (partner_types if document_type.per_partner else access.can_edit_shared)
    ]


def refusal_for(access: DossierAccess, *, partner: Partner | None) -> str:
    if not access.is_editable:
        return _("Ce dossier est à l'état « %(status)s » : ses pièces ne se modifient plus.") % {
            "status": access.application.get_status_display()
        }
    if partner is None:
        lead = access.lead
        return _(
            "Les pièces du dossier sont jointes ou retirées par les membres du chef de file"
            "%(lead)s."
        ) % {"lead": f", {lead.organisation}" if lead else ""}
    return _("Les pièces de %(organisation)s sont jointes ou retirées par ses membres.") % {
        "organisation": partner.organisation
    }


# --- the upload form -----------------------------------------------------------------------


class AttachmentForm(forms.Form):
    """Join a document: its type, the partner it belongs to (for the documents each partner
    provides), the file. The type and partner offered are those the viewer may join."""

    document_type = forms.ChoiceField(
        label=gettext_lazy("Type de pièce"),
        error_messages={
            "required": gettext_lazy("Choisissez le type de la pièce."),
            "invalid_choice": gettext_lazy(
                "Vous ne pouvez pas joindre ce type de pièce : les pièces du dossier sont "
                "jointes par les membres du chef de file, celles de chaque partenaire par ses "
                "membres."
            ),
        },
    )
    partner = forms.ChoiceField(
        label=gettext_lazy("Partenaire concerné"),
        required=False,
        help_text=gettext_lazy(
            "Seulement pour les pièces que chaque partenaire fournit (lettre d'engagement…)."
        ),
        error_messages={
            "invalid_choice": gettext_lazy(
                "Vous ne pouvez joindre les pièces que des partenaires dont vous êtes membre."
            ),
        },
    )
    file = forms.FileField(
        label=gettext_lazy("Fichier"),
        allow_empty_file=True,  # refused by check_upload, with the file's name
        error_messages={
            "required": gettext_lazy("Choisissez le fichier à joindre."),
            "invalid": gettext_lazy("Le fichier n'a pas été reçu : choisissez-le à nouveau."),
        },
    )

    def __init__(
        self, data=None, files=None, *, access: DossierAccess, document_types, max_mb: int
    ):
        super().__init__(data, files)
        self.access = access
        self.max_mb = max_mb
        self.fields["file"].help_text = _(
            "Formats acceptés : %(formats)s ; %(limit)s au plus par fichier."
        ) % {"formats": accepted_formats_label(), "limit": say_megabytes(max_mb * MEGABYTE)}
        self.fields["file"].widget.attrs["accept"] = ",".join(ACCEPTED_EXTENSIONS)
        types = uploadable_types(access, document_types)
        self.types_by_id = {str(t.pk): t for t in types}
        required = [(str(t.pk), self._type_label(t)) for t in types if t.required]
        others = [(str(t.pk), self._type_label(t)) for t in types if not t.required]
        choices: list = [("", _("— Choisir le type —"))]
        if required:
            choices.append((_("Pièces obligatoires"), required))
        if others:
            choices.append((_("Autres pièces"), others))
        self.fields["document_type"].choices = choices
        self.partners_by_id = {str(p.pk): p for p in access.my_partners}
        if not any(t.per_partner for t in types):
            del self.fields["partner"]
            return
        partner_choices = [(str(p.pk), str(p.organisation)) for p in access.my_partners]
        if len(partner_choices) > 1:
            partner_choices.insert(0, ("", _("— Choisir le partenaire —")))
        elif partner_choices:
            self.fields["partner"].initial = partner_choices[0][0]
        self.fields["partner"].choices = partner_choices

    @staticmethod
    def _type_label(document_type) -> str:
        if document_type.per_partner:
            return _("%(name)s (une par partenaire)") % {"name": document_type.name}
        return document_type.name

    def clean_document_type(self):
        return self.types_by_id[self.cleaned_data["document_type"]]

    def clean_partner(self):
        value = self.cleaned_data.get("partner")
        return self.partners_by_id.get(value) if value else None

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        check_upload(uploaded, max_mb=self.max_mb)
        return uploaded

    def clean(self):
        cleaned = super().clean()
        document_type = cleaned.get("document_type")
        if document_type is None:
            return cleaned
        if not document_type.per_partner:
            cleaned["partner"] = None
        elif cleaned.get("partner") is None and "partner" not in self.errors:
            self.add_error(
                "partner",
                _("« %(type)s » se fournit par partenaire : choisissez le partenaire concerné.")
                % {"type": document_type.name},
            )
        return cleaned


# --- the writes ----------------------------------------------------------------------------


def _locked_access(application: Application, actor) -> DossierAccess:
    # The attachments section: editable on a draft, or while a clarification reopens it.
    """The dossier locked for the write (a submission takes the same lock), with what
    ``actor`` may do with it in its current state."""
    list(Application.objects.select_for_update().filter(pk=application.pk).values_list("pk"))
    try:
        return dossier_access(actor, application.reference, section=sections.ATTACHMENTS)
    except Http404:
        raise ServiceRefused(_("Ce dossier n'existe pas ou ne vous est pas accessible.")) from None


def attachment_add(
    *, application: Application, partner: Partner | None, document_type, uploaded_file, actor
) -> Attachment:
    """Join ``uploaded_file`` to ``application`` as a ``document_type`` (of ``partner`` for
    the documents each partner provides). The content is checked (kind, extension, size
    within the call's limit); the file is stored under a random name with the extension of
    its detected kind, its SHA-256 computed in chunks. Refusals raise ``ServiceRefused``
    and leave nothing behind: no row, no file."""
    try:
        checked = check_upload(uploaded_file, max_mb=application.call.max_attachment_mb)
    except forms.ValidationError as error:
        raise ServiceRefused(" ".join(error.messages)) from None
    stored_name = ""
    try:
        with transaction.atomic():
            access = _locked_access(application, actor)
            if document_type.per_partner:
                if partner is None:
                    raise ServiceRefused(
                        _("« %(type)s » se fournit par partenaire : choisissez le partenaire.")
                        % {"type": document_type.name}
                    )
                partner = next((p for p in access.partners if p.pk == partner.pk), None)
                if partner is None:
                    raise ServiceRefused(_("Ce partenaire ne fait pas partie du dossier."))
            else:
                partner = None
            if not can_manage(access, partner=partner):
                raise ServiceRefused(refusal_for(access, partner=partner))
            attachment = Attachment(
                application=access.application,
                partner=partner,
                document_type=document_type,
                original_name=checked.original_name,
                content_type=checked.kind.content_type,
                size=checked.size,
                sha256=sha256_of(uploaded_file),
                uploaded_by=actor,
            )
            attachment.file.save(f"piece{checked.kind.extension}", uploaded_file, save=False)
            stored_name = attachment.file.name
            attachment.save()
    except BaseException:
        if stored_name:
            Attachment.file.field.storage.delete(stored_name)
        raise
    return attachment


def attachment_delete(*, attachment: Attachment, actor) -> None:
    """Remove ``attachment`` from its dossier (a draft), by those who may join it; the file
    leaves the storage once the removal is committed."""
    with transaction.atomic():
        access = _locked_access(attachment.application, actor)
        partner = None
        if attachment.partner_id is not None:
            partner = next((p for p in access.partners if p.pk == attachment.partner_id), None)
            if partner is None:  # pragma: no cover - a partner of another dossier
                raise ServiceRefused(_("Cette pièce n'appartient pas à ce dossier."))
        if not can_manage(access, partner=partner):
            raise ServiceRefused(refusal_for(access, partner=partner))
        storage, name = attachment.file.storage, attachment.file.name
        Attachment.objects.filter(pk=attachment.pk).delete()
        transaction.on_commit(lambda: storage.delete(name))
