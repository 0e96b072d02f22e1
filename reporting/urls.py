"""URLs of the reporting app: progress reports (``reporting.report_urls``), generated
documents (``reporting.document_urls``) and exports (``reporting.export_urls``)."""

from . import document_urls, export_urls, report_urls

app_name = "reporting"

urlpatterns = [*report_urls.urlpatterns, *document_urls.urlpatterns, *export_urls.urlpatterns]
