"""URLs of the generated documents (request, status, download, retry) and the exports.
Included by ``reporting.urls``."""

urlpatterns: list = []
