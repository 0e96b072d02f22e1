"""The verdicts the applicant saw are frozen with the submitted dossier and read back by the
officer, whatever the rules became afterwards."""

import json

from django.utils import translation

from applications.models import Snapshot
from calls.choices import RuleKind
from calls.eligibility import check_application, freeze, thaw
from tests import factories as f


def test_frozen_results_are_stored_with_the_snapshot_and_read_back_unchanged(dossier, alice):
    rule = f.EligibilityRuleFactory(
        call=dossier.call, kind=RuleKind.MIN_PARTNERS, parameters={"minimum": 3}
    )
    outcome = check_application(dossier)
    snapshot = Snapshot.objects.create(
        application=dossier,
        number=1,
        data={"reference": dossier.reference},
        sha256="0" * 64,
        eligibility_results=freeze(outcome),
        created_by=alice,
    )

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
