"""The portal's pages under the language prefix: home; the accounts (register, confirm the
e-mail address, log in and out, reset a forgotten password; the account's page and its
API token)."""

from django.urls import include, path

from . import personal_data_views, views

urlpatterns = [
    path("", views.home, name="home"),
    # Changing the password or the e-mail address; staff: login lockouts.
    path("", include("portal.accounts.urls")),
    path("connexion/", views.LoginView.as_view(), name="login"),
    path("deconnexion/", views.LogoutView.as_view(), name="logout"),
    path("compte/", views.account, name="account"),
    path("compte/jeton-api/nouveau/", views.account_token_issue, name="account_token_issue"),
    path("compte/jeton-api/revoquer/", views.account_token_revoke, name="account_token_revoke"),
    path("compte/session/", views.session_keepalive, name="session_keepalive"),
    path(
        "compte/donnees-personnelles/export/",
        personal_data_views.account_personal_data_export,
        name="account_personal_data_export",
    ),
    path(
        "compte/donnees-personnelles/effacer/",
        personal_data_views.account_personal_data_forget,
        name="account_personal_data_forget",
    ),
    path("compte/inscription/", views.RegisterView.as_view(), name="register"),
    path(
        "compte/inscription/verifiez-vos-e-mails/",
        views.RegisterDoneView.as_view(),
        name="register_done",
    ),
    path("compte/confirmer/<uidb64>/<token>/", views.confirm_email, name="confirm_email"),
    path(
        "compte/confirmer/nouveau-lien/",
        views.ResendConfirmationView.as_view(),
        name="resend_confirmation",
    ),
    path("compte/mot-de-passe/oubli/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "compte/mot-de-passe/envoye/",
        views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "compte/mot-de-passe/nouveau/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "compte/mot-de-passe/change/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
