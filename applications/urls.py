"""Pages of dossiers: the applicant's dashboard, starting a dossier from a call, its
sections, its consortium, its attachments, copying, submitting and withdrawing it."""

from django.urls import include, path

from .views import attachments, consortium, dashboard, finance, lifecycle, sections, work

app_name = "applications"

dossier = [
    path("", sections.OverviewView.as_view(), name="overview"),
    path("identification/", sections.IdentificationView.as_view(), name="identification"),
    path("contexte/", sections.ContextView.as_view(), name="context"),
    path("priorites/", sections.PrioritiesView.as_view(), name="priorities"),
    # Consortium: partners, invitations, each partner's identity and commitment.
    path("partenariat/", consortium.consortium, name="consortium"),
    path("partenariat/inviter/", consortium.invite, name="consortium_invite"),
    path(
        "partenariat/invitations/<int:pk>/annuler/",
        consortium.invitation_cancel,
        name="invitation_cancel",
    ),
    path("partenariat/<int:number>/", consortium.PartnerView.as_view(), name="partner_edit"),
    path(
        "partenariat/<int:number>/engagement/",
        consortium.commitment,
        name="partner_commitment",
    ),
    path("partenariat/<int:number>/retirer/", consortium.remove, name="partner_remove"),
    path("partenariat/<int:number>/chef-de-file/", consortium.make_lead, name="partner_make_lead"),
    # Work packages and indicators.
    path("modules/", work.WorkPackagesView.as_view(), name="work_packages"),
    path("modules/<int:number>/", work.WorkPackageView.as_view(), name="work_package"),
    path("indicateurs/", work.IndicatorsView.as_view(), name="indicators"),
    # Budget and co-financing, in total and per partner.
    path("budget/", finance.BudgetView.as_view(), name="budget"),
    path("budget/<int:number>/", finance.PartnerBudgetView.as_view(), name="partner_budget"),
    path("financement/", finance.CofinancingView.as_view(), name="cofinancing"),
    path(
        "financement/<int:number>/",
        finance.PartnerCofinancingView.as_view(),
        name="partner_cofinancing",
    ),
    # Attachments.
    path("pieces/", attachments.attachments, name="attachments"),
    path("pieces/<int:pk>/", attachments.download, name="attachment_download"),
    path("pieces/<int:pk>/supprimer/", attachments.delete, name="attachment_delete"),
    # Life of the dossier.
    path("depot/", lifecycle.submit, name="submit"),
    path("retrait/", lifecycle.withdraw, name="withdraw"),
    path("copier/", lifecycle.copy, name="copy"),
]

urlpatterns = [
    path("tableau-de-bord/", dashboard.dashboard, name="dashboard"),
    path("appels/<str:call_reference>/deposer/", lifecycle.start, name="start"),
    path("invitations/<str:token>/", consortium.accept, name="invitation_accept"),
    path("dossiers/<str:reference>/", include(dossier)),
]
