"""Forms of the eligibility screening and of clarification requests. They parse and say
what is missing; the rules (who may, from which state, what admissibility requires) are
checked by the services in ``review.screening``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from applications.choices import ApplicationStatus, ScreeningVerdict

from .screening import REOPENABLE_SECTIONS, RuleRow


class SeenStatusForm(forms.Form):
    """Carries the state of the dossier the officer saw when the page was built: if another
    officer changed it meanwhile, the change is refused as a conflict."""

    seen_status = forms.ChoiceField(
        choices=ApplicationStatus.choices, widget=forms.HiddenInput, required=False
    )


class StartForm(SeenStatusForm):
    pass


class RuleScreeningForm(forms.Form):
    """The officer's verdict on one rule: the engine's (confirmed) or another, with a
    justification."""

    officer_verdict = forms.ChoiceField(label=_("Verdict de l'agent"), choices=())
    justification = forms.CharField(
        label=_("Justification"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Obligatoire si vous modifiez le verdict du moteur."),
    )

    def __init__(self, *args, row: RuleRow, **kwargs):
        self.row = row
        initial = kwargs.setdefault("initial", {})
        if row.screening is not None:
            initial.setdefault("officer_verdict", row.screening.officer_verdict)
            initial.setdefault("justification", row.screening.justification)
        else:
            initial.setdefault("officer_verdict", row.engine_verdict)
        kwargs.setdefault("prefix", f"rule-{row.rule.pk}")
        super().__init__(*args, **kwargs)
        engine = row.engine_verdict
        self.fields["officer_verdict"].choices = [
            (
                value,
                _("%(verdict)s (verdict du moteur confirmé)") % {"verdict": label}
                if value == engine
                else _("%(verdict)s (modification)") % {"verdict": label},
            )
            for value, label in ScreeningVerdict.choices
        ]

    def clean(self):
        cleaned = super().clean()
        verdict = cleaned.get("officer_verdict")
        if (
            verdict
            and verdict != self.row.engine_verdict
            and not cleaned.get("justification", "").strip()
        ):
            self.add_error(
                "justification",
                _(
                    "Une justification est obligatoire pour modifier le verdict du moteur "
                    "(%(engine)s)."
                )
                % {"engine": self.row.engine_verdict_label},
            )
        return cleaned


class ConclusionForm(SeenStatusForm):
    """Admissible or ineligible, with the reasons told to the applicant."""

    outcome = forms.ChoiceField(
        label=_("Conclusion"),
        choices=[
            (ApplicationStatus.ADMISSIBLE, _("Recevable")),
            (ApplicationStatus.INELIGIBLE, _("Irrecevable")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez : recevable ou irrecevable.")},
    )
    reasons = forms.CharField(
        label=_("Motifs transmis au porteur"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Obligatoires pour un dossier irrecevable ; envoyés par e-mail au porteur."),
    )

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("outcome") == ApplicationStatus.INELIGIBLE
            and not cleaned.get("reasons", "").strip()
        ):
            self.add_error(
                "reasons",
                _("Indiquez les motifs de l'irrecevabilité : ils sont transmis au porteur."),
            )
        return cleaned


class ClarificationForm(SeenStatusForm):
    """The sections to reopen and the question."""

    sections = forms.MultipleChoiceField(
        label=_("Sections à rouvrir"),
        choices=[(section.key, section.label) for section in REOPENABLE_SECTIONS],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choisissez au moins une section à rouvrir.")},
        help_text=_("Seules ces sections pourront être modifiées par le porteur."),
    )
    question = forms.CharField(
        label=_("Question posée au porteur"),
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Écrivez la question posée au porteur.")},
    )
