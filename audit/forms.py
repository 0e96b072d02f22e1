"""The journal's filters: a GET form that writes nothing."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import AuditAction


class JournalFilterForm(forms.Form):
    """Filters of the officer's journal; the calls offered are the officer's own."""

    call = forms.ChoiceField(label=_("Appel"), required=False)
    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=[("", _("Toutes les actions")), *AuditAction.choices],
    )
    person = forms.CharField(
        label=_("Personne"),
        required=False,
        max_length=254,
        help_text=_("Adresse e-mail, ou une partie de l'adresse."),
    )
    since = forms.DateField(
        label=_("Du"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    until = forms.DateField(
        label=_("Au"),
        required=False,
        help_text=_("Ce jour inclus (heure de Paris)."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, data=None, *, calls, **kwargs):
        super().__init__(data, **kwargs)
        self.calls = {call.reference: call for call in calls}
        self.fields["call"].choices = [
            ("", _("Tous les appels")),
            *((call.reference, f"{call.reference} — {call.title}") for call in calls),
        ]

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", _("La date de fin précède la date de début."))
        return cleaned

    def filters(self) -> dict:
        """The valid filters as ``selectors.filter_events`` takes them: a wrong one is
        shown beside its field and not applied, the others are."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = self.cleaned_data
        return {
            "call": self.calls.get(data["call"]) if data.get("call") else None,
            "action": data.get("action") or "",
            "person": data.get("person") or "",
            "since": data.get("since"),
            "until": data.get("until"),
        }
