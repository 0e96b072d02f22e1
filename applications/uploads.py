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
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from decimal import ROUND_UP, Decimal
from pathlib import PurePath

from django import forms
from django.db import transaction
from django.http import Http404
from django.utils import formats
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from calls.models import DocumentType
from partners.models import Partner

from . import sections
from .models import Application, Attachment
from .permissions import DossierAccess, dossier_access
from .services import ServiceRefused

MEGABYTE = 1024 * 1024
ORIGINAL_NAME_MAX_LENGTH = 120
HEAD_BYTES = 2048
# [Content_Types].xml is a few kilobytes; a ZIP member is read up to this bound, never more.
MEMBER_READ_LIMIT = 256 * 1024


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


@dataclass(frozen=True)
class CheckedUpload:
    """An upload that passed the checks: its kind, its name for display, its size."""

    kind: FileKind
    original_name: str
    size: int


def check_upload(uploaded_file, *, max_mb: int) -> CheckedUpload:
    """Check ``uploaded_file`` against what a dossier accepts; raises a ``ValidationError``
    whose message names the file and says what to do."""
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
    return CheckedUpload(kind=kind, original_name=name, size=size)


def sha256_of(uploaded_file) -> str:
    """The file's SHA-256, read in chunks (never the whole file in memory)."""
    digest = hashlib.sha256()
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    uploaded_file.seek(0)
    return digest.hexdigest()


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
