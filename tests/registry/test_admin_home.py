"""The admin's home page: every section under a name of its own, the records of processing
one click away, and the request list that fits a laptop's screen."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from gdpr.admin.requests import DataSubjectRequestAdmin
from gdpr.models import DataSubjectRequest
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_it_names_every_app_and_model_of_the_admin_home_once(client, language):
    superuser = StaffFactory(preferred_language=language)
    request = RequestFactory().get("/admin/")
    request.user = superuser
    with translation.override(language):
        app_list = admin.site.get_app_list(request)
        apps = [str(app["name"]) for app in app_list]
        models = [str(model["name"]) for app in app_list for model in app["models"]]
    assert len(apps) == len(set(apps)), apps
    assert len(models) == len(set(models)), models
    client.force_login(superuser)
    page = unescape(client.get(reverse("admin:index")).content.decode())
    captions = re.findall(r'<caption>\s*<a [^>]*class="section"[^>]*>([^<]+)</a>', page)
    assert len(captions) == len(set(captions)) > 5, captions


def test_it_names_the_users_and_their_email_addresses_apart_in_finnish(client):
    superuser = StaffFactory(preferred_language="fi")
    client.force_login(superuser)
    page = client.get(reverse("admin:index")).content.decode()
    assert page.count(">Käyttäjätilit<") <= 1
    assert ">Käyttäjät<" in page


def test_it_links_the_records_of_processing_from_the_admin_home(client):
    client.force_login(StaffFactory(preferred_language="fi"))
    page = client.get(reverse("admin:index")).content.decode()
    assert f'href="{reverse("gdpr_records")}"' in page
    assert f'href="{reverse("gdpr_records_csv")}"' in page
    assert "Seloste käsittelytoimista (30 art.)" in page
    # Above the apps' list, not lost at its end.
    assert page.index(reverse("gdpr_records")) < page.index('<div class="app-accounts module')


def test_it_shows_the_records_link_only_to_who_may_read_the_records(client):
    clerk = StaffFactory(is_superuser=False, preferred_language="fi")
    client.force_login(clerk)
    page = client.get(reverse("admin:index")).content.decode()
    assert reverse("gdpr_records") not in page


def test_it_keeps_the_request_lists_deadline_among_its_first_columns():
    columns = DataSubjectRequestAdmin.list_display
    assert len(columns) <= 7
    assert columns.index("deadline_display") <= 3
    assert admin.site._registry[DataSubjectRequest].list_display == columns
