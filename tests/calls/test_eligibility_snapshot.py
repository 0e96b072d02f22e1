"""The verdicts the applicant saw are frozen with the submitted dossier and read back by the
officer, whatever the rules became afterwards."""

import json

from django.utils import translation

from applications.models import Snapshot
from applications.services import snapshot_freeze
from calls.choices import RuleKind
from calls.eligibility import check_application, freeze, thaw
from tests import factories as f


def test_frozen_results_are_stored_with_the_snapshot_and_read_back_unchanged(dossier, alice):
    rule = f.EligibilityRuleFactory(
        call=dossier.call, kind=RuleKind.MIN_PARTNERS, parameters={"minimum": 3}
    )
    outcome = check_application(dossier)
    snapshot = snapshot_freeze(application=dossier, results=freeze(outcome), actor=alice)

    # The call's rule is relaxed after the submission: the frozen verdict stays.
    rule.parameters = {"minimum": 2}
    rule.save()
    stored = Snapshot.objects.get(pk=snapshot.pk).eligibility_results
    (result,) = thaw(stored)

    assert json.loads(json.dumps(stored)) == stored
    assert stored[0]["language"] == "fr"
    assert result.rule_id == rule.pk
    assert result.status == "fail"
    assert result.blocking is True
    assert result.figures == {"minimum": 3, "count": 2}
    assert result.message == "Au moins 3 organisations sont requises ; ce consortium en compte 2."
    assert check_application(dossier).results[0].status == "pass"


def test_the_call_page_states_a_rule_without_explanation_from_its_parameters(client, call):
    f.EligibilityRuleFactory(
        call=call, kind=RuleKind.MIN_COUNTRIES, parameters={"minimum": 3}, explanation=""
    )
    with translation.override("fr"):
        response = client.get(f"/appels/{call.reference}/")
    assert "Des organisations d&#x27;au moins 3 pays différents." in response.content.decode()


def test_the_frozen_version_carries_its_verdict_and_becomes_the_one_under_review(dossier, alice):
    f.EligibilityRuleFactory(
        call=dossier.call, kind=RuleKind.MIN_PARTNERS, parameters={"minimum": 3}
    )
    first = snapshot_freeze(
        application=dossier, results=freeze(check_application(dossier)), actor=alice
    )
    second = snapshot_freeze(application=dossier, results=[], actor=alice)

    dossier.refresh_from_db()
    assert (first.number, first.verdict) == (1, "fail")
    assert (second.number, second.verdict) == (2, "pass")
    assert dossier.current_snapshot == second
