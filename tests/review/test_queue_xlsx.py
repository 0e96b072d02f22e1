"""The officers' queue as an Excel workbook: the same selection, columns and header as the
CSV export, amounts as numbers to the cent, the submission as a Paris date and time, the
header row frozen, texts never formulas; only an officer gets it, and never with another
authority's dossiers; its queries pinned, the same for 10 and for 200 dossiers."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from applications.models import Assessment
from calls.choices import CostModel
from tests.review import test_queue as queue_tests
from tests.review.test_queue import (
    EXPORT,
    QUEUE,
    WARNING,
    S,
    bulk_dossiers,
    make_dossier,
    read_csv,
)

# The queue tests' fixtures: the other authority's call, the pool of Olivia's assessors.
other_call = queue_tests.other_call
ada_pool = queue_tests.ada_pool

XLSX = reverse("review:queue_export_xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def read_xlsx(response):
    """The workbook's only sheet, read back with openpyxl."""
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_TYPE
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Dossiers"]
    return workbook["Dossiers"]


def values(sheet) -> list[list]:
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def references(sheet) -> list[str]:
    return [row[0] for row in values(sheet)[1:]]


def sheet_xml(response) -> str:
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        return archive.read("xl/worksheets/sheet1.xml").decode()


def test_the_workbook_holds_the_filtered_dossiers_with_the_csv_columns(
    client, olivia, call, org_b, ada
):
    call.cost_model = CostModel.REAL_COSTS
    call.save()
    kept = make_dossier(call, reference="XLSX-1", acronym="=HYPERLINK()", title="Projet « été »",
                        lead=org_b, budget="1234567.89", eu="740740.73", results=WARNING,
                        status=S.UNDER_ASSESSMENT)  # fmt: skip
    Assessment.objects.create(application=kept, assessor=ada, assigned_by=olivia)
    make_dossier(call, reference="XLSX-2", status=S.SUBMITTED)
    client.force_login(olivia)

    response = client.get(XLSX, {"status": "under_assessment"})

    stamp = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="instruction-{stamp}.xlsx"'
    sheet = read_xlsx(response)
    header, *rows = values(sheet)
    assert header == read_csv(client.get(EXPORT))[0]  # the CSV's columns, in its order
    assert len(rows) == 1
    row = dict(zip(header, rows[0], strict=True))
    assert row["Référence"] == "XLSX-1"
    assert row["Intitulé"] == "Projet « été »"
    assert row["Chef de file"] == "Organisation B"
    assert row["Pays du chef de file"] == "Belgique"
    assert row["Statut juridique du chef de file"] == "ASBL / VZW (Belgique)"
    assert row["État"] == "En évaluation"
    assert row["Éligibilité au dépôt"] == "Avec avertissements"
    assert row["Évaluateurs"] == "Ada " + ada.last_name
    # Amounts: numbers to the cent, written as the Decimals' digits (no float on the way).
    assert Decimal(str(row["Budget total (EUR)"])) == Decimal("1234567.89")
    assert Decimal(str(row["Montant UE demandé (EUR)"])) == Decimal("740740.73")
    xml = sheet_xml(response)
    assert "<v>1234567.89</v>" in xml and "<v>740740.73</v>" in xml
    budget, eu = sheet["K2"], sheet["L2"]
    assert budget.data_type == eu.data_type == "n"
    assert budget.number_format == eu.number_format == '#,##0.00 "€"'
    # The submission: a real date and time, Paris's, without a zone (Excel has none).
    submitted = sheet["J2"]
    assert submitted.is_date and submitted.number_format == "DD/MM/YYYY HH:MM"
    paris = timezone.localtime(kept.submitted_at).replace(tzinfo=None)
    assert abs(submitted.value - paris) < dt.timedelta(seconds=1)
    # The acronym is text, not a formula, and stays text when edited in Excel.
    acronym = sheet["B2"]
    assert (acronym.value, acronym.data_type, acronym.quotePrefix) == ("=HYPERLINK()", "s", True)
    assert "<f>" not in xml
    # The header row is frozen and bold, the columns sized.
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.column_dimensions["C"].width == 48
    assert sheet.column_dimensions["N"].width == 36


@pytest.mark.parametrize("text", ["=1+1", "+33 3 20 00 00 00", "-2", "@SUM(A1:A2)"])
def test_a_text_that_looks_like_a_formula_stays_text(client, olivia, call, text):
    make_dossier(call, acronym=text)
    client.force_login(olivia)

    cell = read_xlsx(client.get(XLSX))["B2"]

    assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True)


def test_an_ordinary_text_has_no_quote_prefix_and_a_control_character_is_dropped(
    client, olivia, call
):
    make_dossier(call, acronym="ALPHA", title="Projet\x01 transfrontalier")
    client.force_login(olivia)

    sheet = read_xlsx(client.get(XLSX))

    assert (sheet["B2"].value, sheet["B2"].quotePrefix) == ("ALPHA", False)
    assert sheet["C2"].value == "Projet transfrontalier"


def test_a_dossier_without_a_frozen_version_has_empty_amounts(client, olivia, call):
    make_dossier(call, reference="NO-SNAPSHOT", results=None)
    client.force_login(olivia)

    sheet = read_xlsx(client.get(XLSX))

    assert references(sheet) == ["NO-SNAPSHOT"]
    assert sheet["K2"].value is None and sheet["L2"].value is None


def test_the_export_of_ticked_dossiers_takes_only_those_visible(client, olivia, call, other_call):
    first = make_dossier(call, reference="T-1")
    make_dossier(call, reference="T-2")
    third = make_dossier(call, reference="T-3")
    theirs = make_dossier(other_call, reference="THEIRS")
    client.force_login(olivia)

    by_get = client.get(XLSX, {"ids": [third.pk, first.pk, theirs.pk], "ordering": "reference"})
    by_post = client.post(
        f"{XLSX}?ordering=-reference", {"ids": [third.pk, first.pk, theirs.pk, "x"]}
    )

    assert references(read_xlsx(by_get)) == ["T-1", "T-3"]
    assert references(read_xlsx(by_post)) == ["T-3", "T-1"]


def test_an_officer_of_another_authority_gets_none_of_its_dossiers(client, oscar, call, other_call):
    mine = make_dossier(call, reference="OLIVIA-1")
    make_dossier(other_call, reference="OSCAR-1")
    client.force_login(oscar)

    assert references(read_xlsx(client.get(XLSX))) == ["OSCAR-1"]
    assert references(read_xlsx(client.post(XLSX, {"ids": [mine.pk]}))) == []
    assert references(read_xlsx(client.get(XLSX, {"q": "OLIVIA"}))) == []


@pytest.mark.parametrize("persona", ["alice", "bob", "charlie", "ada"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_the_workbook_does_not_exist_for_anyone_but_an_officer(
    client, request, persona, method, dossier
):
    client.force_login(request.getfixturevalue(persona))

    response = getattr(client, method)(XLSX, {"ids": [dossier.pk]})

    assert response.status_code == 404


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_visitor_is_asked_to_log_in_for_the_workbook(client, method):
    response = getattr(client, method)(XLSX)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_queue_offers_the_workbook_beside_the_csv(client, olivia, call):
    make_dossier(call, status=S.ADMISSIBLE)
    client.force_login(olivia)

    html = client.get(QUEUE, {"status": "admissible"}).content.decode()

    assert f'<a href="{XLSX}?status=admissible">Exporter ces dossiers (Excel, XLSX)</a>' in html
    assert f'formaction="{XLSX}?status=admissible">Exporter les dossiers cochés' in html


# The workbook's queries, the same whatever the number of dossiers:
XLSX_QUERIES = [
    "the session",
    "the user",
    "is the user an active officer? (review.permissions.is_officer)",
    "the officer's calls (the filter set's choices)",
    "the measures of those calls (the filter set's choices)",
    "the assessors of the officer's authorities (the filter set's choices)",
    "the officer's authorities (the audit event's, audit.services.record_export)",
    "the audit event written",
    "the dossiers with call, measure, lead, totals and frozen verdict",
    "their assessments, with their assessors",
]


@pytest.mark.parametrize("n", [10, 200])
def test_the_workbook_runs_the_same_queries_for_10_and_for_200_dossiers(
    client, olivia, call, ada_pool, django_assert_num_queries, n
):
    bulk_dossiers(call, n, assessors=ada_pool, officer=olivia)
    client.force_login(olivia)

    with django_assert_num_queries(len(XLSX_QUERIES)):
        response = client.get(XLSX, {"ordering": "-budget", "country": "FR"})

    rows = values(read_xlsx(response))[1:]
    assert len(rows) == n
    names = {person.get_full_name() for person in ada_pool}
    assert all(set(row[-1].split(", ")) == names for row in rows)
    assert {Decimal(str(row[10])) for row in rows} == {Decimal("200.00")}
