"""Copying a dossier as a new draft, into the same call or another open one: everything the
applicant wrote comes along on new rows with their links mapped; attachments and signatures
do not."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from applications.choices import ApplicationStatus, CostCategory, FundingSource
from applications.models import (
    Activity,
    Application,
    Attachment,
    BudgetLine,
    Cofinancing,
    Deliverable,
    Indicator,
    WorkPackage,
)
from applications.services import ServiceRefused, application_copy
from calls.eligibility.facts import clear_call_cache
from partners.choices import PartnerRole
from partners.models import Partner
from tests import factories as f
from tests.pages.test_public_pages import parse

pytestmark = pytest.mark.django_db


def _url(name, application):
    return reverse(f"applications:{name}", args=[application.reference])


@pytest.fixture
def full(dossier, call, alice):
    """Alice's dossier filled in everywhere: measure, priorities, target groups, lump sum
    left empty (real costs), two work packages with activities and deliverables, budget
    lines on both partners tied to the packages, co-financing, indicators, an attachment
    and a signed commitment."""
    measure = f.MeasureFactory(axis=f.AxisFactory(programme=call.programme))
    call.measures.add(measure)
    priorities = [f.PriorityFactory(programme=call.programme) for _ in range(2)]
    groups = [f.TargetGroupFactory(programme=call.programme) for _ in range(2)]
    call.priorities.add(*priorities)
    call.target_groups.add(*groups)
    Application.objects.filter(pk=dossier.pk).update(
        measure=measure,
        summary="Accompagner vers l'emploi.",
        context="Un territoire en reconversion.",
        objectives="200 personnes accompagnées.",
        cross_border_added_value="Des deux côtés de la frontière.",
    )
    dossier.refresh_from_db()
    dossier.priorities.add(*priorities)
    dossier.target_groups.add(*groups)
    lead, partner = dossier.partners.order_by("number")
    lead.contact_name = "Alice Martin"
    lead.contact_email = "projets@a.example.org"
    lead.contact_phone = "03 20 00 00 00"
    lead.commitment_signed_at = timezone.now()
    lead.commitment_signed_by = alice
    lead.save()
    partner.contact_name = "Bob Peeters"
    partner.contact_email = "bob@b.example.org"
    partner.save()
    for number, leader in ((1, lead), (2, partner)):
        package = f.WorkPackageFactory(
            application=dossier, number=number, lead_partner=leader, title=f"Module {number}"
        )
        Activity.objects.create(work_package=package, title=f"Activité {number}", end_month=6)
        Deliverable.objects.create(work_package=package, title=f"Livrable {number}", due_month=6)
        f.BudgetLineFactory(
            partner=leader,
            work_package=package,
            cost_category=CostCategory.TRAVEL,
            amount=Decimal("1234.56"),
        )
        f.CofinancingFactory(partner=leader, source=FundingSource.EU, amount=Decimal("700.00"))
    f.IndicatorFactory(application=dossier, code="CO01")
    f.AttachmentFactory(application=dossier, uploaded_by=alice)
    return dossier


def _post_copy(client, application, call):
    return client.post(_url("copy", application), {"call": call.reference})


def test_the_copy_page_proposes_the_open_calls_and_says_what_is_not_copied(
    client, alice, full, call
):
    closed = f.CallFactory(
        opens_at=timezone.now() - dt.timedelta(days=40),
        closes_at=timezone.now() - dt.timedelta(days=1),
    )
    client.force_login(alice)

    response = client.get(_url("copy", full))

    assert response.status_code == 200
    html = response.content.decode()
    assert f'<option value="{call.reference}" selected>' in html
    assert closed.reference not in html
    assert "les pièces jointes" in html
    assert not parse(response).unlabelled_controls()


def test_a_copy_into_the_same_call_copies_everything_on_new_rows(
    client, alice, full, call, org_a, org_b
):
    client.force_login(alice)

    response = _post_copy(client, full, call)

    copy = Application.objects.exclude(pk=full.pk).get()
    assert response.status_code == 302
    assert response["Location"] == _url("identification", copy)
    assert copy.reference == f"{call.application_prefix}-0001"
    assert copy.reference != full.reference
    assert copy.status == ApplicationStatus.DRAFT
    assert copy.title == f"Copie de {full.title}"
    for field in (
        "acronym",
        "summary",
        "context",
        "objectives",
        "cross_border_added_value",
        "start_date",
        "end_date",
        "measure_id",
    ):
        assert getattr(copy, field) == getattr(full, field), field
    assert set(copy.priorities.all()) == set(full.priorities.all())
    assert set(copy.target_groups.all()) == set(full.target_groups.all())

    partners = list(copy.partners.order_by("number"))
    assert [(p.organisation, p.role, p.number) for p in partners] == [
        (org_a, PartnerRole.LEAD, 1),
        (org_b, PartnerRole.PARTNER, 2),
    ]
    assert (partners[0].contact_email, partners[0].contact_phone) == (
        "projets@a.example.org",
        "03 20 00 00 00",
    )
    assert partners[1].contact_name == "Bob Peeters"
    assert all(p.commitment_signed_at is None and p.commitment_signed_by is None for p in partners)
    original_partner_ids = set(full.partners.values_list("pk", flat=True))
    assert not original_partner_ids & {p.pk for p in partners}

    packages = list(copy.work_packages.order_by("number"))
    assert [(w.number, w.title, w.lead_partner) for w in packages] == [
        (1, "Module 1", partners[0]),
        (2, "Module 2", partners[1]),
    ]
    assert not set(full.work_packages.values_list("pk", flat=True)) & {w.pk for w in packages}
    assert list(
        Activity.objects.filter(work_package__application=copy).values_list(
            "work_package__number", "title"
        )
    ) == [(1, "Activité 1"), (2, "Activité 2")]
    assert Deliverable.objects.filter(work_package__application=copy).count() == 2

    lines = list(BudgetLine.objects.filter(partner__application=copy).order_by("partner__number"))
    assert [(line.partner, line.work_package, line.amount) for line in lines] == [
        (partners[0], packages[0], Decimal("1234.56")),
        (partners[1], packages[1], Decimal("1234.56")),
    ]
    assert sorted(
        Cofinancing.objects.filter(partner__application=copy).values_list(
            "partner__number", "amount"
        )
    ) == [(1, Decimal("700.00")), (2, Decimal("700.00"))]
    assert list(copy.indicators.values_list("code", flat=True)) == ["CO01"]
    # attachments stay with their dossier; the original is untouched
    assert not Attachment.objects.filter(application=copy).exists()
    assert Attachment.objects.filter(application=full).count() == 1
    assert BudgetLine.objects.filter(partner__application=full).count() == 2
    assert Indicator.objects.count() == 2
    page = client.get(response["Location"]).content.decode()
    assert "Les pièces jointes et les engagements signés des partenaires ne sont pas repris" in page


def test_a_copy_into_another_call_keeps_only_what_that_call_offers(client, alice, full, call):
    other = f.CallFactory(programme=call.programme, authority=call.authority)
    kept = full.priorities.first()
    other.priorities.add(kept)
    client.force_login(alice)

    response = _post_copy(client, full, other)

    assert response.status_code == 302
    copy = Application.objects.get(call=other)
    assert copy.reference.startswith(other.application_prefix)
    assert list(copy.priorities.all()) == [kept]
    assert not copy.target_groups.exists()
    assert copy.measure is None
    assert copy.work_packages.count() == 2


def test_a_withdrawn_dossier_can_be_copied(client, alice, full, call):
    Application.objects.filter(pk=full.pk).update(status=ApplicationStatus.WITHDRAWN)
    client.force_login(alice)
    assert _post_copy(client, full, call).status_code == 302
    assert Application.objects.filter(status=ApplicationStatus.DRAFT).count() == 1


def test_a_closed_call_cannot_be_chosen(client, alice, full):
    closed = f.CallFactory(
        opens_at=timezone.now() - dt.timedelta(days=40),
        closes_at=timezone.now() - dt.timedelta(days=1),
    )
    client.force_login(alice)

    response = _post_copy(client, full, closed)

    assert response.status_code == 422
    assert "Cet appel n&#x27;est pas ouvert" in response.content.decode()
    assert Application.objects.count() == 1


def test_the_service_refuses_a_closed_call_and_writes_nothing(alice, full):
    closed = f.CallFactory(
        opens_at=timezone.now() - dt.timedelta(days=40),
        closes_at=timezone.now() - dt.timedelta(days=1),
    )
    with pytest.raises(ServiceRefused) as refused:
        application_copy(application=full, call=closed, actor=alice)
    assert "a été clos le" in refused.value.message
    assert Application.objects.count() == 1
    assert WorkPackage.objects.count() == 2


def test_the_partner_may_not_copy(client, bob, full, call):
    client.force_login(bob)
    html = client.get(_url("copy", full)).content.decode()
    assert 'name="call"' not in html
    assert _post_copy(client, full, call).status_code == 403
    assert Application.objects.count() == 1


def test_charlie_gets_404(client, charlie, full, call):
    client.force_login(charlie)
    assert client.get(_url("copy", full)).status_code == 404
    assert _post_copy(client, full, call).status_code == 404
    assert Application.objects.count() == 1


def _grow(application, n: int) -> None:
    """Up to ``n`` partners, each with a work package, an activity, a deliverable, a budget
    line and a co-financing line."""
    for number in range(application.partners.count() + 1, n + 1):
        partner = f.PartnerFactory(application=application, number=number)
        package = f.WorkPackageFactory(application=application, number=number, lead_partner=partner)
        Activity.objects.create(work_package=package, title="Activité")
        Deliverable.objects.create(work_package=package, title="Livrable")
        f.BudgetLineFactory(partner=partner, work_package=package)
        f.CofinancingFactory(partner=partner)
        f.IndicatorFactory(application=application)


def test_a_copy_runs_the_same_queries_for_2_and_for_20_partners(alice, full, call):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            application_copy(application=full, call=call, actor=alice)
        return len(queries)

    with_two = count()
    _grow(full, 20)
    assert count() == with_two
    # application_create (membership, reference, dossier, lead: with their savepoints),
    # then one read and one bulk insert per kind of row, whatever their number
    assert with_two == 33
    copy = Application.objects.filter(call=call).order_by("-pk").first()
    assert copy.partners.count() == 20
    assert BudgetLine.objects.filter(partner__application=copy).count() == 20


def test_the_copy_page_runs_the_same_queries_for_2_and_for_20_partners(client, alice, full):
    client.force_login(alice)

    def count() -> int:
        clear_call_cache()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(_url("copy", full)).status_code == 200
        return len(queries)

    with_two = count()
    _grow(full, 20)
    assert count() == with_two
    # session, user; dossier and partners (2); menu counts; the checklist (12, cold);
    # open calls (whether any; the first choice, for the required attribute; the choices:
    # 3)
    assert with_two == 21
    assert Partner.objects.filter(application=full).count() == 20


def test_a_copy_keeps_the_numbers_when_the_lead_is_not_partner_number_1(alice, full, call):
    lead, partner = full.partners.order_by("number")
    Partner.objects.filter(pk=lead.pk).update(number=9)
    Partner.objects.filter(pk=partner.pk).update(number=1)
    Partner.objects.filter(pk=lead.pk).update(number=2)

    copy = application_copy(application=full, call=call, actor=alice)

    assert list(copy.partners.order_by("number").values_list("number", "role")) == [
        (1, PartnerRole.PARTNER),
        (2, PartnerRole.LEAD),
    ]
    assert list(
        copy.work_packages.order_by("number").values_list("number", "lead_partner__number")
    ) == [(1, 2), (2, 1)]
