"""The episode pages (issue 11, point 2): opening an episode from the client, the care team,
transfer, ending, the plan and the teams' default plans, as a clinician and a supervisor use
them; a refused form says why and stores nothing."""

import datetime as dt
from types import SimpleNamespace
from typing import Any

from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from alliance.care import episodes, plans
from alliance.care.models import Client, Episode, PlanDefault
from tests.factories import PASSWORD, make_client

TODAY = timezone.localdate()
PLAN = {
    "plan_ors_use": "on",
    "plan_ors_repeat": "sessions",
    "plan_ors_interval": "1",
    "plan_ors_position": "0",
    "plan_srs_use": "on",
    "plan_srs_repeat": "sessions",
    "plan_srs_interval": "1",
    "plan_srs_position": "1",
    "plan_phq9_use": "on",
    "plan_phq9_at_intake": "on",
    "plan_phq9_at_end": "on",
    "plan_phq9_repeat": "sessions",
    "plan_phq9_interval": "4",
    "plan_phq9_position": "2",
}


def _browser(username: str) -> Browser:
    browser = Browser()
    assert browser.login(username=username, password=PASSWORD)
    return browser


def _waiting(clinic: SimpleNamespace) -> Client:
    client = make_client(clinic.org, name="Robin Hart")
    client.created_by = clinic.clinician
    client.save(update_fields=["created_by"])
    return client


def _open_form(clinic: SimpleNamespace, **changes: Any) -> dict[str, Any]:
    return {
        "team": clinic.team_a.pk,
        "setting": "individual",
        "started_on": TODAY.isoformat(),
        "primary": clinic.clinician.pk,
        "member_0": clinic.colleague.pk,
        "role_0": "case_manager",
        **PLAN,
    } | changes


def test_the_caseload_row_of_a_waiting_client_leads_to_opening_an_episode(
    clinic: SimpleNamespace,
) -> None:
    client = _waiting(clinic)
    page = _browser("clinician").get(reverse("clinic:caseload")).content.decode()
    assert reverse("care:episode_open", args=[client.pk]) in page


def test_the_open_page_offers_the_teams_staff_and_default_plan(clinic: SimpleNamespace) -> None:
    client = _waiting(clinic)
    plans.plan_default_set(
        team=clinic.team_a,
        setting="group",
        items=plans.check_items([{"instrument": "gsrs", "repeat": "sessions", "interval": 1}]),
    )
    url = reverse("care:episode_open", args=[client.pk])
    page = _browser("clinician").get(url, {"team": clinic.team_a.pk, "setting": "group"})
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="plan_gsrs_use" id="id_plan_gsrs_use" checked' in html
    assert 'name="plan_ors_use" id="id_plan_ors_use" checked' not in html
    # The team's staff only: the other team's supervisor is not offered.
    assert "Colleague" in html and "Othersupervisor" not in html
    # Never free text: each measure is a checkbox of an installed instrument.
    assert 'name="measurement_plan"' not in html


def test_a_clinician_opens_an_episode_and_sees_its_plan_and_care_team(
    clinic: SimpleNamespace,
) -> None:
    client = _waiting(clinic)
    browser = _browser("clinician")
    answer = browser.post(reverse("care:episode_open", args=[client.pk]), _open_form(clinic))
    episode = Episode.objects.get(client=client)
    assert answer.status_code == 302
    assert answer["Location"] == reverse("clinic:episode", args=[episode.pk])
    assert [i.instrument for i in plans.episode_plan(episode)] == ["ors", "srs", "phq9"]
    assert set(episode.care_team.values_list("member__username", "role")) == {
        ("clinician", "primary_therapist"),
        ("colleague", "case_manager"),
    }
    page = browser.get(answer["Location"]).content.decode()
    assert "At intake, every 4 sessions, at the end" in page
    assert reverse("care:care_team", args=[episode.pk]) in page
    assert reverse("care:episode_end", args=[episode.pk]) in page
    # A double tap opens no second episode.
    browser.post(reverse("care:episode_open", args=[client.pk]), _open_form(clinic))
    assert Episode.objects.filter(client=client).count() == 1


def test_a_refused_open_form_says_why_and_stores_nothing(clinic: SimpleNamespace) -> None:
    client = _waiting(clinic)
    browser = _browser("clinician")
    url = reverse("care:episode_open", args=[client.pk])
    cases = [
        ({"primary": ""}, "This field is required"),
        ({"plan_phq9_interval": "0"}, "greater than or equal to 1"),
        ({"plan_phq9_interval": "-3"}, "greater than or equal to 1"),
        ({"plan_phq9_interval": "", "plan_phq9_at_intake": "", "plan_phq9_at_end": ""}, "phq9"),
        ({"setting": "sauna"}, "sauna"),
        ({"member_0": clinic.other_supervisor.pk}, "Select a valid choice"),
        ({"role_0": "primary_therapist"}, "Select a valid choice"),
    ]
    for changes, said in cases:
        answer = browser.post(url, _open_form(clinic, **changes))
        assert answer.status_code == 200, changes
        assert said in answer.content.decode(), (changes, said)
    assert not Episode.objects.filter(client=client).exists()


def test_the_client_page_shows_earlier_episodes_and_a_new_one_can_follow(
    clinic: SimpleNamespace,
) -> None:
    earlier = clinic.episode
    episodes.episode_end(
        episode=earlier, ending="planned", ended_on=dt.date(2026, 2, 1), by=clinic.clinician
    )
    browser = _browser("clinician")
    page = browser.get(reverse("clinic:episode", args=[earlier.pk])).content.decode()
    open_url = reverse("care:episode_open", args=[earlier.client_id])
    assert open_url in page
    assert reverse("care:episode_end", args=[earlier.pk]) not in page  # ended: no actions
    browser.post(open_url, _open_form(clinic))
    later = Episode.objects.filter(client=earlier.client).exclude(pk=earlier.pk).get()
    page = browser.get(reverse("clinic:episode", args=[later.pk])).content.decode()
    assert reverse("clinic:episode", args=[earlier.pk]) in page
    assert "Planned ending" in page


def test_changing_the_care_team_keeps_history(clinic: SimpleNamespace) -> None:
    browser = _browser("supervisor")
    url = reverse("care:care_team", args=[clinic.episode.pk])
    page = browser.get(url).content.decode()
    assert f'<option value="{clinic.clinician.pk}" selected>' in page
    answer = browser.post(
        url,
        {"primary": clinic.colleague.pk, "member_0": clinic.clinician.pk, "role_0": "team_member"},
    )
    assert answer.status_code == 302
    clinic.episode.refresh_from_db()
    assert clinic.episode.care_team.get(role="primary_therapist").member == clinic.colleague
    assert clinic.episode.history[-1]["what"] == "care_team"
    # No primary therapist: refused, kept as it was.
    answer = browser.post(url, {"primary": "", "member_0": clinic.clinician.pk})
    assert answer.status_code == 200
    assert clinic.episode.care_team.get(role="primary_therapist").member == clinic.colleague


def test_a_transfer_to_another_team_on_the_page(clinic: SimpleNamespace) -> None:
    browser = _browser("clinician")
    url = reverse("care:episode_transfer", args=[clinic.episode.pk])
    page = browser.get(url, {"team": clinic.team_b.pk}).content.decode()
    assert "Othersupervisor" in page
    answer = browser.post(
        url,
        {"mode": "new_episode", "team": clinic.team_b.pk, "primary": clinic.other_supervisor.pk},
    )
    assert answer.status_code == 302
    clinic.episode.refresh_from_db()
    assert clinic.episode.ending == "transferred"
    new = Episode.objects.get(continues=clinic.episode)
    assert new.team == clinic.team_b
    # The clinician is no longer on the care team, so the caseload is where they land.
    assert answer["Location"] == reverse("clinic:caseload")


def test_ending_on_the_page_and_an_end_before_the_start_refused(
    clinic: SimpleNamespace,
) -> None:
    browser = _browser("clinician")
    url = reverse("care:episode_end", args=[clinic.episode.pk])
    answer = browser.post(url, {"ending": "planned", "ended_on": "2025-12-31"})
    assert answer.status_code == 200 and "before the start" in answer.content.decode()
    clinic.episode.refresh_from_db()
    assert clinic.episode.ended_on is None
    answer = browser.post(url, {"ending": "client_initiated", "ended_on": TODAY.isoformat()})
    assert answer.status_code == 302
    clinic.episode.refresh_from_db()
    assert (clinic.episode.ending, clinic.episode.ended_on) == ("client_initiated", TODAY)


def test_changing_one_episodes_plan_on_the_page(clinic: SimpleNamespace) -> None:
    browser = _browser("clinician")
    url = reverse("care:episode_plan", args=[clinic.episode.pk])
    page = browser.get(url).content.decode()
    assert 'name="plan_ors_use" id="id_plan_ors_use" checked' in page  # ORS and SRS, as before
    answer = browser.post(
        url,
        {
            **PLAN,
            "plan_wai_sr_use": "on",
            "plan_wai_sr_repeat": "sessions",
            "plan_wai_sr_interval": "5",
            "plan_wai_sr_position": "3",
        },
    )
    assert answer.status_code == 302
    codes = [item.instrument for item in plans.episode_plan(clinic.episode)]
    assert codes == ["ors", "srs", "phq9", "wai_sr"]
    answer = browser.post(url, {})  # nothing ticked
    assert answer.status_code == 200 and "choose at least one measure" in answer.content.decode()
    assert len(plans.episode_plan(clinic.episode)) == 4


def test_the_team_default_plans_pages(clinic: SimpleNamespace) -> None:
    browser = _browser("supervisor")
    page = browser.get(reverse("care:plan_defaults")).content.decode()
    assert clinic.team_a.name in page and clinic.team_b.name not in page
    url = reverse("care:team_plan", args=[clinic.team_a.pk])
    answer = browser.post(url, {"setting": "couple", **PLAN})
    assert answer.status_code == 302
    assert list(
        PlanDefault.objects.filter(team=clinic.team_a, setting="couple").values_list(
            "instrument", flat=True
        )
    ) == ["ors", "srs", "phq9"]
    page = browser.get(url, {"setting": "couple"}).content.decode()
    assert 'name="plan_phq9_use" id="id_plan_phq9_use" checked' in page
    admin_page = _browser("administrator").get(reverse("care:plan_defaults")).content.decode()
    assert clinic.team_a.name in admin_page and clinic.team_b.name in admin_page


def _queries(browser: Browser, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert browser.get(url).status_code == 200
    return len(captured)


def test_the_episode_pages_take_the_same_queries_however_many_episodes(
    clinic: SimpleNamespace,
) -> None:
    """The client page's episode panel, the plan page and the default plans page do not grow
    with the client's earlier episodes or the caseload."""
    from tests.factories import make_episode

    browser = _browser("clinician")
    few = make_episode(clinic.team_a, clinic.clinician)
    many = make_episode(clinic.team_a, clinic.clinician)
    for _n in range(4):
        earlier = make_episode(clinic.team_a, clinic.clinician, client=many.client)
        episodes.episode_end(episode=earlier, ending="planned", by=clinic.clinician)
    for name in ("clinic:episode", "care:episode_plan", "care:care_team"):
        assert _queries(browser, reverse(name, args=[few.pk])) == _queries(
            browser, reverse(name, args=[many.pk])
        ), name
    supervisor = _browser("supervisor")
    before = _queries(supervisor, reverse("care:plan_defaults"))
    for _n in range(5):
        make_episode(clinic.team_a, clinic.clinician)
    assert _queries(supervisor, reverse("care:plan_defaults")) == before
