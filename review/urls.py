"""Pages of the authorities' side: the officers' queue, a dossier as submitted, its
screening, clarification requests, assessors and their assessments, the ranking of a call,
decisions and contracting."""

from django.urls import path

from .views import assessment, decision, dossier, queue, screening

app_name = "review"

urlpatterns = [
    # The officers' queue and its exports.
    path("instruction/", queue.queue, name="queue"),
    path("instruction/export.csv", queue.export_csv, name="queue_export"),
    path("instruction/export.xlsx", queue.export_xlsx, name="queue_export_xlsx"),
    path("instruction/evaluateurs/", queue.bulk_assign, name="bulk_assign"),
    # One dossier as the officer sees it; screening and clarification.
    path("instruction/dossiers/<str:reference>/", dossier.dossier, name="dossier"),
    path(
        "instruction/dossiers/<str:reference>/versions/<int:number>/",
        dossier.snapshot,
        name="snapshot",
    ),
    path(
        "instruction/dossiers/<str:reference>/recevabilite/",
        screening.screening,
        name="screening",
    ),
    path(
        "instruction/dossiers/<str:reference>/complements/",
        screening.clarification,
        name="clarification",
    ),
    # Assessment.
    path(
        "instruction/dossiers/<str:reference>/evaluateurs/",
        assessment.assign,
        name="assign",
    ),
    path("evaluations/", assessment.my_assessments, name="my_assessments"),
    path("evaluations/<int:pk>/", assessment.assess, name="assess"),
    path("evaluations/<int:pk>/conflit/", assessment.declare, name="declare"),
    # Ranking, decisions, contracting.
    path("instruction/appels/<str:reference>/classement/", decision.ranking, name="ranking"),
    path("instruction/dossiers/<str:reference>/decision/", decision.decide, name="decide"),
    path("instruction/dossiers/<str:reference>/convention/", decision.contract, name="contract"),
]
