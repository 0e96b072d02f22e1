"""Runs a call's rules on dossiers' facts and returns the results as data."""

from __future__ import annotations

import datetime as dt
import gc
import json
from dataclasses import dataclass
from functools import lru_cache

from django.db import models
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, pgettext
from django.utils.translation import gettext as _

from applications.models import Application

from ..choices import RuleSeverity
from .facts import DossierFacts, RuleSpec, load_facts
from .kinds import FAIL, NOT_APPLICABLE, PASS, REGISTRY, parse_parameters


class Status(models.TextChoices):
    PASS = PASS, gettext_lazy("Conforme")
    FAIL = FAIL, gettext_lazy("Non conforme")
    WARNING = "warning", gettext_lazy("À vérifier")
    NOT_APPLICABLE = NOT_APPLICABLE, gettext_lazy("Sans objet")


_MISCONFIGURED = "__misconfigured__"


@dataclass(frozen=True, slots=True)
class RuleResult:
    """One rule's verdict on one dossier: ``status`` is pass, fail (a blocking rule not
    met), warning (a warning rule not met, or a rule the call set up wrongly) or not
    applicable; ``message`` says it with the ``figures`` in the current language.

    The sentence is written when it is read, not when the rule runs: screening thousands of
    dossiers decides every verdict but writes only the sentences someone looks at."""

    rule_id: int
    kind: str
    status: str
    blocking: bool
    section: str
    figures: dict
    explanation: str

    @property
    def message(self) -> str:
        if _MISCONFIGURED in self.figures:
            return _misconfigured_message(self.figures[_MISCONFIGURED])
        spec = REGISTRY[self.kind]
        # A warning is a rule not met whose call only warns: said as the failure it is.
        return spec.message(FAIL if self.status == Status.WARNING else self.status, self.figures)

    def as_data(self) -> dict:
        return {
            "rule_id": self.rule_id,
            "kind": self.kind,
            "status": self.status,
            "blocking": self.blocking,
            "section": self.section,
            "message": self.message,
            "figures": self.figures,
            "explanation": self.explanation,
        }

    @property
    def blocks_submission(self) -> bool:
        return self.status == Status.FAIL and self.blocking

    def get_status_display(self) -> str:
        return str(Status(self.status).label)


@dataclass(frozen=True)
class Outcome:
    """Every rule's verdict on one dossier, in the call's order of rules."""

    application_id: int
    reference: str
    results: tuple[RuleResult, ...]
    checked_at: dt.datetime

    @property
    def blocking_failures(self) -> list[RuleResult]:
        return [result for result in self.results if result.blocks_submission]

    @property
    def warnings(self) -> list[RuleResult]:
        return [result for result in self.results if result.status == Status.WARNING]

    @property
    def passed(self) -> list[RuleResult]:
        return [result for result in self.results if result.status == Status.PASS]

    @property
    def is_eligible(self) -> bool:
        """No blocking rule fails: the dossier may be submitted."""
        return not self.blocking_failures

    @property
    def verdict(self) -> str:
        if self.blocking_failures:
            return Status.FAIL
        if self.warnings:
            return Status.WARNING
        return Status.PASS


def _parse_rule(kind: str, raw) -> dict:
    """A rule's parameters for the batch; a rule saved wrongly (outside the admin's checks)
    is reported on every dossier instead of breaking the checklist. Parsing is pure, so
    the same parameters are parsed once per process."""
    return _parse_rule_cached(kind, json.dumps(raw, sort_keys=True))


@lru_cache(maxsize=1024)
def _parse_rule_cached(kind: str, raw_json: str) -> dict:
    try:
        return parse_parameters(kind, json.loads(raw_json), check_references=False)
    except Exception as error:  # any wrong data in a rule is reported as such
        messages = getattr(error, "messages", [str(error)])
        return {_MISCONFIGURED: [str(message) for message in messages]}


def _evaluate(rule: RuleSpec, facts: DossierFacts, at: dt.datetime) -> RuleResult:
    blocking = rule.severity == RuleSeverity.BLOCKING
    spec = REGISTRY.get(rule.kind)
    if spec is None or _MISCONFIGURED in rule.parameters:
        problems = rule.parameters.get(_MISCONFIGURED, [rule.kind])
        return RuleResult(
            rule_id=rule.id,
            kind=rule.kind,
            status=Status.WARNING,
            blocking=False,
            section="",
            figures={_MISCONFIGURED: problems},
            explanation=rule.explanation,
        )
    verdict = spec.evaluate(rule.parameters, facts, at)
    status = verdict.status
    if status == FAIL and not blocking:
        status = Status.WARNING
    return RuleResult(
        rule_id=rule.id,
        kind=rule.kind,
        status=status,
        blocking=blocking,
        section=spec.section,
        figures=verdict.figures,
        explanation=rule.explanation,
    )


def _misconfigured_message(problems) -> str:
    return _(
        "Cette règle de l'appel est mal paramétrée (%(problems)s) : le service instructeur "
        "la vérifiera."
    ) % {"problems": pgettext("list of groups", " ; ").join(problems)}


def check_facts(facts: DossierFacts, *, at: dt.datetime | None = None) -> Outcome:
    """Every active rule of the dossier's call on its facts: pure Python, no query."""
    at = at or timezone.now()
    return Outcome(
        application_id=facts.id,
        reference=facts.reference,
        results=tuple(_evaluate(rule, facts, at) for rule in facts.call.rules),
        checked_at=at,
    )


def check_applications(
    applications: QuerySet[Application], *, at: dt.datetime | None = None
) -> list[Outcome]:
    """The outcome of every application of the queryset, in its order, with a constant
    number of queries whatever their number. ``at`` is the server's clock by default (the
    submission window of a dossier already submitted is judged at its submission)."""
    at = at or timezone.now()
    # Thousands of small objects that hold no cycle: the cyclic collector would walk the
    # growing heap again and again for nothing.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return [
            check_facts(facts, at=at) for facts in load_facts(applications, rule_parser=_parse_rule)
        ]
    finally:
        if collecting:
            gc.enable()


def check_application(application: Application, *, at: dt.datetime | None = None) -> Outcome:
    """The checklist of one dossier."""
    return check_applications(Application.objects.filter(pk=application.pk), at=at)[0]


def freeze(outcome: Outcome) -> list[dict]:
    """The results as JSON, to be stored with the submitted dossier's snapshot: what the
    applicant saw (message in their language) and the figures to say it again."""
    language = get_language()
    return [{**result.as_data(), "language": language} for result in outcome.results]


def thaw(frozen: list[dict]) -> list[RuleResult]:
    """Frozen results said again in the current language from their figures, with the
    same verdicts."""
    return [
        RuleResult(
            rule_id=item["rule_id"],
            kind=item["kind"],
            status=item["status"],
            blocking=item["blocking"],
            section=item["section"],
            figures=item["figures"],
            explanation=item["explanation"],
        )
        for item in frozen
    ]
