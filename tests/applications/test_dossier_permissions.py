"""Every page and file of a dossier, walked from the URL configuration itself (a page
added later is covered without editing this test): an unrelated organisation's member gets
404 on each, for GET and POST; once submitted, no page changes the dossier."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from applications import urls as dossier_urls
from applications.models import Application, Attachment, SectionVersion
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def full_dossier(dossier, alice):
    lead = dossier.partners.get(number=1)
    f.WorkPackageFactory(application=dossier, number=1, lead_partner=lead)
    f.BudgetLineFactory(partner=lead)
    f.CofinancingFactory(partner=lead)
    f.IndicatorFactory(application=dossier)
    attachment = f.AttachmentFactory(application=dossier, partner=None)
    attachment.file.save("statuts.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
    f.InvitationFactory(application=dossier, invited_by=alice)
    return dossier


def _dossier_urls(application):
    primary_keys = {
        "invitation_cancel": application.invitations.get().pk,
        "attachment_download": Attachment.objects.get(application=application).pk,
        "attachment_delete": Attachment.objects.get(application=application).pk,
    }
    urls = []
    for pattern in dossier_urls.dossier:
        kwargs = {"reference": application.reference}
        for name in pattern.pattern.converters:
            kwargs[name] = primary_keys[pattern.name] if name == "pk" else 1
        urls.append(reverse(f"applications:{pattern.name}", kwargs=kwargs))
    return urls


def test_the_walk_covers_every_page_of_a_dossier(full_dossier):
    urls = _dossier_urls(full_dossier)
    assert len(urls) == len(dossier_urls.dossier) == 24
    assert any("/pieces/" in url and url.rstrip("/").split("/")[-1].isdigit() for url in urls)


def test_an_unrelated_member_gets_404_on_every_page_and_file(client, charlie, full_dossier):
    client.force_login(charlie)
    for url in _dossier_urls(full_dossier):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"version": "0"}).status_code == 404, url


def test_an_anonymous_visitor_is_sent_to_log_in_everywhere(client, full_dossier):
    for url in _dossier_urls(full_dossier):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


def test_nothing_changes_a_submitted_dossier_from_its_pages(client, alice, bob, full_dossier):
    Application.objects.filter(pk=full_dossier.pk).update(status="submitted")
    before = (
        Application.objects.filter(pk=full_dossier.pk).values().get(),
        list(full_dossier.partners.values()),
        list(Attachment.objects.filter(application=full_dossier).values("pk", "file")),
    )
    for user in (alice, bob):
        client.force_login(user)
        for url in _dossier_urls(full_dossier):
            if url.endswith(("/depot/", "/retrait/", "/copier/")):
                continue  # submitting, withdrawing and copying are their own tests
            response = client.post(url, {"version": "0", "acronym": "CHANGED", "context": "x"})
            assert response.status_code in (403, 405, 409), (url, response.status_code)
    after = (
        Application.objects.filter(pk=full_dossier.pk).values().get(),
        list(full_dossier.partners.values()),
        list(Attachment.objects.filter(application=full_dossier).values("pk", "file")),
    )
    assert after == before
    assert not SectionVersion.objects.filter(application=full_dossier).exists()
