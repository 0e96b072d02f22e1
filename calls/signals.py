"""Keep the eligibility engine's cache of call facts exact: whatever changes what the rules
read from a call touches the call's ``updated_at``, the stamp the cache is keyed on."""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from .models import Call, CallLumpSum, DocumentType, EligibilityRule


def touch_calls(**filters) -> None:
    Call.objects.filter(**filters).update(updated_at=timezone.now())


@receiver(post_save, sender=EligibilityRule)
@receiver(post_delete, sender=EligibilityRule)
@receiver(post_save, sender=CallLumpSum)
@receiver(post_delete, sender=CallLumpSum)
def _call_part_changed(sender, instance, **kwargs):
    touch_calls(pk=instance.call_id)


_LISTS = {
    Call.priorities.through: "priorities",
    Call.target_groups.through: "target_groups",
    Call.required_document_types.through: "required_document_types",
}


@receiver(m2m_changed, sender=Call.priorities.through)
@receiver(m2m_changed, sender=Call.target_groups.through)
@receiver(m2m_changed, sender=Call.required_document_types.through)
def _call_list_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if not reverse:  # call.priorities.add(...) and the like
        if action in ("post_add", "post_remove", "post_clear"):
            touch_calls(pk=instance.pk)
    elif action in ("post_add", "post_remove"):  # priority.calls.add(call, ...)
        touch_calls(pk__in=pk_set)
    elif action == "pre_clear":  # priority.calls.clear(): while the links still exist
        touch_calls(**{_LISTS[sender]: instance.pk})


@receiver(post_save, sender=DocumentType)
@receiver(post_delete, sender=DocumentType)
def _document_type_changed(sender, instance, **kwargs):
    # Document types' names are part of every call's facts (a rule may name any type).
    touch_calls()
