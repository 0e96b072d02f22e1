"""Forms of the dossier's sections. Each field has its label and, where it helps, a hint;
Django ties the hint and the errors to the control (``aria-describedby``,
``aria-invalid``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Application


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class IdentificationForm(forms.ModelForm):
    """Acronym, title, summary, the measure (when the call serves several), the dates; the
    duration is computed from the dates."""

    class Meta:
        model = Application
        fields = ["measure", "acronym", "title", "summary", "start_date", "end_date"]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "summary": forms.Textarea(attrs={"rows": 6}),
        }
        help_texts = {
            "acronym": _("Un nom court du projet, 40 caractères au plus."),
            "summary": _(
                "En quelques lignes : le problème traité, ce que le projet fera et pour qui."
            ),
            "start_date": _("Format attendu : jj/mm/aaaa."),
            "end_date": _("La durée est calculée à partir des dates, en mois entamés."),
        }

    def __init__(self, *args, call, **kwargs):
        super().__init__(*args, **kwargs)
        measures = call.measures.all()
        if measures:
            self.fields["measure"].queryset = measures
            self.fields["measure"].required = True
            self.fields["measure"].empty_label = _("— Choisir la mesure —")
        else:
            del self.fields["measure"]
        self.fields["title"].required = True
        self.fields["acronym"].required = True

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error(
                "end_date", _("La date de fin doit être postérieure ou égale à la date de début.")
            )
        return cleaned


class ContextForm(forms.ModelForm):
    class Meta:
        model = Application
        fields = ["context", "objectives", "cross_border_added_value"]
        widgets = {
            "context": forms.Textarea(attrs={"rows": 8}),
            "objectives": forms.Textarea(attrs={"rows": 8}),
            "cross_border_added_value": forms.Textarea(attrs={"rows": 5}),
        }
        help_texts = {
            "context": _("Le territoire, les besoins constatés, les chiffres qui les montrent."),
            "objectives": _("Ce que le projet veut atteindre, mesurable si possible."),
            "cross_border_added_value": _(
                "Pour les programmes de coopération : ce que le partenariat entre pays apporte "
                "de plus qu'un projet national."
            ),
        }


class PrioritiesForm(forms.ModelForm):
    """The priorities and target groups chosen among the call's lists."""

    class Meta:
        model = Application
        fields = ["priorities", "target_groups"]
        widgets = {
            "priorities": forms.CheckboxSelectMultiple,
            "target_groups": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, call, **kwargs):
        super().__init__(*args, **kwargs)
        priorities = call.priorities.order_by("kind", "sector", "position", "pk")
        groups = call.target_groups.order_by("name")
        self.fields["priorities"].queryset = priorities
        self.fields["target_groups"].queryset = groups
        self.has_priorities = priorities.exists()
        self.has_target_groups = groups.exists()
        if not self.has_priorities:
            del self.fields["priorities"]
        if not self.has_target_groups:
            del self.fields["target_groups"]
