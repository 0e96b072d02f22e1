"""Applications and calls: durations, lead partner, references, call windows."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from applications.models import Application
from applications.services import application_next_reference
from calls.models import Call, CallStatus, Measure
from partners.choices import LegalType, PartnerRole
from tests import factories as f

PARIS = ZoneInfo("Europe/Paris")
UTC = dt.UTC


# Duration ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (dt.date(2020, 7, 1), dt.date(2022, 12, 31), 30),
        (dt.date(2027, 1, 1), dt.date(2027, 12, 31), 12),
        (dt.date(2027, 1, 15), dt.date(2027, 2, 14), 1),
        (dt.date(2027, 1, 15), dt.date(2027, 2, 15), 2),  # a started month counts
        (dt.date(2027, 1, 1), dt.date(2027, 1, 1), 1),
        (dt.date(2028, 2, 1), dt.date(2028, 2, 29), 1),
    ],
)
def test_the_duration_counts_months_from_start_to_end_a_started_month_counting(start, end, months):
    assert Application(start_date=start, end_date=end).duration_months == months


@pytest.mark.parametrize(
    ("start", "end"), [(None, dt.date(2027, 12, 31)), (dt.date(2027, 1, 1), None), (None, None)]
)
def test_the_duration_is_unknown_while_a_date_is_missing(start, end):
    assert Application(start_date=start, end_date=end).duration_months is None


# Lead partner -----------------------------------------------------------------------------


def test_the_lead_partner_is_the_lead_organisation_not_the_other_partners(dossier, org_a):
    lead = dossier.lead_partner
    assert lead.organisation == org_a
    assert lead.role == PartnerRole.LEAD


def test_an_application_without_a_lead_has_no_lead_partner(db):
    application = f.ApplicationFactory()
    f.PartnerFactory(application=application, role=PartnerRole.PARTNER)
    assert application.lead_partner is None


# References -------------------------------------------------------------------------------


def test_references_are_numbered_from_0001_in_the_call(call):
    assert application_next_reference(call=call) == f"{call.application_prefix}-0001"
    assert application_next_reference(call=call) == f"{call.application_prefix}-0002"


def test_twenty_references_in_a_row_are_all_different_and_consecutive(call):
    references = [application_next_reference(call=call) for _ in range(20)]
    assert references == [f"{call.application_prefix}-{n:04d}" for n in range(1, 21)]


def test_a_reference_is_never_reused_after_its_dossier_is_deleted(call, alice):
    reference = application_next_reference(call=call)
    f.ApplicationFactory(call=call, reference=reference, created_by=alice).delete()
    assert application_next_reference(call=call) == f"{call.application_prefix}-0002"


def test_each_call_numbers_its_own_references(db):
    first = f.CallFactory(application_prefix="FSE-213-2026")
    second = f.CallFactory(application_prefix="ERASMUS-KA2-2026")
    assert application_next_reference(call=first) == "FSE-213-2026-0001"
    assert application_next_reference(call=first) == "FSE-213-2026-0002"
    assert application_next_reference(call=second) == "ERASMUS-KA2-2026-0001"
    assert application_next_reference(call=first) == "FSE-213-2026-0003"


# Call window ------------------------------------------------------------------------------


def call_between(opens_at: dt.datetime, closes_at: dt.datetime) -> Call:
    return Call(opens_at=opens_at, closes_at=closes_at)


OPENS = dt.datetime(2026, 9, 1, 9, 0, tzinfo=PARIS)
CLOSES = dt.datetime(2026, 12, 1, 0, 30, tzinfo=PARIS)  # 2026-11-30 23:30 UTC
SECOND = dt.timedelta(seconds=1)


@pytest.mark.parametrize(
    ("when", "status"),
    [
        (OPENS - SECOND, CallStatus.UPCOMING),
        (OPENS, CallStatus.OPEN),
        (CLOSES - SECOND, CallStatus.OPEN),
        (CLOSES, CallStatus.CLOSED),
        (CLOSES + SECOND, CallStatus.CLOSED),
    ],
    ids=["before-opening", "at-opening", "last-second", "at-closing", "after-closing"],
)
def test_a_call_is_upcoming_then_open_then_closed_at_its_instants(when, status):
    assert call_between(OPENS, CLOSES).status_at(when) == status


@pytest.mark.parametrize(
    ("now_utc", "days"),
    [
        # 2026-12-01 00:00 in Paris: the closing day itself.
        (dt.datetime(2026, 11, 30, 23, 0, tzinfo=UTC), 0),
        # 2026-11-30 23:00 in Paris: one day left, though it is the same day in UTC.
        (dt.datetime(2026, 11, 30, 22, 0, tzinfo=UTC), 1),
        # 2026-11-30 00:30 in Paris, still 2026-11-29 in UTC.
        (dt.datetime(2026, 11, 29, 23, 30, tzinfo=UTC), 1),
        # 2026-11-21 10:00 in Paris.
        (dt.datetime(2026, 11, 21, 9, 0, tzinfo=UTC), 10),
    ],
)
def test_the_days_left_are_counted_in_paris_calendar_days(now_utc, days):
    assert call_between(OPENS, CLOSES).days_left(now_utc) == days


@pytest.mark.parametrize("when", [OPENS - SECOND, CLOSES, CLOSES + dt.timedelta(days=1)])
def test_there_are_no_days_left_when_the_call_is_not_open(when):
    assert call_between(OPENS, CLOSES).days_left(when) is None


# Measures ---------------------------------------------------------------------------------


def test_the_operation_types_are_the_lines_without_their_bullets():
    measure = Measure(
        operation_types=(
            "- Accompagnement renforcé vers l'emploi\n"
            "• Ingénierie de parcours\n"
            "\n"
            "   \n"
            "  Actions de remobilisation  \r\n"
            "\t-\tMise en réseau des acteurs"
        )
    )
    assert measure.operation_type_list == [
        "Accompagnement renforcé vers l'emploi",
        "Ingénierie de parcours",
        "Actions de remobilisation",
        "Mise en réseau des acteurs",
    ]


def test_a_measure_without_operation_types_has_an_empty_list():
    assert Measure(operation_types="").operation_type_list == []


def test_a_measure_refuses_an_unknown_legal_type_and_names_it():
    measure = Measure(eligible_legal_types=[LegalType.ASSOCIATION, "sarl", "club"])
    with pytest.raises(ValidationError) as excinfo:
        measure.clean()
    message = excinfo.value.message_dict["eligible_legal_types"][0]
    assert "club, sarl" in message


def test_a_measure_with_known_legal_types_is_clean():
    Measure(eligible_legal_types=[LegalType.ASSOCIATION, LegalType.MISSION_LOCALE]).clean()
