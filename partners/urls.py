"""Pages of organisations: register one, join one, its members and their invitations."""

from django.urls import path

from . import views

app_name = "partners"

urlpatterns = [
    path("organisations/", views.organisation_list, name="list"),
    path("organisations/nouvelle/", views.organisation_create, name="create"),
    path("organisations/rejoindre/", views.organisation_join, name="join"),
    path(
        "organisations/invitations/<str:token>/",
        views.colleague_accept,
        name="accept_colleague",
    ),
    path("organisations/<int:pk>/", views.organisation_detail, name="detail"),
    path("organisations/<int:pk>/modifier/", views.organisation_edit, name="edit"),
    path("organisations/<int:pk>/inviter/", views.colleague_invite, name="invite"),
    path(
        "organisations/<int:pk>/membres/<int:membership_pk>/approuver/",
        views.membership_approve,
        name="membership_approve",
    ),
    path(
        "organisations/<int:pk>/membres/<int:membership_pk>/refuser/",
        views.membership_refuse,
        name="membership_refuse",
    ),
    path(
        "organisations/<int:pk>/membres/<int:membership_pk>/role/",
        views.membership_role,
        name="membership_role",
    ),
    path(
        "organisations/<int:pk>/membres/<int:membership_pk>/desactiver/",
        views.membership_deactivate,
        name="membership_deactivate",
    ),
]
