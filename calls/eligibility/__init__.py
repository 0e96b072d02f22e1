"""The eligibility engine: every call's rules as data, checked on a dossier's facts.

- :mod:`.facts` loads what the rules read, once per dossier or once per batch, with a
  constant number of queries;
- :mod:`.kinds` is the registry of rule kinds: parameters (validated when an officer saves a
  rule), the section of the dossier a kind reads, and a pure function from facts to a
  verdict with its figures;
- :mod:`.engine` runs a call's rules on facts and returns results as data, which can be
  frozen with a submitted dossier and shown again in any language.
"""

from .engine import (
    Outcome,
    RuleResult,
    Status,
    check_application,
    check_applications,
    freeze,
    thaw,
)
from .kinds import REGISTRY, validate_parameters

__all__ = [
    "REGISTRY",
    "Outcome",
    "RuleResult",
    "Status",
    "check_application",
    "check_applications",
    "freeze",
    "thaw",
    "validate_parameters",
]
