"""The API's URLs, mounted at /api/v1/ outside the language prefix: the public resources
of each app (one router), the token, the schema and its documentation page."""

from django.urls import include, path, re_path
from rest_framework.routers import DefaultRouter

from applications.api import views as applications_api
from calls.api import views as calls_api
from partners.api import views as partners_api
from reporting.api import views as reporting_api
from review.api import views as review_api

from . import views

app_name = "api"

router = DefaultRouter()
router.include_format_suffixes = False
router.register("funds", calls_api.FundViewSet, basename="fund")
router.register("programmes", calls_api.ProgrammeViewSet, basename="programme")
router.register("authorities", calls_api.AuthorityViewSet, basename="authority")
router.register("calls", calls_api.CallViewSet, basename="call")
router.register("operations", reporting_api.OperationViewSet, basename="operation")
router.register("applications", applications_api.ApplicationViewSet, basename="application")
router.register("organisations", partners_api.OrganisationViewSet, basename="organisation")
router.register("decisions", review_api.DecisionViewSet, basename="decision")
router.register("projects", reporting_api.ProjectViewSet, basename="project")
router.register("reports", reporting_api.ReportViewSet, basename="report")
router.register("documents", reporting_api.DocumentViewSet, basename="document")

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="auth_token"),
    path("schema/", views.SchemaView.as_view(), name="schema"),
    path("docs/", views.docs, name="docs"),
    path("", include(router.urls)),
    re_path(r"^.*$", views.NotFoundView.as_view(), name="not_found"),
]
