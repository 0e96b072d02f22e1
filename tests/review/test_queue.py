"""The officers' queue: every dossier of their authority's calls (never a draft, never
another authority's, not even in a count), its filters, search, sorts, pages and counts
per status, the bulk assignment of assessors and the CSV export; its queries pinned, the
same for 10 and for 500 dossiers."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from applications.choices import ApplicationStatus, AssessmentStatus, FundingSource
from applications.models import (
    Application,
    Assessment,
    BudgetLine,
    Cofinancing,
    Snapshot,
    StatusChange,
)
from applications.services import application_submit, snapshot_freeze
from calls.choices import AuthorityRole, CostModel
from partners.choices import PartnerRole
from partners.models import Organisation, Partner
from portal.models import User
from review.assignment import assessments_assign
from tests import factories as f

S = ApplicationStatus
QUEUE = reverse("review:queue")
EXPORT = reverse("review:queue_export")
BULK = reverse("review:bulk_assign")

PASS = [{"rule_id": 1, "kind": "min_partners", "status": "pass", "blocking": True}]
WARNING = [
    {"rule_id": 1, "kind": "min_partners", "status": "pass", "blocking": True},
    {"rule_id": 2, "kind": "min_own_contribution", "status": "warning", "blocking": False},
]
FAIL = [
    {"rule_id": 1, "kind": "min_partners", "status": "fail", "blocking": True},
    {"rule_id": 2, "kind": "min_own_contribution", "status": "warning", "blocking": False},
]


def applicant():
    """The author of the dossiers these tests make (no password: hashing one is slow)."""
    return User.objects.get_or_create(email="applicant@queue.example.org")[0]


def make_dossier(
    call,
    *,
    status=S.SUBMITTED,
    lead=None,
    partners=(),
    budget=None,
    eu=None,
    results=PASS,
    submitted_at=None,
    **fields,
) -> Application:
    """A dossier of ``call`` in ``status`` with its lead (and partners), a budget line and
    an EU co-financing line on the lead, and a snapshot with frozen ``results``."""
    submitted = None if status == S.DRAFT else (submitted_at or timezone.now())
    application = f.ApplicationFactory(
        call=call, status=status, submitted_at=submitted, created_by=applicant(), **fields
    )
    lead_partner = f.PartnerFactory(
        application=application,
        organisation=lead or f.OrganisationFactory(),
        role=PartnerRole.LEAD,
        number=1,
    )
    for number, organisation in enumerate(partners, start=2):
        f.PartnerFactory(application=application, organisation=organisation, number=number)
    if budget is not None:
        f.BudgetLineFactory(partner=lead_partner, amount=Decimal(budget))
    if eu is not None:
        f.CofinancingFactory(partner=lead_partner, source=FundingSource.EU, amount=Decimal(eu))
    if submitted and results is not None:
        snapshot_freeze(application=application, results=results, actor=application.created_by)
    return application


def references(response) -> list[str]:
    return [row.reference for row in response.context["rows"]]


def get_queue(client, user, **params):
    client.force_login(user)
    response = client.get(QUEUE, params)
    assert response.status_code == 200
    return response


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def other_call(other_authority):
    programme = f.ProgrammeFactory(managing_authority=other_authority)
    return f.CallFactory(programme=programme, authority=other_authority)


@pytest.fixture
def ada_pool(ada, authority):
    """Ada, and Alan: both assessors of Olivia's authority."""
    alan = f.UserFactory(email="alan@experts.example.org", first_name="Alan", last_name="Turing")
    f.AuthorityMemberFactory(user=alan, authority=authority, role=AuthorityRole.ASSESSOR)
    return [ada, alan]


@pytest.fixture
def outsider(other_authority):
    """An assessor of the other authority only."""
    user = f.UserFactory(email="otto@other.example.org", first_name="Otto", last_name="Lenz")
    f.AuthorityMemberFactory(user=user, authority=other_authority, role=AuthorityRole.ASSESSOR)
    return user


# --- the page --------------------------------------------------------------------------


def test_the_queue_shows_every_column_of_a_submitted_dossier(client, olivia, ada, dossier, alice):
    lead = dossier.partners.get(role=PartnerRole.LEAD)
    f.BudgetLineFactory(partner=lead, amount=Decimal("12345.60"))
    f.BudgetLineFactory(partner=dossier.partners.get(number=2), amount=Decimal("1000.00"))
    f.CofinancingFactory(partner=lead, source=FundingSource.EU, amount=Decimal("7000.00"))
    f.CofinancingFactory(partner=lead, source=FundingSource.OWN_FUNDS, amount=Decimal("99.00"))
    application_submit(application=dossier, actor=alice)
    Assessment.objects.create(application=dossier, assessor=ada, assigned_by=olivia)

    response = get_queue(client, olivia)

    html = response.content.decode()
    (row,) = response.context["rows"]
    assert row.budget == Decimal("13345.60") and isinstance(row.budget, Decimal)
    assert row.eu_amount == Decimal("7000.00")
    assert row.frozen_verdict == "pass"
    assert f'href="{reverse("review:dossier", args=[dossier.reference])}"' in html
    for text in (
        dossier.acronym,
        dossier.title,
        dossier.call.reference,
        "Organisation A",
        "France",
        "Association (loi 1901)",
        "Déposé",
        "13\u00a0345,60\u00a0€",
        "7\u00a0000,00\u00a0€",
        "Conforme",
        "Ada",
    ):
        assert text in html, text
    assert "<h1>Instruction des dossiers</h1>" in html
    assert '<th scope="row">' in html and "<caption>" in html


def test_a_lump_sum_dossier_shows_its_lump_sum_as_budget_and_eu_request(client, olivia, call):
    call.cost_model = CostModel.LUMP_SUM
    call.save()
    make_dossier(call, lump_sum=Decimal("250000.00"), budget="10.00", eu="5.00")

    (row,) = get_queue(client, olivia).context["rows"]

    assert (row.budget, row.eu_amount) == (Decimal("250000.00"), Decimal("250000.00"))


def test_the_queue_shows_the_version_under_review_not_an_answer_being_written(client, olivia, call):
    call.cost_model = CostModel.REAL_COSTS
    call.save()
    dossier = make_dossier(call, budget="500.00", eu="300.00", results=FAIL)
    lead = dossier.partners.get(role=PartnerRole.LEAD)
    # The applicant edits a reopened budget: the queue still shows what was submitted.
    f.BudgetLineFactory(partner=lead, amount=Decimal("1000.00"))
    Cofinancing.objects.filter(partner=lead).update(amount=Decimal("900.00"))

    (row,) = get_queue(client, olivia).context["rows"]
    assert (row.budget, row.eu_amount, row.frozen_verdict) == (
        Decimal("500.00"),
        Decimal("300.00"),
        "fail",
    )
    assert references(get_queue(client, olivia, verdict="fail")) == [dossier.reference]

    # Submitted again: the new version is the one the queue shows, filters and sorts on.
    snapshot_freeze(application=dossier, results=PASS, actor=dossier.created_by)
    (row,) = get_queue(client, olivia).context["rows"]
    assert (row.budget, row.eu_amount, row.frozen_verdict) == (
        Decimal("1500.00"),
        Decimal("900.00"),
        "pass",
    )
    assert references(get_queue(client, olivia, verdict="fail")) == []


def test_drafts_and_other_authorities_dossiers_are_not_in_the_queue(
    client, olivia, call, other_call
):
    mine = make_dossier(call, reference="MINE-1")
    make_dossier(call, status=S.DRAFT, reference="DRAFT-1")
    make_dossier(other_call, reference="OTHER-1")

    response = get_queue(client, olivia)

    assert references(response) == [mine.reference]
    assert response.context["all_count"] == 1
    assert "OTHER-1" not in response.content.decode()


def test_oscar_sees_none_of_olivias_dossiers_nor_their_counts(client, oscar, call, other_call):
    for i in range(3):
        make_dossier(call, reference=f"OLIVIA-{i}")
    make_dossier(other_call, status=S.ADMISSIBLE, reference="OSCAR-1")

    response = get_queue(client, oscar)

    assert references(response) == ["OSCAR-1"]
    assert response.context["all_count"] == 1
    assert [(link["value"], link["count"]) for link in response.context["status_links"]] == [
        ("admissible", 1)
    ]
    assert "OLIVIA" not in response.content.decode()


def test_an_officer_of_no_authority_call_sees_an_empty_queue(client, oscar, call):
    make_dossier(call)

    response = get_queue(client, oscar)

    assert references(response) == []
    assert "Aucun dossier ne correspond à ces critères." in response.content.decode()


# --- permissions -------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["alice", "bob", "charlie", "ada"])
@pytest.mark.parametrize("method,url", [("get", QUEUE), ("get", EXPORT), ("post", BULK)])
def test_the_queue_does_not_exist_for_anyone_but_an_officer(
    client, request, persona, method, url, dossier
):
    client.force_login(request.getfixturevalue(persona))

    response = getattr(client, method)(url, {"ids": [dossier.pk]})

    assert response.status_code == 404


@pytest.mark.parametrize("method,url", [("get", QUEUE), ("get", EXPORT), ("post", BULK)])
def test_a_visitor_is_asked_to_log_in(client, method, url):
    response = getattr(client, method)(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_inactive_officer_gets_a_404(client, olivia):
    olivia.authority_memberships.update(is_active=False)
    client.force_login(olivia)

    assert client.get(QUEUE).status_code == 404


def test_bulk_assign_answers_post_only(client, olivia):
    client.force_login(olivia)

    assert client.get(BULK).status_code == 405


# --- filters -----------------------------------------------------------------------------


def test_the_call_filter_offers_only_the_officers_calls(
    client, olivia, call, other_call, authority
):
    second = f.CallFactory(programme=call.programme, authority=authority)
    make_dossier(call, reference="A-1")
    make_dossier(second, reference="B-1")

    response = get_queue(client, olivia, call=second.reference)

    assert references(response) == ["B-1"]
    html = response.content.decode()
    assert f'value="{call.reference}"' in html and other_call.reference not in html


def test_another_authoritys_call_is_not_a_choice_and_the_filter_is_ignored(
    client, olivia, call, other_call
):
    make_dossier(call, reference="A-1")

    response = get_queue(client, olivia, call=other_call.reference)

    assert references(response) == ["A-1"]
    assert "Un critère n'est pas valide : il n'est pas appliqué." in response.content.decode()
    assert response.context["form"].errors["call"]


def test_the_measure_filter(client, olivia, call):
    measure, other = f.MeasureFactory(), f.MeasureFactory()
    call.measures.set([measure, other])
    make_dossier(call, reference="M-1", measure=measure)
    make_dossier(call, reference="M-2", measure=other)

    response = get_queue(client, olivia, measure=measure.pk)

    assert references(response) == ["M-1"]


def test_the_status_filter(client, olivia, call):
    make_dossier(call, reference="S-1", status=S.ADMISSIBLE)
    make_dossier(call, reference="S-2", status=S.SUBMITTED)

    assert references(get_queue(client, olivia, status="admissible")) == ["S-1"]


def test_a_draft_is_not_a_status_one_can_filter_on(client, olivia, call):
    make_dossier(call, reference="S-1")

    response = get_queue(client, olivia, status="draft")

    assert references(response) == ["S-1"]
    assert response.context["form"].errors["status"]


def test_the_lead_country_filter_reads_the_lead_only(client, olivia, call, org_a, org_b):
    make_dossier(call, reference="FR-LEAD", lead=org_a, partners=[org_b])
    make_dossier(call, reference="BE-LEAD", lead=org_b, partners=[org_a])

    assert references(get_queue(client, olivia, country="BE")) == ["BE-LEAD"]


def test_the_lead_legal_type_filter(client, olivia, call, org_a, org_b):
    make_dossier(call, reference="ASSOC", lead=org_a)
    make_dossier(call, reference="ASBL", lead=org_b)

    assert references(get_queue(client, olivia, legal_type="asbl")) == ["ASBL"]


@pytest.mark.parametrize("verdict,expected", [("pass", "OK"), ("warning", "WARN"), ("fail", "KO")])
def test_the_verdict_filter_reads_the_latest_snapshot(client, olivia, call, verdict, expected):
    make_dossier(call, reference="OK", results=PASS)
    make_dossier(call, reference="WARN", results=WARNING)
    make_dossier(call, reference="KO", results=FAIL)
    # Failed at the first submission, passed at the second: the latest one counts.
    resubmitted = make_dossier(call, reference="OK-AGAIN", results=FAIL)
    snapshot_freeze(application=resubmitted, results=PASS, actor=resubmitted.created_by)

    response = get_queue(client, olivia, verdict=verdict, ordering="reference")

    assert references(response) == sorted([expected] + (["OK-AGAIN"] if verdict == "pass" else []))


def test_the_verdict_is_shown_with_its_label(client, olivia, call):
    make_dossier(call, results=FAIL)

    html = get_queue(client, olivia).content.decode()

    assert "Règle bloquante non satisfaite" in html


def test_the_assessor_filter(client, olivia, call, ada_pool):
    ada, alan = ada_pool
    first = make_dossier(call, reference="WITH-ADA", status=S.UNDER_ASSESSMENT)
    second = make_dossier(call, reference="WITH-ALAN", status=S.UNDER_ASSESSMENT)
    Assessment.objects.create(application=first, assessor=ada, assigned_by=olivia)
    Assessment.objects.create(application=second, assessor=alan, assigned_by=olivia)

    assert references(get_queue(client, olivia, assessor=ada.pk)) == ["WITH-ADA"]


def test_an_assessor_of_another_authority_is_not_a_choice(client, olivia, call, outsider):
    make_dossier(call, reference="A-1")

    response = get_queue(client, olivia, assessor=outsider.pk)

    assert references(response) == ["A-1"]
    assert response.context["form"].errors["assessor"]
    assert "Otto" not in response.content.decode()


def test_the_submitted_between_filter_takes_whole_days_in_paris(client, olivia, call):
    paris = timezone.get_current_timezone()
    make_dossier(
        call,
        reference="EARLY",
        submitted_at=dt.datetime(2026, 10, 31, 23, 30, tzinfo=paris),
    )
    make_dossier(
        call, reference="FIRST-DAY", submitted_at=dt.datetime(2026, 11, 1, 0, 10, tzinfo=paris)
    )
    make_dossier(
        call, reference="LAST-DAY", submitted_at=dt.datetime(2026, 11, 15, 23, 50, tzinfo=paris)
    )
    make_dossier(call, reference="LATE", submitted_at=dt.datetime(2026, 11, 16, 0, 0, tzinfo=paris))

    response = get_queue(
        client,
        olivia,
        submitted_from="2026-11-01",
        submitted_to="2026-11-15",
        ordering="reference",
    )

    assert references(response) == ["FIRST-DAY", "LAST-DAY"]
    assert references(get_queue(client, olivia, submitted_from="2026-11-16")) == ["LATE"]
    assert references(get_queue(client, olivia, submitted_to="2026-10-31")) == ["EARLY"]


def test_a_date_that_is_not_one_is_an_error_beside_its_field(client, olivia, call):
    make_dossier(call, reference="A-1")

    response = get_queue(client, olivia, submitted_from="31/02/2026")

    assert references(response) == ["A-1"]
    html = response.content.decode()
    assert 'id="id_submitted_from_error"' in html
    assert "Saisissez une date valide." in html


# --- search ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,expected",
    [
        ("ref-42", ["REF-42"]),
        ("tandem", ["REF-43"]),
        ("insertion des jeunes", ["REF-44"]),
        ("organisation b", ["REF-42"]),  # a partner's legal name, not the lead's
        ("  organisation a ", ["REF-42", "REF-43", "REF-44"]),
        ("nothing like it", []),
    ],
)
def test_the_search_reads_reference_acronym_title_and_organisations(
    client, olivia, call, org_a, org_b, text, expected
):
    make_dossier(call, reference="REF-42", acronym="ALPHA", title="Projet", lead=org_a,
                 partners=[org_b])  # fmt: skip
    make_dossier(call, reference="REF-43", acronym="TANDEM", title="Projet", lead=org_a)
    make_dossier(call, reference="REF-44", acronym="GAMMA", lead=org_a,
                 title="L'insertion des jeunes")  # fmt: skip

    response = get_queue(client, olivia, q=text, ordering="reference")

    assert references(response) == expected


def test_the_search_does_not_reach_another_authoritys_dossiers(client, olivia, call, other_call):
    make_dossier(other_call, reference="SECRET-1", acronym="SECRET")

    assert references(get_queue(client, olivia, q="secret")) == []


# --- sorts -------------------------------------------------------------------------------


@pytest.fixture
def three(call, org_a, org_b, org_c):
    paris = timezone.get_current_timezone()
    make_dossier(call, reference="C-3", lead=org_a, budget="500.00", status=S.ADMISSIBLE,
                 submitted_at=dt.datetime(2026, 11, 2, tzinfo=paris))  # fmt: skip
    make_dossier(call, reference="A-1", lead=org_c, budget="90000.00", status=S.REJECTED,
                 submitted_at=dt.datetime(2026, 11, 3, tzinfo=paris))  # fmt: skip
    make_dossier(call, reference="B-2", lead=org_b, budget="7000.00", status=S.SUBMITTED,
                 submitted_at=dt.datetime(2026, 11, 1, tzinfo=paris))  # fmt: skip


@pytest.mark.parametrize(
    "ordering,expected",
    [
        ("", ["A-1", "C-3", "B-2"]),  # the latest submissions first by default
        ("reference", ["A-1", "B-2", "C-3"]),
        ("-reference", ["C-3", "B-2", "A-1"]),
        ("submitted_at", ["B-2", "C-3", "A-1"]),
        ("budget", ["C-3", "B-2", "A-1"]),
        ("-budget", ["A-1", "B-2", "C-3"]),
        ("lead", ["C-3", "B-2", "A-1"]),  # Organisation A, B, C
        ("status", ["B-2", "C-3", "A-1"]),  # submitted, admissible, rejected: the workflow
        ("-status", ["A-1", "C-3", "B-2"]),
    ],
)
def test_the_sorts(client, olivia, three, ordering, expected):
    assert references(get_queue(client, olivia, ordering=ordering)) == expected


def test_a_sort_outside_the_whitelist_is_refused_and_the_default_applies(client, olivia, three):
    response = get_queue(client, olivia, ordering="created_by__password")

    assert references(response) == ["A-1", "C-3", "B-2"]
    assert response.context["form"].errors["ordering"]


def test_the_sorted_column_says_so(client, olivia, three):
    html = get_queue(client, olivia, ordering="-budget").content.decode()

    assert 'aria-sort="descending"' in html
    assert "ordering=budget" in html  # clicking again sorts the other way


# --- pages -------------------------------------------------------------------------------


def test_pages_of_25_by_default_then_50_or_100(client, olivia, call):
    for i in range(60):
        make_dossier(call, reference=f"P-{i:03d}", results=None)

    first = get_queue(client, olivia, ordering="reference")
    third = get_queue(client, olivia, ordering="reference", page=3)
    fifty = get_queue(client, olivia, ordering="reference", per_page=50, page=2)

    assert references(first) == [f"P-{i:03d}" for i in range(25)]
    assert references(third) == [f"P-{i:03d}" for i in range(50, 60)]
    assert references(fifty) == [f"P-{i:03d}" for i in range(50, 60)]
    assert len(references(get_queue(client, olivia, per_page=100))) == 60
    assert "Page 1 sur 3" in first.content.decode()
    assert "per_page=50" in fifty.content.decode()  # the pages keep the filters


def test_a_page_size_not_offered_is_an_error_and_25_apply(client, olivia, call):
    for i in range(30):
        make_dossier(call, reference=f"P-{i:03d}", results=None)

    response = get_queue(client, olivia, per_page=1000)

    assert len(references(response)) == 25
    assert "Choisissez 25, 50 ou 100 dossiers par page." in response.content.decode()


def test_a_page_past_the_last_shows_the_last(client, olivia, call):
    make_dossier(call, reference="ONLY")

    assert references(get_queue(client, olivia, page=99)) == ["ONLY"]


# --- counts per status -------------------------------------------------------------------


def test_counts_per_status_follow_every_filter_but_the_status(
    client, olivia, call, other_call, org_a, org_b
):
    make_dossier(call, status=S.SUBMITTED, lead=org_a)
    make_dossier(call, status=S.SUBMITTED, lead=org_b)
    make_dossier(call, status=S.ADMISSIBLE, lead=org_b)
    make_dossier(call, status=S.REJECTED, lead=org_b)
    make_dossier(call, status=S.DRAFT, lead=org_b)
    make_dossier(other_call, status=S.SUBMITTED, lead=org_b)

    response = get_queue(client, olivia, country="BE", status="submitted")

    counts = {link["value"]: link["count"] for link in response.context["status_links"]}
    assert counts == {"submitted": 1, "admissible": 1, "rejected": 1}
    assert response.context["all_count"] == 3
    assert response.context["total"] == 1
    assert len(references(response)) == 1
    html = response.content.decode()
    assert 'Recevable <span class="queue-counts__number">1</span>' in html


# --- query counts ------------------------------------------------------------------------


def bulk_dossiers(call, n: int, *, assessors, officer) -> None:
    """``n`` dossiers submitted on ``call``, with bulk_create: each with a lead and a
    partner, two budget lines, an EU co-financing line, a snapshot and two assessors."""
    user = applicant()
    organisations = Organisation.objects.bulk_create(
        Organisation(legal_name=f"Org {i}", legal_type="association", country="FR")
        for i in range(n + 1)
    )
    now = timezone.now()
    applications = Application.objects.bulk_create(
        Application(
            call=call,
            reference=f"BULK-{i:04d}",
            acronym=f"B{i}",
            title=f"Projet {i}",
            status=S.UNDER_ASSESSMENT,
            submitted_at=now - dt.timedelta(minutes=i),
            created_by=user,
        )
        for i in range(n)
    )
    partners = Partner.objects.bulk_create(
        Partner(application=application, organisation=organisations[i + number - 1],
                role=PartnerRole.LEAD if number == 1 else PartnerRole.PARTNER, number=number)
        for i, application in enumerate(applications)
        for number in (1, 2)
    )  # fmt: skip
    BudgetLine.objects.bulk_create(
        BudgetLine(partner=partner, cost_category="staff", year=2027, amount=Decimal("100.00"))
        for partner in partners
    )
    Cofinancing.objects.bulk_create(
        Cofinancing(partner=partner, source=FundingSource.EU, amount=Decimal("60.00"))
        for partner in partners
    )
    snapshots = Snapshot.objects.bulk_create(
        Snapshot(application=application, number=1, data={}, sha256="0" * 64,
                 eligibility_results=WARNING, verdict="warning", total_budget=Decimal("200.00"),
                 eu_requested=Decimal("120.00"), created_by=user)
        for application in applications
    )  # fmt: skip
    for application, snapshot in zip(applications, snapshots, strict=True):
        application.current_snapshot = snapshot
    Application.objects.bulk_update(applications, ["current_snapshot"])
    Assessment.objects.bulk_create(
        Assessment(application=application, assessor=assessor, assigned_by=officer)
        for application in applications
        for assessor in assessors
    )


# The queue's queries, the same whatever the number of dossiers:
QUEUE_QUERIES = [
    "the session",
    "the user",
    "is the user an active officer? (review.permissions.is_officer)",
    "the officer's calls (the call filter's choices)",
    "the measures of those calls (the measure filter's choices)",
    "the assessors of the officer's authorities (the assessor filter's and the bulk form's)",
    "the counts per status (under every filter but the status; also the paginator's count)",
    "the page's ids (filters, sort, offset: nothing else computed)",
    "the page's dossiers by id, with call, measure, lead, totals and frozen verdict",
    "the assessments of the page's dossiers, with their assessors",
]


@pytest.mark.parametrize("n", [10, 500])
@pytest.mark.parametrize(
    "params",
    [
        {"per_page": 100},
        {"per_page": 100, "q": "projet", "ordering": "-budget", "verdict": "warning"},
        {"per_page": 100, "status": "under_assessment", "country": "FR", "ordering": "lead"},
    ],
)
def test_the_queue_runs_the_same_queries_for_10_and_for_500_dossiers(
    client, olivia, call, ada_pool, django_assert_num_queries, n, params
):
    bulk_dossiers(call, n, assessors=ada_pool, officer=olivia)
    client.force_login(olivia)

    with django_assert_num_queries(len(QUEUE_QUERIES)):
        response = client.get(QUEUE, params)

    assert response.status_code == 200
    assert len(response.context["rows"]) == min(n, 100)
    assert response.context["total"] == n
    first = response.context["rows"][0]
    assert sorted(name.split()[0] for name in first.assessor_names) == ["Ada", "Alan"]


# --- bulk assignment ---------------------------------------------------------------------


def test_bulk_assign_assigns_the_pools_assessors_and_starts_the_assessment(
    client, olivia, call, ada_pool, django_capture_on_commit_callbacks
):
    first = make_dossier(call, reference="ADM-1", status=S.ADMISSIBLE)
    second = make_dossier(call, reference="ASSESS-2", status=S.UNDER_ASSESSMENT)
    client.force_login(olivia)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            BULK,
            {
                "ids": [first.pk, second.pk],
                "assessors": [p.pk for p in ada_pool],
                "next": f"{QUEUE}?status=admissible",
            },
        )

    assert response.status_code == 302
    assert response["Location"] == f"{QUEUE}?status=admissible"
    assert set(
        Assessment.objects.values_list("application__reference", "assessor__email", "assigned_by")
    ) == {
        (reference, person.email, olivia.pk)
        for reference in ("ADM-1", "ASSESS-2")
        for person in ada_pool
    }
    assert set(Assessment.objects.values_list("status", flat=True)) == {AssessmentStatus.ASSIGNED}
    first.refresh_from_db()
    assert first.status == S.UNDER_ASSESSMENT
    change = StatusChange.objects.get(application=first)
    assert (change.from_status, change.to_status, change.actor) == (
        S.ADMISSIBLE,
        S.UNDER_ASSESSMENT,
        olivia,
    )
    assert "4 attributions enregistrées." in messages_of(response)


def test_bulk_assign_keeps_existing_assignments_and_skips_dossiers_in_other_states(
    client, olivia, call, ada_pool
):
    ada, alan = ada_pool
    assessed = make_dossier(call, reference="ASSESS-1", status=S.UNDER_ASSESSMENT)
    Assessment.objects.create(application=assessed, assessor=ada, assigned_by=olivia)
    early = make_dossier(call, reference="EARLY-2", status=S.SUBMITTED)
    late = make_dossier(call, reference="DONE-3", status=S.REJECTED)
    client.force_login(olivia)

    response = client.post(
        BULK, {"ids": [assessed.pk, early.pk, late.pk], "assessors": [ada.pk, alan.pk]}
    )

    assert response["Location"] == QUEUE
    assert sorted(
        Assessment.objects.values_list("application__reference", "assessor__first_name")
    ) == [("ASSESS-1", "Ada"), ("ASSESS-1", "Alan")]
    said = messages_of(response)
    assert "1 attribution enregistrée." in said
    assert "1 attribution existait déjà : elle est conservée telle quelle." in said
    assert "Non attribués, car ni recevables ni en évaluation : DONE-3, EARLY-2." in said


def test_bulk_assign_refuses_an_assessor_of_another_authority(client, olivia, call, ada, outsider):
    dossier = make_dossier(call, status=S.ADMISSIBLE)
    client.force_login(olivia)

    response = client.post(BULK, {"ids": [dossier.pk], "assessors": [ada.pk, outsider.pk]})

    assert response.status_code == 302
    assert not Assessment.objects.exists()
    dossier.refresh_from_db()
    assert dossier.status == S.ADMISSIBLE
    assert messages_of(response) == [
        "Cette personne n'est pas évaluatrice de votre autorité de gestion : choisissez dans "
        "la liste."
    ]


def test_bulk_assign_answers_404_for_a_dossier_of_another_authority(
    client, olivia, call, other_call, ada
):
    mine = make_dossier(call, status=S.ADMISSIBLE)
    theirs = make_dossier(other_call, status=S.ADMISSIBLE)
    client.force_login(olivia)

    response = client.post(BULK, {"ids": [mine.pk, theirs.pk], "assessors": [ada.pk]})

    assert response.status_code == 404
    assert not Assessment.objects.exists()


def test_bulk_assign_answers_404_for_a_draft(client, olivia, call, ada):
    draft = make_dossier(call, status=S.DRAFT)
    client.force_login(olivia)

    assert client.post(BULK, {"ids": [draft.pk], "assessors": [ada.pk]}).status_code == 404


@pytest.mark.parametrize(
    "data,message",
    [
        ({"assessors": ["ADA"]}, "Cochez au moins un dossier dans la liste."),
        ({"ids": ["DOSSIER"]}, "Choisissez au moins un évaluateur."),
    ],
)
def test_bulk_assign_without_a_dossier_or_an_assessor_says_so(
    client, olivia, call, ada, data, message
):
    dossier = make_dossier(call, status=S.ADMISSIBLE)
    values = {"ADA": ada.pk, "DOSSIER": dossier.pk}
    data = {key: [values[v] for v in value] for key, value in data.items()}
    client.force_login(olivia)

    response = client.post(BULK, data)

    assert response.status_code == 302
    assert message in messages_of(response)
    assert not Assessment.objects.exists()


def test_bulk_assign_ignores_an_outside_next_address(client, olivia, call, ada):
    dossier = make_dossier(call, status=S.ADMISSIBLE)
    client.force_login(olivia)

    response = client.post(
        BULK, {"ids": [dossier.pk], "assessors": [ada.pk], "next": "https://evil.example/"}
    )

    assert response["Location"] == QUEUE


def test_the_service_refuses_an_assessor_outside_the_dossiers_authority_pool(
    olivia, call, other_call, ada, outsider, other_authority
):
    """An officer of two authorities may pick assessors from both pools, but each dossier
    takes only assessors of its own call's authority."""
    f.AuthorityMemberFactory(user=olivia, authority=other_authority)
    mine = make_dossier(call, reference="MINE", status=S.ADMISSIBLE)
    theirs = make_dossier(other_call, reference="THEIRS", status=S.ADMISSIBLE)

    with pytest.raises(Exception) as refusal:
        assessments_assign(applications=[mine, theirs], assessors=[ada, outsider], actor=olivia)

    assert "Otto Lenz n'est pas évaluateur de Valenciennes Métropole" in refusal.value.message
    assert not Assessment.objects.exists()


def test_the_queue_offers_the_pool_in_its_bulk_form(client, olivia, call, ada_pool, outsider):
    make_dossier(call, status=S.ADMISSIBLE)

    html = get_queue(client, olivia).content.decode()

    assert f'name="assessors" value="{ada_pool[0].pk}"' in html
    assert "Alan Turing" in html and "Otto" not in html
    assert f'action="{BULK}"' in html


# --- CSV ---------------------------------------------------------------------------------


def read_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def test_the_export_is_excel_ready_csv_of_the_filtered_dossiers(client, olivia, call, org_b, ada):
    call.cost_model = CostModel.REAL_COSTS
    call.save()
    kept = make_dossier(call, reference="CSV-1", acronym="=HYPERLINK()", title="Projet « été »",
                        lead=org_b, budget="1234567.89", eu="740740.73", results=WARNING,
                        status=S.UNDER_ASSESSMENT)  # fmt: skip
    Assessment.objects.create(application=kept, assessor=ada, assigned_by=olivia)
    make_dossier(call, reference="CSV-2", status=S.SUBMITTED)
    client.force_login(olivia)

    response = client.get(EXPORT, {"status": "under_assessment"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="instruction-')
    header, *rows = read_csv(response)
    assert header[:3] == ["Référence", "Acronyme", "Intitulé"]
    assert len(rows) == 1
    row = dict(zip(header, rows[0], strict=True))
    assert row["Référence"] == "CSV-1"
    assert row["Acronyme"] == "'=HYPERLINK()"  # never a formula in Excel
    assert row["Intitulé"] == "Projet « été »"
    assert row["Chef de file"] == "Organisation B"
    assert row["Pays du chef de file"] == "Belgique"
    assert row["Statut juridique du chef de file"] == "ASBL / VZW (Belgique)"
    assert row["État"] == "En évaluation"
    assert row["Budget total (EUR)"] == "1234567,89"
    assert row["Montant UE demandé (EUR)"] == "740740,73"
    assert row["Éligibilité au dépôt"] == "Avec avertissements"
    assert row["Évaluateurs"] == "Ada " + ada.last_name
    assert row["Déposé le"] == timezone.localtime(kept.submitted_at).strftime("%d/%m/%Y %H:%M")


def test_the_export_of_ticked_dossiers_takes_only_those_visible(client, olivia, call, other_call):
    first = make_dossier(call, reference="T-1")
    make_dossier(call, reference="T-2")
    third = make_dossier(call, reference="T-3")
    theirs = make_dossier(other_call, reference="THEIRS")
    client.force_login(olivia)

    by_get = client.get(EXPORT, {"ids": [third.pk, first.pk, theirs.pk], "ordering": "reference"})
    by_post = client.post(
        f"{EXPORT}?ordering=-reference", {"ids": [third.pk, first.pk, theirs.pk, "x"]}
    )

    assert [row[0] for row in read_csv(by_get)[1:]] == ["T-1", "T-3"]
    assert [row[0] for row in read_csv(by_post)[1:]] == ["T-3", "T-1"]


def test_the_export_never_holds_another_authoritys_dossier(client, oscar, call):
    make_dossier(call, reference="OLIVIA-1")
    client.force_login(oscar)

    assert read_csv(client.get(EXPORT)) == [read_csv(client.get(EXPORT))[0]]
