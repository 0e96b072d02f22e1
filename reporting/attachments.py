"""Documents joined to a progress report: the checks of the dossiers' uploads (type read
from the content, size limited by the call, name never trusted), who may join and remove,
and the form.

Joining and removing are allowed while the report can be changed (a draft, or changes
requested): to the members of the lead and of the partners (each partner joins its own
proofs); a file is removed by whoever joined it or by the lead's members. Every reader of
the report downloads them (``reporting.permissions.report_access``)."""

from __future__ import annotations

from django import forms
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.uploads import accepted_formats_label, check_upload, sha256_of

from .models import ProgressReport, ReportAttachment
from .permissions import ReportAccess
from .services import ReportRefused


class ReportAttachmentForm(forms.Form):
    title = forms.CharField(
        label=gettext_lazy("Intitulé"),
        max_length=200,
        help_text=gettext_lazy("Par exemple : feuilles d'émargement de la session de mars."),
        error_messages={"required": gettext_lazy("Dites ce qu'est ce document.")},
    )
    file = forms.FileField(
        label=gettext_lazy("Fichier"),
        error_messages={"required": gettext_lazy("Choisissez le fichier à joindre.")},
    )

    def __init__(self, *args, max_mb: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_mb = max_mb
        self.fields["file"].help_text = _(
            "Formats acceptés : %(formats)s ; %(size)s Mo au plus."
        ) % {
            "formats": accepted_formats_label(),
            "size": max_mb,
        }

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        self.checked = check_upload(uploaded, max_mb=self.max_mb)
        return uploaded


def can_join(access: ReportAccess) -> bool:
    return access.is_editable and access.is_member


def can_remove(access: ReportAccess, attachment: ReportAttachment) -> bool:
    return can_join(access) and (
        access.is_lead_member or attachment.uploaded_by_id == access.user.pk
    )


def report_attachment_add(*, access: ReportAccess, actor, title: str, uploaded_file):
    """Join a file to the report after the dossiers' checks (``check_upload``: content,
    size within the call's limit, what is inside, the antivirus; already run by the form,
    not run twice), stored under a random name with the extension of its detected kind.
    Refused (nothing written: no row, no file) when a check fails, when the report is no
    longer open to changes or the actor is not a member."""
    try:
        checked = check_upload(uploaded_file, max_mb=access.application.call.max_attachment_mb)
    except forms.ValidationError as error:
        raise ReportRefused(" ".join(error.messages)) from None
    stored_name = ""
    try:
        with transaction.atomic():
            report = ProgressReport.objects.select_for_update().get(pk=access.report.pk)
            access.report.status = report.status
            if not can_join(access):
                raise ReportRefused(
                    _("Ce rapport n'accepte plus de pièce jointe : il a été remis."),
                    conflict=True,
                )
            attachment = ReportAttachment(
                report=report,
                title=title,
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
            ReportAttachment.file.field.storage.delete(stored_name)
        raise
    return attachment


def report_attachment_remove(*, access: ReportAccess, attachment: ReportAttachment) -> None:
    """Remove the file (from the storage once committed)."""
    with transaction.atomic():
        report = ProgressReport.objects.select_for_update().get(pk=access.report.pk)
        access.report.status = report.status
        if not can_remove(access, attachment):
            raise ReportRefused(_("Vous ne pouvez pas retirer ce document."), conflict=True)
        storage, name = attachment.file.storage, attachment.file.name
        attachment.delete()
        transaction.on_commit(lambda: storage.delete(name))
