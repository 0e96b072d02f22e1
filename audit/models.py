"""The audit log: one row per event, written once and never changed or deleted.

The row keeps what it refers to as text (the person's e-mail address at the time, the
object's reference) beside nullable links without database constraints: the journal
outlives the accounts, calls and authorities it names, and deleting one of them never
touches it. ``save()`` of an existing row, ``delete()`` and the queryset's ``update()`` and
``delete()`` raise ``ImmutableEvent``; on PostgreSQL a trigger refuses UPDATE and DELETE of
the table whatever the client (migration 0002)."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import AuditAction


class ImmutableEvent(Exception):
    """An audit event cannot be changed or deleted."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableEvent("audit events are never changed")

    def delete(self):
        raise ImmutableEvent("audit events are never deleted")


class AuditEvent(models.Model):
    """Who did what, on which object, when (the server's clock) and from where."""

    at = models.DateTimeField(_("date et heure"), default=timezone.now, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("personne"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # the composite index below starts with it
        null=True,
        blank=True,
        related_name="+",
    )
    # The e-mail address at the time (for a failed login: the address typed).
    actor_label = models.CharField(_("identité"), max_length=254, blank=True)
    action = models.CharField(_("action"), max_length=40, choices=AuditAction.choices)
    subject_type = models.CharField(_("type d'objet"), max_length=40, blank=True)
    subject_ref = models.CharField(_("objet"), max_length=300, blank=True)
    call = models.ForeignKey(
        "calls.Call",
        verbose_name=_("appel"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # the composite index below starts with it
        null=True,
        blank=True,
        related_name="+",
    )
    authority = models.ForeignKey(
        "calls.Authority",
        verbose_name=_("autorité"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # the composite index below starts with it
        null=True,
        blank=True,
        related_name="+",
    )
    ip_address = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)
    user_agent = models.CharField(_("navigateur"), max_length=300, blank=True)
    details = models.JSONField(_("détails"), default=dict, blank=True, encoder=DjangoJSONEncoder)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("événement du journal d'audit")
        verbose_name_plural = _("journal d'audit")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["authority", "-at"], name="audit_event_authority_at"),
            models.Index(fields=["call", "-at"], name="audit_event_call_at"),
            models.Index(fields=["actor", "-at"], name="audit_event_actor_at"),
            models.Index(fields=["actor_label", "-at"], name="audit_event_label_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.actor_label}".strip()

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableEvent("audit events are never changed")
        # Always an INSERT: a row given the id of an existing one fails, never overwrites.
        kwargs["force_insert"] = True
        kwargs.pop("force_update", None)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableEvent("audit events are never deleted")
