"""What an anonymous visitor sees: the home page, a call, the list of calls, the programmes,
the language switch and logging in and out."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from calls.choices import CostModel, PriorityKind, RuleSeverity
from calls.models import CallLumpSum
from tests import factories as f

NBSP = "\u00a0"

pytestmark = pytest.mark.django_db


# --- helpers -------------------------------------------------------------------------------


class PageStructure(HTMLParser):
    """The landmarks, headings, skip link and form controls of a page, and which controls
    have a label."""

    def __init__(self):
        super().__init__()
        self.tags: dict[str, int] = {}
        self.main_ids: list[str | None] = []
        self.links: list[str] = []
        self.label_for: set[str] = set()
        self.controls: list[dict[str, str | None]] = []
        self.html_lang: str | None = None
        self._open_labels = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags[tag] = self.tags.get(tag, 0) + 1
        if tag == "html":
            self.html_lang = attrs.get("lang")
        elif tag == "main":
            self.main_ids.append(attrs.get("id"))
        elif tag == "a":
            self.links.append(attrs.get("href") or "")
        elif tag == "label":
            self._open_labels += 1
            if attrs.get("for"):
                self.label_for.add(attrs["for"])
        elif tag in {"input", "select", "textarea"}:
            if attrs.get("type") in {"hidden", "submit", "button", "reset", "image"}:
                return
            self.controls.append({**attrs, "_wrapped": "yes" if self._open_labels else None})

    def handle_endtag(self, tag):
        if tag == "label":
            self._open_labels = max(0, self._open_labels - 1)

    def unlabelled_controls(self) -> list[dict]:
        return [
            control
            for control in self.controls
            if not (
                control.get("_wrapped")
                or control.get("aria-label")
                or control.get("aria-labelledby")
                or (control.get("id") and control["id"] in self.label_for)
            )
        ]


def parse(response) -> PageStructure:
    page = PageStructure()
    page.feed(response.content.decode())
    return page


def text(response) -> str:
    return response.content.decode()


def open_call(**kwargs):
    authority = kwargs.pop(
        "authority",
        f.AuthorityFactory(
            name="Valenciennes Métropole",
            street="2 place de l'Hôpital général",
            postcode="59300",
            city="Valenciennes",
            email="fse@valenciennes-metropole.example.fr",
            phone="03 27 09 62 00",
        ),
    )
    fund = kwargs.pop("fund", f.FundFactory(code="fse-plus", name="Fonds social européen +"))
    programme = kwargs.pop(
        "programme",
        f.ProgrammeFactory(fund=fund, name="Programme national FSE+", managing_authority=authority),
    )
    return f.CallFactory(programme=programme, authority=authority, **kwargs)


def a_detailed_call():
    """A lump-sum call with one measure, rules, criteria, priorities and documents."""
    call = open_call(
        title="Inclusion active dans le Valenciennois",
        reference="FSE-213-2026",
        cost_model=CostModel.LUMP_SUM,
        max_cofinancing_rate=Decimal("60.00"),
        min_total_score=Decimal("30"),
        min_duration_months=12,
        max_duration_months=36,
    )
    axis = f.AxisFactory(programme=call.programme, code="4", name="Inclusion sociale")
    public = f.TargetGroupFactory(
        programme=call.programme, name="Demandeurs d'emploi de longue durée"
    )
    measure = f.MeasureFactory(
        axis=axis,
        code="213",
        name="Parcours intégrés d'accès à l'emploi",
        purposes="Favoriser le retour à l'emploi des personnes les plus éloignées.",
        operation_types="Accompagnement renforcé\nIngénierie de parcours",
        selection_priorities="Quartiers prioritaires de la ville",
        eligible_organisations="Les structures porteuses d'un PLIE.",
    )
    measure.target_groups.add(public)
    call.measures.add(measure)
    call.priorities.add(
        f.PriorityFactory(
            programme=call.programme, kind=PriorityKind.HORIZONTAL, name="Inclusion et diversité"
        ),
        f.PriorityFactory(
            programme=call.programme,
            kind=PriorityKind.SECTORAL,
            sector="Enseignement et formation professionnels",
            name="Adapter la formation aux besoins du marché du travail",
        ),
    )
    for amount in ("120000", "250000", "400000"):
        CallLumpSum.objects.create(call=call, amount=Decimal(amount))
    f.EligibilityRuleFactory(
        call=call, explanation="Au moins 3 organisations de 3 pays différents.", position=1
    )
    f.EligibilityRuleFactory(
        call=call,
        severity=RuleSeverity.WARNING,
        explanation="Le projet devrait commencer dans les six mois.",
        position=2,
    )
    f.EligibilityRuleFactory(call=call, explanation="Règle désactivée.", is_active=False)
    f.AssessmentCriterionFactory(
        call=call, name="Pertinence du projet", max_score=Decimal("25"), threshold=Decimal("13")
    )
    f.AssessmentCriterionFactory(
        call=call, name="Qualité de la conception", max_score=Decimal("30"), threshold=None
    )
    call.required_document_types.add(
        f.DocumentTypeFactory(code="statuts", name="Statuts de l'organisation"),
        f.DocumentTypeFactory(code="rib", name="Relevé d'identité bancaire"),
    )
    return call


# --- home page -----------------------------------------------------------------------------


def test_the_home_page_lists_an_open_call_with_its_fund_programme_authority_and_deadline(client):
    call = open_call(
        title="Inclusion active dans le Valenciennois",
        closes_at=timezone.now() + dt.timedelta(days=12),
    )

    response = client.get(reverse("home"))

    assert response.status_code == 200
    page = text(response)
    open_section = page.split('id="open-calls"')[1].split('id="upcoming-calls"')[0]
    assert "Inclusion active dans le Valenciennois" in open_section
    assert reverse("calls:detail", args=[call.reference]) in open_section
    assert "Fonds social européen +" in page  # the funds' list
    assert call.programme.fund.short_name in open_section
    assert "Programme national FSE+" in open_section
    assert "Valenciennes Métropole" in open_section
    closing = timezone.localtime(call.closes_at)  # Europe/Paris
    assert f"{closing:%H:%M}" in open_section
    assert str(closing.year) in open_section
    assert "12 jours restants" in open_section
    assert "J-12" in open_section


def test_the_home_page_keeps_upcoming_closed_and_unpublished_calls_out_of_the_open_section(
    client,
):
    now = timezone.now()
    open_call(title="Appel ouvert en ce moment")
    open_call(
        title="Appel qui ouvrira bientôt",
        opens_at=now + dt.timedelta(days=5),
        closes_at=now + dt.timedelta(days=40),
    )
    open_call(
        title="Appel déjà clos",
        opens_at=now - dt.timedelta(days=60),
        closes_at=now - dt.timedelta(days=1),
    )
    open_call(title="Appel en préparation", is_published=False)

    page = text(client.get(reverse("home")))

    open_section = page.split('id="open-calls"')[1].split('id="upcoming-calls"')[0]
    upcoming_section = page.split('id="upcoming-calls"')[1].split('id="closed-calls"')[0]
    assert "Appel ouvert en ce moment" in open_section
    assert "Appel qui ouvrira bientôt" not in open_section
    assert "Appel qui ouvrira bientôt" in upcoming_section
    assert "Appel déjà clos" not in page
    assert "1 appel à projets est clos." in page
    assert reverse("calls:list") + "?status=closed" in page
    assert "Appel en préparation" not in page


def test_the_home_page_runs_as_many_queries_for_ten_open_calls_as_for_two(client):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("home"))
        assert response.status_code == 200
        return len(queries)

    for _ in range(2):
        open_call()
    with_two = count_queries()
    for _ in range(8):
        open_call()
    f.CallFactory(
        opens_at=timezone.now() + dt.timedelta(days=3),
        closes_at=timezone.now() + dt.timedelta(days=30),
    )

    assert count_queries() == with_two
    # open calls, upcoming calls, count of closed calls, funds, their programmes
    assert with_two == 5


# --- a call's page -------------------------------------------------------------------------


def test_the_call_page_shows_measures_rules_criteria_lump_sums_rate_and_documents(client):
    call = a_detailed_call()

    response = client.get(reverse("calls:detail", args=[call.reference]))

    assert response.status_code == 200
    page = text(response)
    assert "<h1>Inclusion active dans le Valenciennois</h1>" in page
    assert "FSE-213-2026" in page
    assert "Ouvert" in page
    # the receiving authority with its address and contact
    assert "2 place de l&#x27;Hôpital général" in page
    assert "59300 Valenciennes" in page
    assert "fse@valenciennes-metropole.example.fr" in page
    # the measure, its operation types, target groups, selection priorities, organisations
    assert "Mesure 213 — Parcours intégrés d&#x27;accès à l&#x27;emploi" in page
    assert "Favoriser le retour à l&#x27;emploi des personnes les plus éloignées." in page
    assert "<li>Accompagnement renforcé</li>" in page
    assert "<li>Ingénierie de parcours</li>" in page
    assert "Demandeurs d&#x27;emploi de longue durée" in page
    assert "Concentration recherchée" in page
    assert "Quartiers prioritaires de la ville" in page
    assert "Les structures porteuses d&#x27;un PLIE." in page
    assert "Association (loi 1901)" in page
    # priorities, grouped
    assert "Priorité horizontale" in page
    assert "Priorité sectorielle — Enseignement et formation professionnels" in page
    # cost model: lump sums the French way, the rate, the durations, the envelope
    assert f"120{NBSP}000{NBSP}€" in page
    assert f"250{NBSP}000{NBSP}€" in page
    assert f"400{NBSP}000{NBSP}€" in page
    assert f"60{NBSP}%" in page
    assert "de 12 à 36 mois" in page
    assert f"1{NBSP}000{NBSP}000,00{NBSP}€" in page
    # eligibility rules in plain French, with their severity; inactive ones are not shown
    assert "Au moins 3 organisations de 3 pays différents." in page
    assert "Le projet devrait commencer dans les six mois." in page
    assert "Bloquante" in page
    assert "Avertissement" in page
    assert "Règle désactivée." not in page
    # criteria with their maximum score and threshold, and the minimum total
    assert "Pertinence du projet" in page
    assert '<td class="number">25</td>' in page
    assert '<td class="number">13</td>' in page
    assert "Qualité de la conception" in page
    assert '<td class="number">30</td>' in page
    assert "au moins 30 points sur 55" in page
    # required documents
    assert "Statuts de l&#x27;organisation" in page
    assert "Relevé d&#x27;identité bancaire" in page
    # the way to apply on an open call (visitors log in on the way)
    assert "Déposer un dossier" in page
    assert reverse("applications:start", args=[call.reference]) in page


def test_the_call_page_of_a_real_costs_call_says_so(client):
    call = open_call(cost_model=CostModel.REAL_COSTS, max_cofinancing_rate=Decimal("62.50"))

    page = text(client.get(reverse("calls:detail", args=[call.reference])))

    assert "Coûts réels" in page
    assert f"62,5{NBSP}%" in page


def test_the_call_page_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    call = a_detailed_call()
    # call; measures; their target groups; priorities; target groups; lump sums; rules;
    # criteria; documents
    with django_assert_max_num_queries(9):
        client.get(reverse("calls:detail", args=[call.reference]))


def test_an_unknown_call_is_not_found(client):
    response = client.get(reverse("calls:detail", args=["AAP-0000-404"]))

    assert response.status_code == 404
    assert "Page introuvable" in text(response)


def test_an_unpublished_call_is_not_found(client):
    call = open_call(is_published=False)

    response = client.get(reverse("calls:detail", args=[call.reference]))

    assert response.status_code == 404


# --- the list of calls ---------------------------------------------------------------------


def test_the_list_of_calls_filters_by_status(client):
    now = timezone.now()
    open_call(title="Appel ouvert en ce moment")
    open_call(
        title="Appel déjà clos",
        opens_at=now - dt.timedelta(days=60),
        closes_at=now - dt.timedelta(days=1),
    )
    open_call(title="Appel en préparation", is_published=False)

    everything = text(client.get(reverse("calls:list")))
    closed = text(client.get(reverse("calls:list"), {"status": "closed"}))
    opened = text(client.get(reverse("calls:list"), {"status": "open"}))

    assert "Appel ouvert en ce moment" in everything
    assert "Appel déjà clos" in everything
    assert "Appel en préparation" not in everything
    assert "Appel déjà clos" in closed
    assert "Appel ouvert en ce moment" not in closed
    assert "Appel ouvert en ce moment" in opened
    assert "Appel déjà clos" not in opened


def test_the_list_of_calls_filters_by_fund(client):
    open_call(title="Appel FSE+")
    erasmus = f.FundFactory(code="erasmus-plus", name="Erasmus+", short_name="Erasmus+")
    open_call(title="Partenariats de coopération", fund=erasmus)

    page = text(client.get(reverse("calls:list"), {"fund": "erasmus-plus"}))

    assert "Partenariats de coopération" in page
    assert "Appel FSE+" not in page


@pytest.mark.parametrize(
    "query",
    [{"status": "bientôt"}, {"fund": "no-such-fund"}, {"status": "x", "fund": "", "page": "z"}],
)
def test_the_list_of_calls_ignores_a_bad_filter_value(client, query):
    open_call(title="Appel ouvert en ce moment")

    response = client.get(reverse("calls:list"), query)

    assert response.status_code == 200
    assert "Appel ouvert en ce moment" in text(response)


def test_the_list_of_calls_runs_as_many_queries_for_ten_calls_as_for_two(client):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("calls:list"), {"status": "open", "fund": "fse-plus"})
        return len(queries)

    fund = f.FundFactory(code="fse-plus")
    for _ in range(2):
        open_call(fund=fund)
    with_two = count_queries()
    for _ in range(8):
        open_call(fund=fund)

    assert count_queries() == with_two


# --- programmes ----------------------------------------------------------------------------


def test_the_programme_pages_show_axes_measures_and_published_calls(client):
    call = a_detailed_call()
    open_call(programme=call.programme, title="Appel non publié", is_published=False)
    programme = call.programme

    listing = text(client.get(reverse("calls:programme_list")))
    response = client.get(reverse("calls:programme_detail", args=[programme.code]))

    assert "Programme national FSE+" in listing
    assert reverse("calls:programme_detail", args=[programme.code]) in listing
    assert response.status_code == 200
    page = text(response)
    assert "<h1>Programme national FSE+</h1>" in page
    assert "Fonds social européen +" in page
    assert "2021–2027" in page
    assert "Valenciennes Métropole" in page
    assert "Axe 4 — Inclusion sociale" in page
    assert "Mesure 213 — Parcours intégrés d&#x27;accès à l&#x27;emploi" in page
    assert "<li>Accompagnement renforcé</li>" in page
    assert "Demandeurs d&#x27;emploi de longue durée" in page
    assert "Inclusion et diversité" in page
    assert "Inclusion active dans le Valenciennois" in page
    assert "Appel non publié" not in page


def test_an_unknown_programme_is_not_found(client):
    assert client.get(reverse("calls:programme_detail", args=["nope"])).status_code == 404


# --- languages -----------------------------------------------------------------------------


def test_the_home_page_in_dutch_translates_the_interface(client):
    open_call()

    response = client.get("/nl/")

    page = parse(response)
    assert page.html_lang == "nl"
    assert "Openstaande oproepen" in text(response)
    assert "Naar de inhoud" in text(response)
    assert "nog 20 dagen" in text(response)


def test_the_home_page_in_english_translates_the_interface(client):
    open_call()

    response = client.get("/en/")

    page = parse(response)
    assert page.html_lang == "en"
    assert "Open calls" in text(response)
    assert "Skip to content" in text(response)
    assert "20 days left" in text(response)


def test_the_call_page_in_english_formats_money_the_english_way(client):
    call = a_detailed_call()

    page = text(client.get(f"/en/appels/{call.reference}/"))

    assert "€120,000" in page
    assert "€1,000,000.00" in page
    assert "Blocking" in page


def test_choosing_a_language_switches_the_pages_to_it(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/appels/"})

    assert response.status_code == 302
    assert response["Location"] == "/en/appels/"
    assert "Calls for proposals" in text(client.get(response["Location"]))


def test_the_language_switch_from_a_dutch_page_leads_to_the_english_page(client):
    page = text(client.get("/nl/appels/"))
    assert 'name="next" value="/appels/"' in page

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/appels/"})

    assert response["Location"] == "/en/appels/"


def test_choosing_french_again_leads_back_to_the_unprefixed_page(client):
    client.post("/i18n/setlang/", {"language": "nl", "next": "/"})

    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/programmes/"})

    assert response["Location"] == "/programmes/"
    assert '<html lang="fr">' in text(client.get("/programmes/"))


# --- logging in and out --------------------------------------------------------------------


def test_the_login_page_asks_for_an_email_and_a_password(client):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    page = text(response)
    assert "Adresse e-mail" in page
    assert 'type="email"' in page
    assert 'type="password"' in page


def test_a_wrong_password_is_refused_with_a_message_in_french(client):
    f.UserFactory(email="alice@a.example.org")

    response = client.post(
        reverse("login"), {"username": "alice@a.example.org", "password": "wrong-password"}
    )

    assert response.status_code == 200
    assert "Adresse e-mail ou mot de passe incorrect." in text(response)
    assert 'role="alert"' in text(response)
    assert "_auth_user_id" not in client.session


def test_the_right_password_logs_in_and_the_layout_offers_to_log_out(client):
    f.UserFactory(email="alice@a.example.org", first_name="Alice", last_name="Martin")

    response = client.post(
        reverse("login"),
        {"username": "alice@a.example.org", "password": "correct-horse-battery"},
        follow=True,
    )

    page = text(response)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "Alice Martin" in page
    assert f'action="{reverse("logout")}" method="post"' in page
    assert "Se déconnecter" in page
    assert "Vous êtes connecté." in page


def test_logging_out_is_a_post_and_says_so(client):
    user = f.UserFactory()
    client.force_login(user)

    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"), follow=True)

    assert "_auth_user_id" not in client.session
    assert "Vous êtes déconnecté." in text(response)
    assert "Se connecter" in text(response)


# --- the structure of every page -----------------------------------------------------------


def every_public_page() -> list[str]:
    call = a_detailed_call()
    return [
        reverse("home"),
        reverse("calls:list"),
        reverse("calls:list") + "?status=open",
        reverse("calls:detail", args=[call.reference]),
        reverse("calls:programme_list"),
        reverse("calls:programme_detail", args=[call.programme.code]),
        reverse("login"),
        "/nl/",
        "/en/appels/",
    ]


def test_every_page_has_one_main_one_h1_a_skip_link_and_labelled_controls(client):
    for url in every_public_page():
        response = client.get(url)
        assert response.status_code == 200, url
        page = parse(response)
        assert page.tags.get("main") == 1, url
        assert page.main_ids == ["contenu"], url
        assert page.tags.get("h1") == 1, url
        assert page.links[0] == "#contenu", url
        assert page.html_lang in {"fr", "nl", "en"}, url
        assert page.controls, url  # at least the language switch
        assert page.unlabelled_controls() == [], url


def test_the_login_page_with_an_error_keeps_its_structure(client):
    response = client.post(reverse("login"), {"username": "nobody@example.org", "password": "x"})

    page = parse(response)
    assert page.tags.get("main") == 1
    assert page.tags.get("h1") == 1
    assert page.unlabelled_controls() == []


def test_the_layout_loads_the_stylesheet_and_htmx_without_inline_scripts(client):
    page = text(client.get(reverse("home")))

    assert "/static/css/portal.css" in page
    assert '<script src="/static/vendor/htmx/htmx.min.js" defer></script>' in page
    assert "<script>" not in page
    assert "style=" not in page


def test_an_anonymous_visitor_is_offered_to_create_an_account(client, db):
    html = client.get("/").content.decode()
    assert 'href="/compte/inscription/"' in html
    assert "Mes organisations" not in html


def test_a_logged_in_person_reaches_their_organisations_from_the_menu(client, alice):
    client.force_login(alice)
    html = client.get("/organisations/").content.decode()
    assert '<a href="/organisations/" aria-current="page">Mes organisations</a>' in html
    assert 'href="/compte/inscription/"' not in html
