"""Every named URL is either audited or marked as showing no clinical data; walking the
clinical pages as the clinician leaves exactly one event each, with the right details."""

from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.urls import get_resolver, reverse

from alliance.audit.models import Action, Via
from alliance.audit.registry import ADMIN_CLINICAL_MODELS, CLINICAL, NOT_CLINICAL
from alliance.care import services
from alliance.care.models import Client
from tests.access.test_urls_by_role import PAGES, _named_patterns
from tests.audit.conftest import request_events

# The role table's staff GET pages that show clinical data, by their route (entries such as
# "reports:home (team)" are the same route with other arguments). The clients' portal pages
# are walked in test_requests.py, each with an invitation.
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


def _admin_url_names() -> set[str]:
    names = set()
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}_"
        names |= {prefix + page for page in ("changelist", "add", "change", "history", "delete")}
    return names


def test_the_registry_names_no_url_that_is_gone() -> None:
    named = _named_patterns(get_resolver()) | _admin_url_names()
    assert (set(CLINICAL) | set(NOT_CLINICAL)) - named == set()


CLINICAL_APPS = {"care", "measures", "feedback"}


def test_every_clinical_model_in_the_admin_is_audited() -> None:
    in_admin = {
        f"{model._meta.app_label}_{model._meta.model_name}"
        for model in admin.site._registry
        if model._meta.app_label in CLINICAL_APPS
    }
    assert in_admin == set(ADMIN_CLINICAL_MODELS)
    for model in in_admin:
        for page in ("changelist", "add", "change", "history", "delete"):
            assert f"admin:{model}_{page}" in CLINICAL


@pytest.fixture
def administrator_who_sees_clinical_data(clinic: SimpleNamespace, browser_as):  # type: ignore[no-untyped-def]
    clinic.org.admin_sees_clinical_data = True
    clinic.org.save(update_fields=["admin_sees_clinical_data"])
    return browser_as("administrator")


@pytest.mark.parametrize("page", ["changelist", "change", "history"])
def test_looking_at_a_client_in_the_admin_records_one_event(
    clinic: SimpleNamespace, administrator_who_sees_clinical_data, page: str
) -> None:  # type: ignore[no-untyped-def]
    client = clinic.episode.client
    args = [] if page == "changelist" else [client.pk]
    before = len(request_events())
    answer = administrator_who_sees_clinical_data.get(
        reverse(f"admin:care_client_{page}", args=args)
    )
    assert answer.status_code == 200
    [event] = request_events()[before:]
    assert (event.actor, event.action, event.object_kind) == (
        clinic.administrator,
        Action.VIEW,
        "client",
    )
    assert event.route == f"admin:care_client_{page}"
    if page != "changelist":
        assert (event.object_id, event.client_id) == (client.pk, client.pk)


def test_changing_a_client_in_the_admin_records_who_changed_which_client(
    clinic: SimpleNamespace, administrator_who_sees_clinical_data
) -> None:  # type: ignore[no-untyped-def]
    client = clinic.episode.client
    url = reverse("admin:care_client_change", args=[client.pk])
    form = {
        "code": client.code,
        "display_name": "Renamed R.",
        "age_group": client.age_group,
        "birth_year": client.birth_year or "",
        "organisation": clinic.org.pk,
    }
    answer = administrator_who_sees_clinical_data.post(url, form)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    assert Client.objects.get(pk=client.pk).display_name == "Renamed R."
    [event] = [e for e in request_events() if e.method == "POST"]
    assert (event.action, event.object_kind, event.client_id) == (
        Action.CHANGE,
        "client",
        client.pk,
    )
    assert event.organisation_id == clinic.org.pk


def test_a_goal_rating_in_the_admin_is_traced_to_its_client(
    clinic: SimpleNamespace, administrator_who_sees_clinical_data
) -> None:  # type: ignore[no-untyped-def]
    goal = services.goal_add(
        episode=clinic.episode, text="Sleep", agreed=True, by=clinic.clinician, session=None
    )
    rating = services.goal_ratings_record(
        session=clinic.session, ratings={goal.pk: 4}, by=clinic.clinician
    )[0]
    url = reverse("admin:care_goalrating_change", args=[rating.pk])
    assert administrator_who_sees_clinical_data.get(url).status_code == 200
    [event] = request_events()
    assert (event.object_kind, event.object_id, event.client_id) == (
        "goal_rating",
        rating.pk,
        clinic.episode.client_id,
    )


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
