"""URLs of the generated documents (request, status, download, retry) and the officers'
summaries. Included by ``reporting.urls``."""

from django.urls import path

from .views import documents

urlpatterns = [
    path("documents/", documents.documents, name="documents"),
    path("documents/demander/", documents.request_document, name="document_request"),
    path("documents/<int:pk>/", documents.document_detail, name="document"),
    path("documents/<int:pk>/etat/", documents.document_status, name="document_status"),
    path("documents/<int:pk>/telecharger/", documents.document_download, name="document_download"),
    path("documents/<int:pk>/relancer/", documents.retry_document, name="document_retry"),
    path("instruction/syntheses/", documents.summaries, name="summaries"),
]
