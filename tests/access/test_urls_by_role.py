"""Every page, tried as every role: the expected answer for each, and nothing clinical leaks."""

import importlib
import pkgutil
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.test import Client as Browser
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.access.roles import ROLES, each_role_alone
from tests.factories import PASSWORD


def _collect() -> tuple[
    dict[str, tuple[Callable[[SimpleNamespace], str], dict[str, int]]], set[str]
]:
    pages: dict[str, tuple[Callable[[SimpleNamespace], str], dict[str, int]]] = {}
    not_get: set[str] = set()
    for module_info in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if module_info.name.startswith("pages_"):
            module = importlib.import_module(f"tests.access.{module_info.name}")
            pages |= module.PAGES
            not_get |= getattr(module, "NOT_GET_PAGES", set())
    return pages, not_get


# 302 for anonymous means "sent to the log-in page"; 404 means "not yours": the page does not
# reveal whether the record exists.
PAGES, NOT_GET_PAGES = _collect()


def _browser_for(clinic: SimpleNamespace, role: str) -> Browser:
    browser = Browser()
    if role != "anonymous":
        assert browser.login(username=getattr(clinic, role).username, password=PASSWORD)
    return browser


def _named_patterns(resolver: URLResolver, prefix: str = "") -> set[str]:
    names: set[str] = set()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            namespace = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            if entry.namespace != "admin":
                names |= _named_patterns(entry, namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(prefix + entry.name)
    return names


def test_every_named_page_outside_the_admin_is_in_the_role_table() -> None:
    untested = _named_patterns(get_resolver()) - set(PAGES) - NOT_GET_PAGES
    assert untested == set(), f"add these pages to PAGES with each role's answer: {untested}"


@pytest.mark.parametrize("page", sorted(PAGES))
def test_each_role_gets_the_expected_answer(clinic: SimpleNamespace, page: str) -> None:
    build_url, expected = PAGES[page]
    wrong = []
    for role in ROLES:
        with each_role_alone(clinic) as cast:
            response = _browser_for(cast, role).get(build_url(cast))
            if response.status_code != expected[role]:
                wrong.append(f"{role} on {page}: {response.status_code}, not {expected[role]}")
            elif (
                expected[role] == 302
                and role == "anonymous"
                and "/login/" not in response["Location"]
            ):
                wrong.append(f"anonymous on {page} sent to {response['Location']}")
    assert wrong == []


@pytest.mark.parametrize("role", ["colleague", "other_supervisor", "administrator", "outsider"])
def test_the_client_name_never_appears_for_people_off_the_care_team(
    clinic: SimpleNamespace, role: str
) -> None:
    browser = _browser_for(clinic, role)
    for page in ("clinic:caseload", "admin:care_client_changelist"):
        body = browser.get(PAGES[page][0](clinic)).content.decode()
        assert clinic.episode.client.display_name not in body, f"{role} on {page}"


def test_the_clinician_sees_their_client_on_the_caseload(clinic: SimpleNamespace) -> None:
    body = _browser_for(clinic, "clinician").get(reverse("clinic:caseload")).content.decode()
    assert clinic.episode.client.display_name in body


def test_an_administrator_sees_clinical_detail_when_the_organisation_allows_it(
    clinic: SimpleNamespace,
) -> None:
    clinic.org.admin_sees_clinical_data = True
    clinic.org.save(update_fields=["admin_sees_clinical_data"])
    response = _browser_for(clinic, "administrator").get(PAGES["clinic:episode"][0](clinic))
    assert response.status_code == 200


def test_an_administrator_on_the_care_team_sees_that_client(clinic: SimpleNamespace) -> None:
    clinic.episode.care_team.create(member=clinic.administrator, role="team_member")
    response = _browser_for(clinic, "administrator").get(PAGES["clinic:episode"][0](clinic))
    assert response.status_code == 200


def test_logging_out_needs_a_post_and_ends_the_session(clinic: SimpleNamespace) -> None:
    browser = _browser_for(clinic, "clinician")
    assert browser.get(reverse("logout")).status_code == 405
    browser.post(reverse("logout"))
    assert browser.get(reverse("clinic:caseload")).status_code == 302
