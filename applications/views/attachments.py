"""Attachments: the call's required documents and the others, what is joined and what is
missing (per partner for the documents each partner provides); upload (content checked,
size limited per call), download (only for those who may see the dossier), delete."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from audit import services as audit
from audit.choices import AuditAction
from calls.models import Call, DocumentType
from partners.choices import PartnerRole
from partners.models import Partner

from .. import sections
from ..models import Application, Attachment
from ..permissions import can_download_as_officer, dossier_access
from ..services import ServiceRefused
from ..uploads import (
    AttachmentForm,
    attachment_add,
    attachment_delete,
    can_manage,
    file_download,
    refusal_for,
    say_megabytes,
    uploadable_types,
)
from .base import DossierMixin

TEMPLATE = "applications/attachments/attachments.html"
STATUS_INVALID = 422


@dataclass
class PartnerDocuments:
    """One partner's files of a document type each partner provides."""

    partner: Partner
    attachments: list[Attachment] = field(default_factory=list)
    expected: bool = True  # associated partners are not required to provide it

    @property
    def missing(self) -> bool:
        return self.expected and not self.attachments


@dataclass
class DocumentRow:
    """A document type with the files joined as it: for a dossier-level type, one list;
    for a type each partner provides, one list per partner."""

    document_type: DocumentType
    required: bool
    attachments: list[Attachment] = field(default_factory=list)
    per_partner: list[PartnerDocuments] = field(default_factory=list)

    @property
    def missing_partners(self) -> list[Partner]:
        return [row.partner for row in self.per_partner if row.missing]

    @property
    def is_missing(self) -> bool:
        if not self.required:
            return False
        if self.document_type.per_partner:
            return bool(self.missing_partners)
        return not self.attachments


def document_rows(access, document_types) -> list[DocumentRow]:
    """Every document type with the dossier's files, required types first: one query for
    the files (with their uploaders), the partners coming from ``access``."""
    partners = {p.pk: p for p in access.partners}
    by_type: dict[int, list[Attachment]] = {}
    for attachment in (
        Attachment.objects.filter(application=access.application)
        .select_related("uploaded_by")
        .order_by("uploaded_at", "pk")
    ):
        attachment.partner = partners.get(attachment.partner_id)
        attachment.can_delete = can_manage(access, partner=attachment.partner)
        by_type.setdefault(attachment.document_type_id, []).append(attachment)
    rows = []
    for document_type in document_types:
        files = by_type.get(document_type.pk, [])
        row = DocumentRow(document_type=document_type, required=document_type.required)
        if document_type.per_partner:
            # A file joined for the dossier itself stands for the lead's own (as the
            # eligibility engine reads it).
            dossier_files = [a for a in files if a.partner is None]
            for partner in access.partners:
                own = [a for a in files if a.partner_id == partner.pk]
                if partner.is_lead:
                    own = dossier_files + own
                row.per_partner.append(
                    PartnerDocuments(
                        partner=partner,
                        attachments=own,
                        expected=partner.role != PartnerRole.ASSOCIATED,
                    )
                )
        else:
            row.attachments = files
        rows.append(row)
    return rows


def document_types_for(call: Call):
    """All document types, those the call requires first (annotated ``required``): one
    query."""
    required = Call.required_document_types.through.objects.filter(
        call=call, documenttype=OuterRef("pk")
    )
    return list(
        DocumentType.objects.annotate(required=Exists(required)).order_by("-required", "name")
    )


class AttachmentsView(DossierMixin, View):
    """The attachments page and its upload form (a plain multipart POST: works without
    JavaScript)."""

    section = sections.ATTACHMENTS

    def setup_page(self):
        self.document_types = document_types_for(self.application.call)

    def form(self, data=None, files=None) -> AttachmentForm:
        return AttachmentForm(
            data,
            files,
            access=self.access,
            document_types=self.document_types,
            max_mb=self.application.call.max_attachment_mb,
        )

    def read_only_reason(self) -> str:
        if not self.access.is_editable:
            return _(
                "Ce dossier est à l'état « %(status)s » : ses pièces se lisent et se "
                "téléchargent, elles ne se modifient plus."
            ) % {"status": self.application.get_status_display()}
        return ""

    def render_page(self, form, *, status: int = 200):
        rows = document_rows(self.access, self.document_types)
        can_upload = bool(uploadable_types(self.access, self.document_types))
        context = {
            **self.layout_context(),
            "required_rows": [row for row in rows if row.required],
            "other_rows": [row for row in rows if not row.required],
            "form": form,
            "can_upload": can_upload,
            "read_only_reason": self.read_only_reason(),
            "max_size": say_megabytes(self.application.call.max_attachment_mb * 1024 * 1024),
        }
        return render(self.request, TEMPLATE, context, status=status)

    def get(self, request, reference):
        self.setup_page()
        return self.render_page(self.form())

    def post(self, request, reference):
        self.setup_page()
        if not uploadable_types(self.access, self.document_types):
            messages.error(
                request, self.read_only_reason() or refusal_for(self.access, partner=None)
            )
            return self.render_page(self.form(), status=403)
        form = self.form(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_page(form, status=STATUS_INVALID)
        try:
            attachment = attachment_add(
                application=self.application,
                partner=form.cleaned_data.get("partner"),
                document_type=form.cleaned_data["document_type"],
                uploaded_file=form.cleaned_data["file"],
                actor=request.user,
            )
        except ServiceRefused as refusal:
            form.add_error(None, refusal.message)
            return self.render_page(form, status=STATUS_INVALID)
        messages.success(
            request,
            _("« %(name)s » est joint au dossier comme « %(type)s ».")
            % {"name": attachment.original_name, "type": attachment.document_type.name},
        )
        return HttpResponseRedirect(request.path)


class AttachmentDeleteView(AttachmentsView):
    """Remove a file (POST only): by those who may join it, on a draft."""

    def get(self, request, reference, pk):
        self.attachment(pk)  # another dossier's file does not exist here
        return HttpResponseNotAllowed(["POST"])

    def attachment(self, pk) -> Attachment:
        return get_object_or_404(Attachment, pk=pk, application=self.application)

    def post(self, request, reference, pk):
        attachment = self.attachment(pk)
        try:
            attachment_delete(attachment=attachment, actor=request.user)
        except ServiceRefused as refusal:
            messages.error(request, refusal.message)
            self.setup_page()
            return self.render_page(self.form(), status=403)
        messages.success(
            request,
            _("« %(name)s » est retiré du dossier.") % {"name": attachment.original_name},
        )
        return HttpResponseRedirect(
            reverse("applications:attachments", args=[self.application.reference])
        )


attachments = AttachmentsView.as_view()
delete = AttachmentDeleteView.as_view()


@login_required
def download(request, reference, pk):
    """The file as it was uploaded, under its original name and detected media type, for
    those who may see the dossier and for the officers of its call's authority once it is
    submitted (404 for anyone else, and for a file of another dossier addressed under this
    one's reference)."""
    try:
        application = dossier_access(request.user, reference).application
    except Http404:
        application = get_object_or_404(
            Application.objects.select_related("call"), reference=reference
        )
        if not can_download_as_officer(request.user, application):
            raise
    attachment = get_object_or_404(Attachment, pk=pk, application=application)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    audit.record(
        actor=request.user,
        action=AuditAction.ATTACHMENT_DOWNLOADED,
        request=request,
        call=application.call,
        subject=("attachment", f"{application.reference} — {attachment.original_name}"),
    )
    return file_download(
        handle, filename=attachment.original_name, content_type=attachment.content_type
    )
