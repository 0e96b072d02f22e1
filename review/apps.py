from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewConfig(AppConfig):
    """The managing authorities' side: officers' queue, screening, clarifications,
    assessment, ranking, decisions, contracting. The models live in ``applications``."""

    name = "review"
    verbose_name = _("Instruction des dossiers")
