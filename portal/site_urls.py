"""The portal's pages under the language prefix: home, log in, log out."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("connexion/", views.LoginView.as_view(), name="login"),
    path("deconnexion/", views.LogoutView.as_view(), name="logout"),
]
