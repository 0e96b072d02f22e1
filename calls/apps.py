from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallsConfig(AppConfig):
    name = "calls"
    verbose_name = _("Programmes et appels")

    def ready(self):
        from . import signals  # noqa: F401 - connects the cache's invalidation
