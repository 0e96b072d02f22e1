"""The public list of operations (Regulation (EU) 2021/1060, art. 49(3)): open to anyone,
only operations selected and beyond, figures to the cent with a French decimal comma,
formulas escaped, filters (a bad one is a 400 that says why), conditional GET, and its
queries pinned, the same for 2 and for 50 operations."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date

from applications.choices import DecisionOutcome
from applications.models import Application, Decision
from applications.workflow import transition
from calls.models import Call
from partners.choices import PartnerRole
from partners.models import Organisation
from reporting.exports import PUBLIC_STATUSES, cofinancing_rate, purpose
from tests import factories as f
from tests.review.test_queue import S, bulk_dossiers, make_dossier

CSV_URL = reverse("reporting:public_operations_csv")
PAGE_URL = reverse("reporting:open_data")
HEADER = [
    "Bénéficiaire",
    "Pays du bénéficiaire",
    "Partenaires",
    "Référence de l'opération",
    "Acronyme",
    "Intitulé",
    "Objet de l'opération",
    "Date de début",
    "Date de fin",
    "Coût total (EUR)",
    "Montant UE (EUR)",
    "Taux de cofinancement UE (%)",
    "Code postal",
    "Commune",
    "Code NUTS",
    "Fonds",
    "Programme",
    "Code de la mesure",
    "Référence de l'appel",
    "État",
]


def make_operation(call, *, decided_by, status=S.SELECTED, granted="600.00", **fields):
    """A dossier of ``call`` in ``status`` (selected by default) with its decision to
    select it and grant ``granted``."""
    application = make_dossier(call, status=status, **fields)
    Decision.objects.create(
        application=application,
        outcome=DecisionOutcome.SELECTED,
        amount_granted=Decimal(granted),
        decided_on=dt.date(2026, 12, 1),
        reasons="Retenu par le comité de programmation.",
        decided_by=decided_by,
    )
    return application


def read_csv(response) -> list[dict[str, str]]:
    """The file's rows as dicts, after checking it is Excel-ready CSV with our header."""
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode())
    header, *rows = csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";")
    assert header == HEADER
    return [dict(zip(header, row, strict=True)) for row in rows]


def references(response) -> list[str]:
    return [row["Référence de l'opération"] for row in read_csv(response)]


# --- what the list holds -------------------------------------------------------------------


def test_the_list_holds_only_operations_selected_and_beyond(client, call, olivia):
    for status in S.values:
        make_dossier(call, reference=f"OP-{status}", status=status)
    Decision.objects.bulk_create(
        Decision(application=application, outcome=outcome, amount_granted=amount,
                 decided_on=dt.date(2026, 12, 1), reasons="Motifs.", decided_by=olivia)
        for application in Application.objects.all()
        for outcome, amount in [
            (DecisionOutcome.REJECTED, None) if application.status == S.REJECTED
            else (DecisionOutcome.RESERVE, None) if application.status == S.RESERVE
            else (DecisionOutcome.SELECTED, Decimal("100.00"))
        ]
    )  # fmt: skip

    response = client.get(CSV_URL)

    assert references(response) == sorted(f"OP-{status}" for status in PUBLIC_STATUSES)


def test_each_row_gives_the_operation_its_beneficiaries_and_figures_to_the_cent(
    client, call, olivia, org_a, org_c
):
    lead = f.OrganisationFactory(legal_name="=Coopérative Transfrontalière", country="BE",
                                 legal_type="asbl", postcode="7500", city="Tournai",
                                 nuts_code="BE327")  # fmt: skip
    measure = f.MeasureFactory(code="4.2.3")
    summary = "Un accompagnement\nrenforcé " + "x" * 600
    operation = make_operation(
        call, decided_by=olivia, status=S.CONTRACTED, granted="123456.78",
        reference="OP-2026-0001", acronym="@SUM", title="+ de mobilité", summary=summary,
        lead=lead, partners=[org_c, org_a], budget="200000.00", eu="130000.00", measure=measure,
    )  # fmt: skip
    # An associated partner is not a beneficiary: it is not listed.
    f.PartnerFactory(
        application=operation,
        organisation=f.OrganisationFactory(legal_name="Associé sans financement"),
        role=PartnerRole.ASSOCIATED,
        number=9,
    )
    programme = call.programme

    (row,) = read_csv(client.get(CSV_URL))

    assert (
        row
        == {
            "Bénéficiaire": "'=Coopérative Transfrontalière",  # never a formula in Excel
            "Pays du bénéficiaire": "BE",
            "Partenaires": "Organisation C | Organisation A",  # in the consortium's order
            "Référence de l'opération": "OP-2026-0001",
            "Acronyme": "'@SUM",
            "Intitulé": "'+ de mobilité",
            "Objet de l'opération": ("Un accompagnement renforcé " + "x" * 600)[:499] + "…",
            "Date de début": "2027-01-01",
            "Date de fin": "2028-12-31",
            "Coût total (EUR)": "200000,00",
            "Montant UE (EUR)": "123456,78",
            "Taux de cofinancement UE (%)": "61,73",
            "Code postal": "7500",
            "Commune": "Tournai",
            "Code NUTS": "BE327",
            "Fonds": programme.fund.short_name,
            "Programme": programme.name,
            "Code de la mesure": "4.2.3",
            "Référence de l'appel": call.reference,
            "État": "Conventionné",
        }
    )
    assert len(row["Objet de l'opération"]) == 500


def test_the_total_cost_is_that_of_the_version_under_review(client, call, olivia):
    operation = make_operation(call, decided_by=olivia, budget="1234567.89", eu="740740.73",
                               granted="740740.73")  # fmt: skip
    # A later edit of the lines (never submitted) does not change the published figures.
    f.BudgetLineFactory(partner=operation.partners.get(role=PartnerRole.LEAD), amount=1)

    (row,) = read_csv(client.get(CSV_URL))

    assert (row["Coût total (EUR)"], row["Montant UE (EUR)"]) == ("1234567,89", "740740,73")
    assert row["Taux de cofinancement UE (%)"] == "60,00"


@pytest.mark.parametrize(
    "granted,total,rate",
    [
        ("600.00", "1000.00", "60.00"),
        ("1.00", "3.00", "33.33"),
        ("2.00", "3.00", "66.67"),
        ("0.125", "1.00", "12.50"),
        ("100.00", "0.00", None),
        (None, "1000.00", None),
    ],
)
def test_the_co_financing_rate_is_a_percentage_with_two_decimals(granted, total, rate):
    result = cofinancing_rate(granted and Decimal(granted), Decimal(total))

    assert result == (rate and Decimal(rate))


def test_a_short_summary_is_kept_whole_on_one_line():
    assert purpose("Former\r\n des  jeunes.") == "Former des jeunes."
    assert len(purpose("é" * 500)) == 500 and purpose("é" * 500).endswith("é")


def test_the_file_is_french_whatever_the_language_of_the_address(client, call, olivia):
    make_operation(call, decided_by=olivia, status=S.IN_PROGRESS)

    (row,) = read_csv(client.get(f"/nl{CSV_URL}", HTTP_ACCEPT_LANGUAGE="nl"))

    assert row["État"] == "En cours de réalisation"


# --- filters -------------------------------------------------------------------------------


@pytest.fixture
def two_funds(authority, olivia, org_a, org_b):
    """FSE+ led from France (FSE-1) and from Belgium (FSE-2); Interreg led from Belgium
    (IRG-1)."""
    fse = f.ProgrammeFactory(code="pn-fse-plus", fund=f.FundFactory(code="fse-plus"),
                             managing_authority=authority)  # fmt: skip
    interreg = f.ProgrammeFactory(code="interreg-fwvl", fund=f.FundFactory(code="feder"),
                                  managing_authority=authority)  # fmt: skip
    fse_call = f.CallFactory(programme=fse, authority=authority)
    interreg_call = f.CallFactory(programme=interreg, authority=authority)
    make_operation(fse_call, decided_by=olivia, reference="FSE-1", lead=org_a, partners=[org_b])
    make_operation(fse_call, decided_by=olivia, reference="FSE-2", lead=org_b, partners=[org_a])
    make_operation(interreg_call, decided_by=olivia, reference="IRG-1", lead=org_b)


@pytest.mark.parametrize(
    "params,expected",
    [
        ({}, ["FSE-1", "FSE-2", "IRG-1"]),
        ({"fund": "fse-plus"}, ["FSE-1", "FSE-2"]),
        ({"programme": "interreg-fwvl"}, ["IRG-1"]),
        ({"country": "BE"}, ["FSE-2", "IRG-1"]),  # the lead's country, not a partner's
        ({"country": "fr"}, ["FSE-1"]),
        ({"fund": "fse-plus", "country": "BE"}, ["FSE-2"]),
        ({"fund": "feder", "programme": "pn-fse-plus"}, []),
        ({"fund": "", "utm_source": "newsletter"}, ["FSE-1", "FSE-2", "IRG-1"]),
    ],
)
def test_the_filters(client, two_funds, params, expected):
    assert references(client.get(CSV_URL, params)) == expected


@pytest.mark.parametrize(
    "params,message",
    [
        ({"fund": "fse-moins"}, "aucun fonds n'a le code « fse-moins »"),
        ({"programme": "nope"}, "aucun programme n'a le code « nope »"),
        ({"country": "XX"}, "« XX » n'est pas un code de pays"),
        ({"country": "France"}, "« FRANCE » n'est pas un code de pays"),
    ],
)
def test_a_filter_that_names_nothing_is_refused_with_a_message_in_french(
    client, two_funds, params, message
):
    response = client.get(CSV_URL, params)

    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    text = response.content.decode()
    assert "non valide" in text and message in text


# --- caching -------------------------------------------------------------------------------


def test_the_file_is_cacheable_and_answers_304_until_something_changes(client, call, olivia):
    operation = make_operation(call, decided_by=olivia)
    # Everything the file shows was last changed at the same past instant...
    past = timezone.now() - dt.timedelta(days=3)
    Application.objects.update(updated_at=past)
    Decision.objects.update(created_at=past - dt.timedelta(hours=1))
    Organisation.objects.update(updated_at=past - dt.timedelta(hours=2))
    Call.objects.update(updated_at=past - dt.timedelta(hours=3))

    first = client.get(CSV_URL)

    assert first.status_code == 200
    assert first["Last-Modified"] == http_date(past.timestamp())
    assert {part.strip() for part in first["Cache-Control"].split(",")} == {
        "public",
        "max-age=3600",
    }
    again = client.get(CSV_URL, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert again.status_code == 304
    assert again.content == b""
    older_copy = http_date((past - dt.timedelta(minutes=1)).timestamp())
    assert client.get(CSV_URL, HTTP_IF_MODIFIED_SINCE=older_copy).status_code == 200

    # ... until the operation is contracted: the file is new again.
    transition(application=operation, to_status=S.CONTRACTED, actor=olivia)
    changed = client.get(CSV_URL, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])

    assert changed.status_code == 200
    assert references(changed) == [operation.reference]


def test_an_empty_list_is_a_header_without_a_date(client, call):
    make_dossier(call, status=S.UNDER_ASSESSMENT)

    response = client.get(CSV_URL)

    assert read_csv(response) == []
    assert "Last-Modified" not in response


# --- access --------------------------------------------------------------------------------


def test_anyone_reads_the_file_and_its_page_without_logging_in(client, call, olivia):
    make_operation(call, decided_by=olivia, reference="OPEN-1")

    assert references(client.get(CSV_URL)) == ["OPEN-1"]
    page = client.get(PAGE_URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert f'href="{CSV_URL}"' in html
    assert "http://testserver/donnees/operations.csv" in html
    assert "Licence Ouverte / Open Licence 2.0" in html
    assert "https://www.etalab.gouv.fr/licence-ouverte-open-licence/" in html
    for column in HEADER:
        assert column.replace("'", "&#x27;") in html, column
    assert f"fund={call.programme.fund.code}" in html
    assert f"programme={call.programme.code}" in html


def test_every_page_links_to_the_open_data_in_its_footer(client, db):
    html = client.get(reverse("calls:list")).content.decode()

    assert f'<li><a href="{PAGE_URL}">Données ouvertes</a></li>' in html


def test_the_file_answers_get_and_head_only(client, db):
    assert client.head(CSV_URL).status_code == 200
    assert client.post(CSV_URL).status_code == 405


# --- queries -------------------------------------------------------------------------------


def selected_operations(call, n: int, *, decided_by) -> None:
    """``n`` operations selected on ``call`` (bulk-created), each with a lead, a partner, a
    frozen version and a decision."""
    bulk_dossiers(call, n, assessors=[], officer=decided_by)
    Application.objects.update(status=S.SELECTED)
    Decision.objects.bulk_create(
        Decision(application=application, outcome=DecisionOutcome.SELECTED,
                 amount_granted=Decimal("120.00"), decided_on=dt.date(2026, 12, 1),
                 reasons="Retenu.", decided_by=decided_by)
        for application in Application.objects.all()
    )  # fmt: skip


# The file's queries, the same whatever the number of operations:
CSV_QUERIES = [
    "the latest change (Last-Modified)",
    "the operations with call, programme, fund, measure, lead, frozen totals and decision",
    "their other beneficiaries",
]
FILTER_QUERIES = ["does the fund exist?", "does the programme exist?"]


@pytest.mark.parametrize("n", [2, 50])
@pytest.mark.parametrize("filtered", [False, True])
def test_the_file_runs_the_same_queries_for_2_and_for_50_operations(
    client, call, olivia, django_assert_num_queries, n, filtered
):
    selected_operations(call, n, decided_by=olivia)
    programme = call.programme
    params = (
        {"fund": programme.fund.code, "programme": programme.code, "country": "FR"}
        if filtered
        else {}
    )

    with django_assert_num_queries(len(CSV_QUERIES) + (len(FILTER_QUERIES) if filtered else 0)):
        rows = read_csv(client.get(CSV_URL, params))

    assert len(rows) == n
    assert {row["Partenaires"] for row in rows} == {f"Org {i + 1}" for i in range(n)}
    assert {row["Taux de cofinancement UE (%)"] for row in rows} == {"60,00"}
