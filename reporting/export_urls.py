"""URLs of the exports: the public list of operations. Included by ``reporting.urls``."""

from django.urls import path

from .views import exports

urlpatterns = [
    path("donnees/", exports.open_data, name="open_data"),
    path("donnees/operations.csv", exports.public_operations_csv, name="public_operations_csv"),
]
