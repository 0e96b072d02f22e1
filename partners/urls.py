"""Pages of organisations: register one, join one, its members and their invitations."""

from django.urls import path

app_name = "partners"

urlpatterns: list = []
