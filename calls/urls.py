"""Public pages of the calls app, under the language prefix."""

from django.urls import path, register_converter

from . import views


class ReferenceConverter:
    """A call's reference in a URL: letters, digits and dashes (``AAP-2026-001``)."""

    regex = "[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ReferenceConverter, "reference")

app_name = "calls"
urlpatterns = [
    path("appels/", views.call_list, name="list"),
    path("appels/<reference:reference>/", views.call_detail, name="detail"),
    path("programmes/", views.programme_list, name="programme_list"),
    path("programmes/<slug:code>/", views.programme_detail, name="programme_detail"),
]
