"""The officers' journal of the audit log."""

from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("instruction/journal/", views.journal, name="journal"),
]
