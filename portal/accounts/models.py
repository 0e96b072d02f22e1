"""The sessions an account is logged in with, so that they can all be ended at once."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class UserSession(models.Model):
    """One logged-in session of an account: written at login, deleted at logout, and
    used to end every session of an account that is disabled (``sessions_end_all``).
    A session that simply expired leaves its row until the account's next login."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="login_sessions",
        verbose_name=_("utilisateur"),
    )
    session_key = models.CharField(_("clé de session"), max_length=40, unique=True)
    created_at = models.DateTimeField(_("connexion"), auto_now_add=True)
    ip_address = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)
    user_agent = models.CharField(_("navigateur"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("session ouverte")
        verbose_name_plural = _("sessions ouvertes")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.created_at:%Y-%m-%d %H:%M}"
