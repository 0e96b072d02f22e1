"""Budget and co-financing in pages: the consortium's overview, each partner's lines edited
by that partner's members only, amounts typed in French, live totals after each autosave,
the lump-sum choice of lump-sum calls, a constant number of queries."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from applications.choices import CostCategory, FundingSource
from applications.forms import AmountField
from applications.models import Application, BudgetLine, Cofinancing, SectionVersion
from calls.choices import CostModel
from calls.models import CallLumpSum
from partners.choices import PartnerRole
from tests import factories as f

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
NBSP = "\u00a0"


def _url(name, application, *args):
    return reverse(f"applications:{name}", args=[application.reference, *args])


def _formset(prefix, rows, *, initial=0, version=0, **extra):
    """The POST of a formset page: the version, the management form and the rows."""
    data = {
        "version": str(version),
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for name, value in row.items():
            data[f"{prefix}-{index}-{name}"] = value
    data.update(extra)
    return data


def _line(**changes):
    row = {
        "cost_category": CostCategory.STAFF,
        "year": "2027",
        "work_package": "",
        "description": "Chargée de mission",
        "amount": "12 500,50",
    }
    row.update(changes)
    return row


def _resource(**changes):
    row = {"source": FundingSource.EU, "funder": "FSE+", "amount": "6 000", "is_secured": "on"}
    row.update(changes)
    return row


def _partners(dossier):
    return list(dossier.partners.order_by("number"))


def _money(text: str) -> str:
    """``"12 500,50 €"`` with the non-breaking spaces the pages print."""
    return text.replace(" ", NBSP)


def _lump_sum_call(dossier, *amounts):
    call = dossier.call
    type(call).objects.filter(pk=call.pk).update(cost_model=CostModel.LUMP_SUM)
    for amount in amounts:
        CallLumpSum.objects.create(call=call, amount=Decimal(amount))


def _colleague_of(org):
    colleague = f.UserFactory(first_name="Claire", last_name="Dupont")
    f.MembershipFactory(user=colleague, organisation=org)
    return colleague


# --- budget overview --------------------------------------------------------------------


def test_the_budget_page_shows_each_partners_totals_and_links_to_its_lines(client, bob, dossier):
    lead, partner = _partners(dossier)
    f.BudgetLineFactory(partner=lead, amount=Decimal("100000"))
    f.BudgetLineFactory(partner=partner, amount=Decimal("957913.76"))
    f.CofinancingFactory(partner=lead, source=FundingSource.EU, amount=Decimal("60000"))
    client.force_login(bob)
    response = client.get(_url("budget", dossier))
    assert response.status_code == 200
    html = response.content.decode()
    assert _url("partner_budget", dossier, 1) in html
    assert _url("partner_budget", dossier, 2) in html
    assert _money("957 913,76 €") in html
    assert _money("1 057 913,76 €") in html  # the total
    assert _money("60 %") in html  # the lead's EU rate
    assert "votre organisation" in html


def test_the_budget_page_of_a_real_cost_call_takes_no_post(client, alice, dossier):
    client.force_login(alice)
    assert client.post(_url("budget", dossier), {"version": "0"}).status_code == 405


def test_the_budget_page_flags_an_eu_share_above_the_calls_maximum(client, alice, dossier):
    lead, _partner = _partners(dossier)
    f.BudgetLineFactory(partner=lead, amount=Decimal("1000"))
    f.CofinancingFactory(partner=lead, source=FundingSource.EU, amount=Decimal("700"))
    client.force_login(alice)
    html = client.get(_url("budget", dossier)).content.decode()
    assert "dépasse le taux maximal de l" in html


# --- a partner's budget lines -----------------------------------------------------------


def test_the_lead_saves_its_budget_lines_with_amounts_typed_in_french(client, alice, dossier):
    lead, _partner = _partners(dossier)
    wp = f.WorkPackageFactory(application=dossier, number=1, title="Coordination")
    client.force_login(alice)
    page = client.get(_url("partner_budget", dossier, 1)).content.decode()
    assert "1. Coordination" in page  # work packages offered as choices
    assert "Années du projet : de 2027 à 2028." in page
    response = client.post(
        _url("partner_budget", dossier, 1),
        _formset(
            "lines",
            [_line(), _line(year="2028", work_package=str(wp.pk), amount="1000")],
            save="1",
        ),
    )
    assert response.status_code == 302
    lines = list(BudgetLine.objects.filter(partner=lead).order_by("year"))
    assert [line.amount for line in lines] == [Decimal("12500.50"), Decimal("1000.00")]
    assert lines[1].work_package == wp
    assert SectionVersion.objects.get(application=dossier, key=f"budget-{lead.pk}").version == 1
    page = client.get(_url("partner_budget", dossier, 1)).content.decode()
    assert f'value="12{NBSP}500,50"' in page
    assert "Total du partenaire : " + _money("13 500,50 €") in page


def test_an_htmx_autosave_sends_back_the_recomputed_totals(client, alice, dossier):
    lead, _partner = _partners(dossier)
    line = f.BudgetLineFactory(partner=lead, amount=Decimal("1000"))
    f.BudgetLineFactory(partner=lead, amount=Decimal("500"), year=2028)
    client.force_login(alice)
    response = client.post(
        _url("partner_budget", dossier, 1),
        _formset("lines", [{"id": str(line.pk), **_line(amount="2 000")}], initial=1),
        **HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Enregistré à" in html
    assert 'id="budget-totals"' in html and 'hx-swap-oob="true"' in html
    assert "Total du partenaire : " + _money("2 500,00 €") in html
    assert BudgetLine.objects.get(pk=line.pk).amount == Decimal("2000")


def test_a_negative_amount_is_refused_and_nothing_saved(client, alice, dossier):
    client.force_login(alice)
    response = client.post(
        _url("partner_budget", dossier, 1),
        _formset("lines", [_line(), _line(amount="-5")], save="1"),
    )
    assert response.status_code == 422
    assert "Le montant ne peut pas être négatif." in response.content.decode()
    assert not BudgetLine.objects.exists()
    assert not SectionVersion.objects.filter(application=dossier).exists()


def test_a_year_outside_the_project_is_refused(client, alice, dossier):
    client.force_login(alice)
    response = client.post(
        _url("partner_budget", dossier, 1), _formset("lines", [_line(year="2031")], save="1")
    )
    assert response.status_code == 422
    assert "2031 est hors du projet" in response.content.decode()
    assert not BudgetLine.objects.exists()


def test_a_work_package_of_another_dossier_is_refused(client, alice, dossier):
    foreign = f.WorkPackageFactory()
    client.force_login(alice)
    response = client.post(
        _url("partner_budget", dossier, 1),
        _formset("lines", [_line(work_package=str(foreign.pk))], save="1"),
    )
    assert response.status_code == 422
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert not BudgetLine.objects.exists()


def test_a_partner_edits_its_own_budget(client, bob, dossier):
    _lead, partner = _partners(dossier)
    client.force_login(bob)
    response = client.post(
        _url("partner_budget", dossier, 2), _formset("lines", [_line()], save="1")
    )
    assert response.status_code == 302
    assert BudgetLine.objects.get(partner=partner).amount == Decimal("12500.50")


def test_a_partner_reads_but_cannot_change_another_partners_budget(client, bob, dossier):
    lead, _partner = _partners(dossier)
    line = f.BudgetLineFactory(partner=lead, amount=Decimal("1000"))
    client.force_login(bob)
    page = client.get(_url("partner_budget", dossier, 1))
    assert page.status_code == 200
    assert "Organisation A : vous pouvez la lire" in page.content.decode()
    response = client.post(
        _url("partner_budget", dossier, 1),
        _formset("lines", [{"id": str(line.pk), **_line(amount="1")}, _line()], initial=1),
    )
    assert response.status_code == 403
    assert list(BudgetLine.objects.values_list("amount", flat=True)) == [Decimal("1000")]
    htmx = client.post(_url("partner_budget", dossier, 1), _formset("lines", [_line()]), **HTMX)
    assert htmx.status_code == 403
    assert BudgetLine.objects.count() == 1


def test_a_partner_number_that_does_not_exist_is_404(client, alice, dossier):
    client.force_login(alice)
    assert client.get(_url("partner_budget", dossier, 9)).status_code == 404
    assert client.get(_url("partner_cofinancing", dossier, 9)).status_code == 404


def test_nobody_edits_a_budget_of_a_submitted_dossier(client, alice, bob, dossier):
    Application.objects.filter(pk=dossier.pk).update(status="submitted")
    for user, number in ((alice, 1), (bob, 2)):
        client.force_login(user)
        assert (
            "ne se modifie plus"
            in client.get(_url("partner_budget", dossier, number)).content.decode()
        )
        response = client.post(
            _url("partner_budget", dossier, number), _formset("lines", [_line()], save="1")
        )
        assert response.status_code == 403
    assert not BudgetLine.objects.exists()


def test_two_saves_of_a_budget_from_the_same_version_conflict_and_the_first_is_kept(
    client, alice, dossier, org_a
):
    colleague = _colleague_of(org_a)
    client.force_login(alice)
    first = client.post(
        _url("partner_budget", dossier, 1), _formset("lines", [_line(amount="100")], save="1")
    )
    assert first.status_code == 302
    client.force_login(colleague)
    second = client.post(
        _url("partner_budget", dossier, 1), _formset("lines", [_line(amount="200")], save="1")
    )
    assert second.status_code == 409
    assert "Alice Martin" in second.content.decode()
    assert list(BudgetLine.objects.values_list("amount", flat=True)) == [Decimal("100")]


def test_an_unrelated_member_gets_404_on_every_finance_page(client, charlie, dossier):
    lead, _partner = _partners(dossier)
    f.BudgetLineFactory(partner=lead)
    client.force_login(charlie)
    for url, prefix in (
        (_url("budget", dossier), "lines"),
        (_url("partner_budget", dossier, 1), "lines"),
        (_url("partner_budget", dossier, 2), "lines"),
        (_url("cofinancing", dossier), "resources"),
        (_url("partner_cofinancing", dossier, 1), "resources"),
    ):
        assert client.get(url).status_code == 404
        assert client.post(url, _formset(prefix, [_line()], save="1")).status_code == 404
    assert BudgetLine.objects.count() == 1
    assert not Cofinancing.objects.exists()


# --- lump-sum calls ---------------------------------------------------------------------


def test_the_lead_chooses_the_lump_sum_among_the_calls_amounts(client, alice, dossier):
    _lump_sum_call(dossier, "120000", "250000", "400000")
    client.force_login(alice)
    page = client.get(_url("budget", dossier)).content.decode()
    assert _money("120 000 €") in page and _money("400 000 €") in page
    assert 'type="radio"' in page
    response = client.post(
        _url("budget", dossier), {"version": "0", "lump_sum": "250000.00", "save": "1"}
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.lump_sum == Decimal("250000")
    assert SectionVersion.objects.get(application=dossier, key="budget").version == 1
    assert "checked" in client.get(_url("budget", dossier)).content.decode()


def test_a_lump_sum_the_call_does_not_offer_is_refused(client, alice, dossier):
    _lump_sum_call(dossier, "120000")
    client.force_login(alice)
    response = client.post(
        _url("budget", dossier), {"version": "0", "lump_sum": "999999.00", "save": "1"}
    )
    assert response.status_code == 422
    assert "n&#x27;est pas l&#x27;un des montants forfaitaires" in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.lump_sum is None


def test_only_the_leads_members_choose_the_lump_sum_and_only_on_a_draft(
    client, alice, bob, dossier
):
    _lump_sum_call(dossier, "120000")
    client.force_login(bob)
    data = {"version": "0", "lump_sum": "120000.00", "save": "1"}
    assert client.post(_url("budget", dossier), data).status_code == 403
    Application.objects.filter(pk=dossier.pk).update(status="submitted")
    client.force_login(alice)
    assert client.post(_url("budget", dossier), data).status_code == 403
    dossier.refresh_from_db()
    assert dossier.lump_sum is None


def test_a_lump_sum_call_has_no_partner_budget_pages(client, alice, dossier):
    _lump_sum_call(dossier, "120000")
    client.force_login(alice)
    assert "ne le répartit pas entre les partenaires" in client.get(
        _url("budget", dossier)
    ).content.decode().replace("&#x27;", "'")
    assert client.get(_url("partner_budget", dossier, 1)).status_code == 404


# --- co-financing -----------------------------------------------------------------------


def test_the_cofinancing_page_shows_resources_per_source_and_flags_the_eu_rate(
    client, alice, dossier
):
    lead, partner = _partners(dossier)
    f.BudgetLineFactory(partner=lead, amount=Decimal("10000"))
    f.BudgetLineFactory(partner=partner, amount=Decimal("10000"))
    f.CofinancingFactory(partner=lead, source=FundingSource.EU, amount=Decimal("8000"))
    f.CofinancingFactory(partner=lead, source=FundingSource.OWN_FUNDS, amount=Decimal("2000"))
    f.CofinancingFactory(partner=partner, source=FundingSource.EU, amount=Decimal("6000"))
    f.CofinancingFactory(
        partner=partner, source=FundingSource.REGIONAL_PUBLIC, amount=Decimal("1500.25")
    )
    client.force_login(alice)
    response = client.get(_url("cofinancing", dossier))
    assert response.status_code == 200
    html = response.content.decode().replace("&#x27;", "'")
    assert _url("partner_cofinancing", dossier, 2) in html
    assert _money("14 000,00 €") in html  # EU in total
    assert _money("1 500,25 €") in html  # regional, partner 2
    assert _money("70 %") in html  # 14 000 of 20 000
    assert "Taux de cofinancement de l'UE trop élevé" in html
    assert "au-dessus du maximum de l'appel (" + _money("60 %)") in html
    assert "déséquilibré : il manque des ressources" in html
    assert _money("-2 499,75 €") in html  # 17 500,25 - 20 000


def test_a_balanced_plan_within_the_rate_is_said_so(client, alice, dossier):
    lead, partner = _partners(dossier)
    for p in (lead, partner):
        f.BudgetLineFactory(partner=p, amount=Decimal("1000"))
        f.CofinancingFactory(partner=p, source=FundingSource.EU, amount=Decimal("600"))
        f.CofinancingFactory(partner=p, source=FundingSource.PRIVATE, amount=Decimal("400"))
    client.force_login(alice)
    html = client.get(_url("cofinancing", dossier)).content.decode().replace("&#x27;", "'")
    assert "Plan de financement équilibré" in html
    assert "Taux de cofinancement de l'UE : " + _money("60 %") + " du" in html


def test_a_partner_saves_its_financing_plan_and_sees_its_totals(client, bob, dossier):
    _lead, partner = _partners(dossier)
    f.BudgetLineFactory(partner=partner, amount=Decimal("20000"))
    client.force_login(bob)
    response = client.post(
        _url("partner_cofinancing", dossier, 2),
        _formset(
            "resources",
            [_resource(amount="12 500,50"), _resource(source=FundingSource.OWN_FUNDS, amount="1")],
            save="1",
        ),
    )
    assert response.status_code == 302
    amounts = sorted(Cofinancing.objects.filter(partner=partner).values_list("amount", flat=True))
    assert amounts == [Decimal("1.00"), Decimal("12500.50")]
    assert (
        SectionVersion.objects.get(application=dossier, key=f"cofinancing-{partner.pk}").version
        == 1
    )
    html = client.get(_url("partner_cofinancing", dossier, 2)).content.decode()
    assert _money("12 501,50 €") in html  # resources
    assert _money("-7 498,50 €") in html  # difference
    assert _money("62,5 %") in html  # EU rate
    assert "au-dessus du maximum" in html


def test_an_htmx_autosave_of_the_plan_sends_back_the_totals(client, bob, dossier):
    _lead, partner = _partners(dossier)
    f.BudgetLineFactory(partner=partner, amount=Decimal("1000"))
    client.force_login(bob)
    response = client.post(
        _url("partner_cofinancing", dossier, 2),
        _formset("resources", [_resource(amount="1000")]),
        **HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="cofinancing-totals"' in html and 'hx-swap-oob="true"' in html
    assert "équilibré" in html
    assert _money("100 %") in html


def test_a_negative_resource_is_refused(client, alice, dossier):
    client.force_login(alice)
    response = client.post(
        _url("partner_cofinancing", dossier, 1),
        _formset("resources", [_resource(amount="-1 000")], save="1"),
    )
    assert response.status_code == 422
    assert "Le montant ne peut pas être négatif." in response.content.decode()
    assert not Cofinancing.objects.exists()


def test_an_unknown_source_is_refused(client, alice, dossier):
    client.force_login(alice)
    response = client.post(
        _url("partner_cofinancing", dossier, 1),
        _formset("resources", [_resource(source="lottery")], save="1"),
    )
    assert response.status_code == 422
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert not Cofinancing.objects.exists()


def test_a_partner_cannot_change_another_partners_plan(client, bob, dossier):
    client.force_login(bob)
    assert client.get(_url("partner_cofinancing", dossier, 1)).status_code == 200
    response = client.post(
        _url("partner_cofinancing", dossier, 1), _formset("resources", [_resource()], save="1")
    )
    assert response.status_code == 403
    assert not Cofinancing.objects.exists()


def test_nobody_edits_a_plan_of_a_submitted_dossier(client, bob, dossier):
    Application.objects.filter(pk=dossier.pk).update(status="submitted")
    client.force_login(bob)
    response = client.post(
        _url("partner_cofinancing", dossier, 2), _formset("resources", [_resource()], save="1")
    )
    assert response.status_code == 403
    assert not Cofinancing.objects.exists()


def test_two_saves_of_a_plan_from_the_same_version_conflict(client, bob, dossier, org_b):
    colleague = _colleague_of(org_b)
    client.force_login(bob)
    client.post(
        _url("partner_cofinancing", dossier, 2),
        _formset("resources", [_resource(funder="Bob")], save="1"),
    )
    client.force_login(colleague)
    response = client.post(
        _url("partner_cofinancing", dossier, 2),
        _formset("resources", [_resource(funder="Claire")], save="1"),
    )
    assert response.status_code == 409
    assert "Bob Peeters" in response.content.decode()
    assert list(Cofinancing.objects.values_list("funder", flat=True)) == ["Bob"]


# --- query counts -----------------------------------------------------------------------

# Every dossier page: the session and the user (2); the dossier with its call, its partners
# with their organisations (2); the eligibility checklist with the call's facts cached (5);
# the menu's marks (2: the counts, the call's required documents). A section page with a
# form reads its version too (1). (The session is written again once a minute, not here.)
LAYOUT_QUERIES = 11


def _grow(dossier, n_partners: int, n_lines: int) -> None:
    """Bring ``dossier`` to ``n_partners`` partners, each with ``n_lines`` budget lines and
    resources, and ``n_lines`` work packages."""
    existing = dossier.partners.count()
    for number in range(existing + 1, n_partners + 1):
        f.PartnerFactory(application=dossier, role=PartnerRole.PARTNER, number=number)
    for number in range(1, n_lines + 1):
        f.WorkPackageFactory(application=dossier, number=number)
    for partner in dossier.partners.all():
        for index in range(n_lines):
            f.BudgetLineFactory(partner=partner, year=2027 + index % 2)
            f.CofinancingFactory(partner=partner, source=FundingSource.values[index % 5])


@pytest.mark.parametrize(
    ("name", "args", "own_queries"),
    [
        ("budget", (), 2),  # version; the budget overview
        ("partner_budget", (1,), 4),  # version; work packages; lines; totals
        ("cofinancing", (), 2),  # the budget overview; the resources per partner and source
        ("partner_cofinancing", (1,), 3),  # version; resources; the budget overview
    ],
)
def test_finance_pages_cost_the_same_queries_for_2_and_for_20_partners_and_lines(
    client, alice, dossier, call, org_a, name, args, own_queries, django_assert_num_queries
):
    _grow(dossier, 2, 2)
    large = f.lead_application(call=call, organisation=org_a, created_by=alice)
    _grow(large, 20, 20)
    client.force_login(alice)
    assert client.get(_url("overview", dossier)).status_code == 200  # the call's facts cached
    for application in (dossier, large):
        with django_assert_num_queries(LAYOUT_QUERIES + own_queries):
            assert client.get(_url(name, application, *args)).status_code == 200


def test_the_lump_sum_page_costs_the_same_queries_for_2_and_for_20_partners(
    client, alice, dossier, call, org_a, django_assert_num_queries
):
    _lump_sum_call(dossier, "120000", "250000")
    _grow(dossier, 2, 2)
    large = f.lead_application(call=call, organisation=org_a, created_by=alice)
    _grow(large, 20, 20)
    client.force_login(alice)
    assert client.get(_url("overview", dossier)).status_code == 200
    for application in (dossier, large):
        # the layout; the version; the call's lump sums
        with django_assert_num_queries(LAYOUT_QUERIES + 2):
            assert client.get(_url("budget", application)).status_code == 200


# --- amounts as people type them --------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "typed", "saved"),
    [
        ("fr", "12 500,50", Decimal("12500.50")),
        ("fr", "12\u00a0500,50 €", Decimal("12500.50")),
        ("fr", "12\u202f500", Decimal("12500")),
        ("fr", "12.5", Decimal("12.5")),
        ("nl", "12.500,50", Decimal("12500.50")),
        ("en", "12,500.50", Decimal("12500.50")),
        ("en", "12,500", Decimal("12500")),
    ],
)
def test_amounts_are_read_as_typed_in_the_visitors_language(language, typed, saved):
    with translation.override(language):
        assert AmountField().clean(typed) == saved


def test_an_amount_that_is_not_a_number_is_refused_with_an_example():
    with pytest.raises(ValidationError) as refused:
        AmountField().clean("douze mille")
    assert refused.value.messages == ["Saisissez un montant, par exemple 12 500,50."]
