"""The account's security pages (under the language prefix, with portal.site_urls)."""

from django.urls import path

from . import views

urlpatterns = [
    path(
        "compte/mot-de-passe/modifier/",
        views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path("compte/adresse-e-mail/", views.EmailChangeView.as_view(), name="email_change"),
    path(
        "compte/adresse-e-mail/confirmer/<str:token>/",
        views.email_change_confirm,
        name="email_change_confirm",
    ),
    path("compte/blocages/", views.lockouts, name="lockouts"),
    path("compte/blocages/debloquer/", views.lockout_unlock, name="lockout_unlock"),
]
