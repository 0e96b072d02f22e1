"""The portal's URLs: pages per app, the admin, language switch, accounts."""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("portal.api.urls")),
]

urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("", include("portal.site_urls")),
    path("", include("calls.urls")),
    path("", include("partners.urls")),
    path("", include("applications.urls")),
    path("", include("review.urls")),
    path("", include("audit.urls")),
    path("", include("reporting.urls")),
    prefix_default_language=False,
)

# A failed request: 503 with a retry message when the database is away, else 500 (both
# rendered without the database; JSON under /api/).
handler500 = "portal.errors.server_error"
