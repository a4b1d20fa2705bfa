"""Every named URL is either audited or marked as showing no clinical data; walking the
clinical pages as the clinician leaves exactly one event each, with the right details."""

from types import SimpleNamespace

import pytest
from django.urls import get_resolver

from alliance.audit.models import Action, Via
from alliance.audit.registry import CLINICAL, NOT_CLINICAL
from tests.audit.conftest import request_events
from tests.platform.test_urls_by_role import PAGES, _named_patterns

# The role table's staff GET pages that show clinical data, by their route (entries such as
# "reports:home (team)" are the same route with other arguments). The clients' portal pages
# are walked in test_portal_events.py, each with an invitation.
CLINICAL_PAGES = sorted(
    page
    for page in PAGES
    if page.split(" ")[0] in CLINICAL and not CLINICAL[page.split(" ")[0]].portal
)
URL_KWARGS_OF_RECORDS = {
    "episode": lambda c: c.episode.pk,
    "session": lambda c: c.session.pk,
    "clinician": lambda c: c.clinician.pk,
}


def test_every_named_url_is_audited_or_marked_not_clinical() -> None:
    named = _named_patterns(get_resolver())
    unknown = named - set(CLINICAL) - set(NOT_CLINICAL)
    assert unknown == set(), f"add to alliance/audit/registry.py: {sorted(unknown)}"


def test_no_url_is_both_audited_and_not_clinical() -> None:
    assert set(CLINICAL) & set(NOT_CLINICAL) == set()


def test_the_registry_names_no_url_that_is_gone() -> None:
    named = _named_patterns(get_resolver())
    assert (set(CLINICAL) | set(NOT_CLINICAL)) - named == set()


def test_the_walk_covers_every_kind_of_staff_page() -> None:
    assert {"clinic:episode", "clinic:session", "care:reflection", "reports:download"} <= {
        page.split(" ")[0] for page in CLINICAL_PAGES
    }


@pytest.mark.parametrize("page", CLINICAL_PAGES)
def test_each_clinical_page_records_one_event_as_the_clinician(
    clinic: SimpleNamespace, browser_as, page: str
) -> None:  # type: ignore[no-untyped-def]
    build_url, expected = PAGES[page]
    url = build_url(clinic)
    browser = browser_as("clinician")
    before = len(request_events())
    response = browser.get(url, REMOTE_ADDR="192.0.2.7")
    assert response.status_code == expected["clinician"]
    events = request_events()[before:]
    assert len(events) == 1, page
    event = events[0]
    route = page.split(" ")[0]
    rule = CLINICAL[route]
    assert (event.actor, event.actor_name, event.via) == (clinic.clinician, "clinician", Via.PAGE)
    assert event.action == (Action.EXPORT if route == "reports:download" else Action.VIEW)
    assert (event.route, event.method, event.status) == (route, "GET", response.status_code)
    assert event.object_kind == rule.kind
    if rule.kind in URL_KWARGS_OF_RECORDS:
        assert event.object_id == URL_KWARGS_OF_RECORDS[rule.kind](clinic)
    assert event.address == "192.0.2.7"
    assert event.organisation_id == clinic.org.pk


def test_a_page_about_a_client_names_the_client_and_nothing_of_what_it_showed(
    clinic: SimpleNamespace, browser_as
) -> None:  # type: ignore[no-untyped-def]
    browser_as("clinician").get(PAGES["clinic:episode"][0](clinic), HTTP_USER_AGENT="Firefox")
    [event] = request_events()
    assert event.client_id == clinic.episode.client_id
    assert event.user_agent == "Firefox"
    stored = " ".join(str(value) for value in vars(event).values())
    assert clinic.episode.client.display_name not in stored
    assert clinic.episode.client.code not in stored
