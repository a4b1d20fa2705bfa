"""Every authenticated answer tells the browser to keep nothing (``Cache-Control: no-store``), so
Back after a tablet hand-off asks the server and meets the hand-off lock (issue 13, point 2;
the real-browser test is tests/browser/test_back_after_handoff.py)."""

from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import Client as Browser
from django.test import RequestFactory
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import http_date

from alliance.api.models import Scope
from alliance.api.services import token_create
from alliance.care.models import SessionStatus
from alliance.no_store import NoStoreMiddleware
from tests.factories import PASSWORD

RANGE = {"date_from": "2026-01-01", "date_to": "2026-12-31"}


def directives(answer: HttpResponse) -> set[str]:
    return {part.strip() for part in answer.get("Cache-Control", "").split(",") if part.strip()}


def logged_in(user: object) -> Browser:
    browser = Browser()
    assert browser.login(username=user.username, password=PASSWORD)  # type: ignore[attr-defined]
    return browser


def _report(clinic: SimpleNamespace, fmt: str) -> str:
    query = urlencode({"organisation": clinic.org.name, "clinician": "clinician", **RANGE})
    return f"{reverse('reports:download', args=[fmt])}?{query}"


PAGES = {
    "the caseload": lambda c: reverse("clinic:caseload"),
    "a client's episode": lambda c: reverse("clinic:episode", args=[c.episode.pk]),
    "a session": lambda c: reverse("clinic:session", args=[c.session.pk]),
    "the report page": lambda c: reverse("reports:home"),
    "a CSV download": lambda c: _report(c, "csv"),
    "a JSON download": lambda c: _report(c, "json"),
    "a PDF download": lambda c: _report(c, "pdf"),
    "the API token page": lambda c: reverse("tokens:list"),
    "the two-factor page": lambda c: reverse("accounts:two_factor"),
}


@pytest.mark.parametrize("kind", PAGES)
def test_every_staff_page_and_download_is_no_store(clinic: SimpleNamespace, kind: str) -> None:
    answer = logged_in(clinic.clinician).get(PAGES[kind](clinic))
    assert answer.status_code == 200
    assert "no-store" in directives(answer)
    assert "public" not in directives(answer)


def test_rest_and_fhir_answers_are_no_store(clinic: SimpleNamespace) -> None:
    secret = token_create(user=clinic.clinician, name="t", scope=Scope.READ).secret
    api = Browser(headers={"Authorization": f"Bearer {secret}"})
    for url in (
        "/api/v1/clients",
        f"/api/v1/sessions/{clinic.session.pk}",
        "/fhir/Patient",
        f"/fhir/Encounter/{clinic.session.pk}",
    ):
        answer = api.get(url)
        assert answer.status_code == 200, url
        assert "no-store" in directives(answer), url
    # Refusals too: what a wrong token sees is nobody's business either.
    for url in ("/api/v1/clients", "/fhir/Patient"):
        assert "no-store" in directives(Browser().get(url)), url


def test_the_hand_off_and_its_lock_are_no_store(clinic: SimpleNamespace) -> None:
    clinic.session.status = SessionStatus.SCHEDULED
    clinic.session.save(update_fields=["status"])
    browser = logged_in(clinic.clinician)
    started = browser.post(
        reverse("portal:invite", args=[clinic.session.pk]), {"measure": "ors", "channel": "tablet"}
    )
    assert started.status_code == 302 and "no-store" in directives(started)
    assert "no-store" in directives(browser.get(reverse("portal:tablet")))
    locked = browser.get(reverse("clinic:caseload"))  # sent back to the client's form
    assert locked.status_code == 302 and locked["Location"] == reverse("portal:tablet")
    assert "no-store" in directives(locked)


def test_the_hand_off_tells_its_script_where_to_go_instead_of_redirecting(
    clinic: SimpleNamespace,
) -> None:
    clinic.session.status = SessionStatus.SCHEDULED
    clinic.session.save(update_fields=["status"])
    answer = logged_in(clinic.clinician).post(
        reverse("portal:invite", args=[clinic.session.pk]),
        {"measure": "ors", "channel": "tablet"},
        headers={"X-Alliance-History": "replace"},
    )
    assert answer.status_code == 200
    assert answer.json() == {"location": reverse("portal:tablet")}
    assert "no-store" in directives(answer)


def _through_the_middleware(user: object, path: str = "/caseload/") -> HttpResponse:
    def view_with_its_own_caching(request: object) -> HttpResponse:
        response = HttpResponse("a clinical page")
        patch_cache_control(response, public=True, max_age=3600)
        response["Expires"] = http_date(4_102_444_800)  # 2100
        return response

    request = RequestFactory().get(path)
    request.user = user  # type: ignore[assignment]
    return NoStoreMiddleware(view_with_its_own_caching)(request)  # type: ignore[return-value]


def test_a_views_own_caching_headers_are_overridden(clinic: SimpleNamespace) -> None:
    answer = _through_the_middleware(clinic.clinician)
    assert {"no-store", "no-cache", "private", "max-age=0"} <= directives(answer)
    assert "public" not in directives(answer) and "max-age=3600" not in directives(answer)
    assert "2100" not in answer["Expires"]


def test_anonymous_pages_and_static_files_keep_their_own_caching(clinic: SimpleNamespace) -> None:
    assert "no-store" not in directives(_through_the_middleware(AnonymousUser()))
    static = _through_the_middleware(clinic.clinician, "/static/alliance/alliance.css")
    assert "no-store" not in directives(static)
