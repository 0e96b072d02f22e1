"""The call facts the engine keeps between checks are never stale: whatever changes what
the rules read from a call makes the next check read the call again."""

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from calls.choices import CostModel, RuleKind
from calls.eligibility import check_application
from calls.models import CallLumpSum
from tests import factories as f


def queries(dossier) -> int:
    with CaptureQueriesContext(connection) as context:
        check_application(dossier)
    return len(context.captured_queries)


def test_a_second_check_of_the_same_call_reads_only_the_dossier(dossier):
    f.EligibilityRuleFactory(
        call=dossier.call, kind=RuleKind.MIN_PARTNERS, parameters={"minimum": 2}
    )
    cold = queries(dossier)
    warm = queries(dossier)
    assert warm == cold - 7


def test_a_changed_rule_is_read_again(dossier):
    rule = f.EligibilityRuleFactory(
        call=dossier.call, kind=RuleKind.MIN_PARTNERS, parameters={"minimum": 2}
    )
    assert check_application(dossier).results[0].status == "pass"
    rule.parameters = {"minimum": 3}
    rule.save()
    assert check_application(dossier).results[0].status == "fail"
    rule.delete()
    assert check_application(dossier).results == ()


def test_a_new_lump_sum_and_a_changed_list_are_read_again(dossier):
    call = dossier.call
    call.cost_model = CostModel.LUMP_SUM
    call.save()
    dossier.lump_sum = Decimal("60000.00")
    dossier.save()
    f.EligibilityRuleFactory(call=call, kind=RuleKind.LUMP_SUM_AMOUNT, parameters={})
    f.EligibilityRuleFactory(call=call, kind=RuleKind.MIN_PRIORITIES, parameters={"minimum": 1})
    priority = f.PriorityFactory(programme=call.programme)
    other = f.PriorityFactory(programme=call.programme)
    call.priorities.add(other)
    dossier.priorities.add(priority)
    assert [r.status for r in check_application(dossier).results] == ["fail", "fail"]

    CallLumpSum.objects.create(call=call, amount=Decimal("60000.00"))
    priority.calls.add(call)  # from the priority's side
    assert [r.status for r in check_application(dossier).results] == ["pass", "pass"]

    priority.calls.clear()
    assert [r.status for r in check_application(dossier).results] == ["pass", "fail"]


def test_a_renamed_document_type_is_said_with_its_new_name(dossier):
    document = f.DocumentTypeFactory(code="statuts", name="Statuts")
    dossier.call.required_document_types.add(document)
    f.EligibilityRuleFactory(call=dossier.call, kind=RuleKind.REQUIRED_ATTACHMENTS, parameters={})
    assert "Statuts" in check_application(dossier).results[0].message
    document.name = "Statuts à jour"
    document.save()
    assert "Statuts à jour" in check_application(dossier).results[0].message
