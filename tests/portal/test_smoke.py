from tests import factories as f


def test_the_lead_partner_of_a_dossier_is_found(dossier, org_a):
    assert dossier.lead_partner.organisation == org_a


def test_a_sequence_of_references_never_repeats(call):
    from applications.services import application_next_reference

    first = application_next_reference(call=call)
    second = application_next_reference(call=call)
    assert first == f"{call.application_prefix}-0001"
    assert second == f"{call.application_prefix}-0002"


def test_factories_build_a_report(db):
    report = f.ProgressReportFactory()
    assert report.application.reference.startswith("DOS-")
