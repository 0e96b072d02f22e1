from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """The audit log: who did what, on which object, when and from where; append-only."""

    name = "audit"
    verbose_name = _("Journal d'audit")

    def ready(self):
        from . import signals  # noqa: F401 - records logins, failed logins and logouts
