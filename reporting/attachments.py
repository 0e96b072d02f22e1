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


def report_attachment_add(
    *, access: ReportAccess, actor, title: str, uploaded_file, checked
) -> ReportAttachment:
    """Join a checked file to the report; refused (nothing written) when the report is no
    longer open to changes or the actor is not a member."""
    with transaction.atomic():
        report = ProgressReport.objects.select_for_update().get(pk=access.report.pk)
        access.report.status = report.status
        if not can_join(access):
            raise ReportRefused(
                _("Ce rapport n'accepte plus de pièce jointe : il a été remis."), conflict=True
            )
        return ReportAttachment.objects.create(
            report=report,
            title=title,
            file=uploaded_file,
            original_name=checked.original_name,
            content_type=checked.kind.content_type,
            size=checked.size,
            sha256=sha256_of(uploaded_file),
            uploaded_by=actor,
        )


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
