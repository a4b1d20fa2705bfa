"""The navigation: Caseload for everyone signed in, Administration only for administrators."""

from types import SimpleNamespace

import pytest
from django.test import Client as Browser
from django.urls import reverse

from tests.factories import PASSWORD


def _page(username: str) -> str:
    browser = Browser()
    assert browser.login(username=username, password=PASSWORD)
    return browser.get(reverse("clinic:caseload")).content.decode()


def test_an_administrator_sees_the_administration_link(clinic: SimpleNamespace) -> None:
    assert f'href="{reverse("admin:index")}"' in _page("administrator")


@pytest.mark.parametrize("role", ["clinician", "supervisor", "outsider"])
def test_other_roles_do_not(clinic: SimpleNamespace, role: str) -> None:
    assert 'href="/admin/"' not in _page(getattr(clinic, role).username)


def test_being_django_staff_without_the_administrator_role_is_not_enough(
    clinic: SimpleNamespace,
) -> None:
    clinic.clinician.is_staff = True
    clinic.clinician.save(update_fields=["is_staff"])
    assert 'href="/admin/"' not in _page("clinician")


def test_the_current_page_is_marked_in_the_navigation(clinic: SimpleNamespace) -> None:
    assert f'href="{reverse("clinic:caseload")}" aria-current="page"' in _page("clinician")


def test_the_navigation_switches_the_language(clinic: SimpleNamespace) -> None:
    browser = Browser()
    assert browser.login(username="clinician", password=PASSWORD)
    page = browser.get(reverse("clinic:caseload")).content.decode()
    assert '<option value="nl" lang="nl">Nederlands</option>' in page
    browser.post(reverse("set_language"), {"language": "nl", "next": reverse("clinic:caseload")})
    assert '<html lang="nl">' in browser.get(reverse("clinic:caseload")).content.decode()
