"""URLs of the progress reports' pages (filing, partners' expenditure, the officer's
acceptance). Included by ``reporting.urls``."""

from django.urls import path

from .views import report_attachments, reports

urlpatterns = [
    # The project's calendar of reports, and opening the report of a period.
    path("projets/<str:reference>/rapports/", reports.report_list, name="report_list"),
    path(
        "projets/<str:reference>/rapports/<int:number>/ouvrir/",
        reports.open_report,
        name="report_open",
    ),
    # One report: read in full, then its sections.
    path(
        "projets/<str:reference>/rapports/<int:number>/",
        reports.report_detail,
        name="report_detail",
    ),
    path(
        "projets/<str:reference>/rapports/<int:number>/avancement/",
        reports.general,
        name="report_general",
    ),
    path(
        "projets/<str:reference>/rapports/<int:number>/modules/",
        reports.work_packages,
        name="report_work_packages",
    ),
    path(
        "projets/<str:reference>/rapports/<int:number>/indicateurs/",
        reports.indicators,
        name="report_indicators",
    ),
    path(
        "projets/<str:reference>/rapports/<int:number>/depenses/<int:partner>/",
        reports.expenditure,
        name="report_expenditure",
    ),
    # The workflow: the lead submits; an officer accepts or asks for changes.
    path(
        "projets/<str:reference>/rapports/<int:number>/remettre/",
        reports.submit_report,
        name="report_submit",
    ),
    path(
        "projets/<str:reference>/rapports/<int:number>/accepter/",
        reports.accept_report,
        name="report_accept",
    ),
    path(
        "projets/<str:reference>/rapports/<int:number>/modifications/",
        reports.request_changes,
        name="report_request_changes",
    ),
    # Documents joined to the report.
    path(
        "projets/<str:reference>/rapports/<int:number>/pieces/",
        report_attachments.join,
        name="report_attachment_join",
    ),
    path(
        "projets/<str:reference>/rapports/<int:number>/pieces/<int:pk>/",
        report_attachments.download,
        name="report_attachment",
    ),
    path(
        "projets/<str:reference>/rapports/<int:number>/pieces/<int:pk>/retirer/",
        report_attachments.remove,
        name="report_attachment_remove",
    ),
]
