"""A progress report's attachments: join one (a form with its errors beside the fields,
422, nothing saved), download one (those who read the report), remove one.

Those who do not read the report get a 404; those who read it but may not act get a 403
(as on the report's other pages)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import (
    Http404,
    HttpResponseForbidden,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from applications.uploads import file_download
from audit import services as audit
from audit.choices import AuditAction

from ..attachments import (
    ReportAttachmentForm,
    can_join,
    can_remove,
    report_attachment_add,
    report_attachment_remove,
)
from ..models import ReportAttachment
from ..permissions import report_access_by_number
from ..services import ReportRefused

STATUS_INVALID = 422
STATUS_CONFLICT = 409


def _detail_url(access) -> str:
    return (
        reverse(
            "reporting:report_detail", args=[access.application.reference, access.report.number]
        )
        + "#attachments-title"
    )


@login_required
@require_http_methods(["GET", "POST"])
def join(request, reference, number):
    access = report_access_by_number(request.user, reference, number)
    if not can_join(access):
        return HttpResponseForbidden(_("Ce rapport n'accepte pas de pièce jointe de votre part."))
    max_mb = access.application.call.max_attachment_mb
    form = ReportAttachmentForm(request.POST or None, request.FILES or None, max_mb=max_mb)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                attachment = report_attachment_add(
                    access=access,
                    actor=request.user,
                    title=form.cleaned_data["title"],
                    uploaded_file=form.cleaned_data["file"],
                )
            except ReportRefused as refused:
                messages.error(request, refused.message)
                return HttpResponseRedirect(_detail_url(access))
            messages.success(
                request,
                _("« %(name)s » est joint au rapport.") % {"name": attachment.original_name},
            )
            return HttpResponseRedirect(_detail_url(access))
        status = STATUS_INVALID
    return render(
        request,
        "reporting/report_attachment_form.html",
        {"access": access, "report": access.report, "application": access.application,
         "form": form},
        status=status,
    )  # fmt: skip


def _attachment(access, pk) -> ReportAttachment:
    return get_object_or_404(ReportAttachment, report=access.report, pk=pk)


@login_required
@require_GET
def download(request, reference, number, pk):
    access = report_access_by_number(request.user, reference, number)
    attachment = _attachment(access, pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    audit.record(
        actor=request.user,
        action=AuditAction.ATTACHMENT_DOWNLOADED,
        request=request,
        call=access.application.call,
        subject=(
            "report_attachment",
            f"{access.application.reference}/{access.report.number} — {attachment.original_name}",
        ),
    )
    return file_download(
        handle, filename=attachment.original_name, content_type=attachment.content_type
    )


@login_required
def remove(request, reference, number, pk):
    # The method is checked once the report is known to be the user's to read: anyone else
    # gets a 404 whatever the method.
    access = report_access_by_number(request.user, reference, number)
    attachment = _attachment(access, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not can_remove(access, attachment):
        return HttpResponseForbidden(_("Vous ne pouvez pas retirer ce document."))
    try:
        report_attachment_remove(access=access, attachment=attachment)
    except ReportRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request, _("« %(name)s » est retiré du rapport.") % {"name": attachment.original_name}
        )
    return HttpResponseRedirect(_detail_url(access))
