"""The trajectories pages: who may do what, the refusal below the threshold, refit and restore
through the page, the preview, and a fixed number of queries."""

from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import Client as Browser
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alliance.feedback import services
from alliance.feedback.models import FitStatus, TrajectoryFit
from tests.factories import PASSWORD, reauthenticated
from tests.trajectories.builders import closed_ors_episodes
from tests.trajectories.test_local_model_in_use import steep_local_model

ROLES_REFUSED = ["clinician", "colleague", "supervisor", "other_supervisor", "outsider"]


def browser_for(clinic: SimpleNamespace, role: str) -> Browser:
    browser = Browser()
    assert browser.login(username=getattr(clinic, role).username, password=PASSWORD)
    # Putting a model in use needs the password again (tests/security/test_privileged_changes).
    return reauthenticated(browser)


def done_fit(clinic: SimpleNamespace, n_episodes: int = 412) -> TrajectoryFit:
    return TrajectoryFit.objects.create(
        organisation=clinic.org,
        measure="ors",
        status=FitStatus.DONE,
        model_json=steep_local_model().to_json(),
        n_episodes=n_episodes,
        n_ratings=5 * n_episodes,
    )


def posts(clinic: SimpleNamespace) -> list[str]:
    fit = done_fit(clinic)
    return [
        reverse("trajectories:refit", args=["ors"]),
        reverse("trajectories:activate", args=[fit.pk]),
        reverse("trajectories:use_default", args=["ors"]),
    ]


@pytest.mark.parametrize("role", ROLES_REFUSED)
def test_only_administrators_may_refit_or_change_the_model_in_use(
    clinic: SimpleNamespace, role: str
) -> None:
    browser = browser_for(clinic, role)
    for url in posts(clinic):
        assert browser.post(url).status_code == 403, url
    assert not TrajectoryFit.objects.filter(is_active=True).exists()


def test_an_anonymous_visitor_is_sent_to_log_in_for_every_post(clinic: SimpleNamespace) -> None:
    for url in posts(clinic):
        response = Browser().post(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_page_says_how_many_more_episodes_are_needed_and_refuses_plainly(
    clinic: SimpleNamespace,
) -> None:
    browser = browser_for(clinic, "administrator")
    page = browser.get(reverse("trajectories:measure", args=["ors"])).content.decode()
    assert "300 more closed episodes with ratings (0 of 300)" in page
    response = browser.post(reverse("trajectories:refit", args=["ors"]), follow=True)
    assert "Not enough data for a local fit yet" in response.content.decode()
    assert not TrajectoryFit.objects.exists()


def test_an_administrator_refits_previews_and_puts_the_fit_in_use(
    clinic: SimpleNamespace, settings: object
) -> None:
    settings.ALLIANCE = {**settings.ALLIANCE, "TRAJECTORY_MIN_EPISODES": 60}  # type: ignore[attr-defined]
    closed_ors_episodes(clinic, 80)
    browser = browser_for(clinic, "administrator")
    page = browser.post(reverse("trajectories:refit", args=["ors"]), follow=True)
    body = page.content.decode()
    fit = TrajectoryFit.objects.get()
    assert fit.status == FitStatus.DONE and not fit.is_active
    assert "How the expected paths would change" in body
    assert "chart-trajectory-preview" in body
    browser.post(reverse("trajectories:activate", args=[fit.pk]))
    assert services.trajectory_model("ors", clinic.org).source == "local_fit"
    body = browser.get(reverse("trajectories:index")).content.decode()
    assert "Fitted on this clinic's 80 closed episodes" in body


def test_an_administrator_restores_an_earlier_fit_and_the_default(clinic: SimpleNamespace) -> None:
    earlier, later = done_fit(clinic, 400), done_fit(clinic, 500)
    services.trajectory_fit_activate(fit=later)
    browser = browser_for(clinic, "administrator")
    page = browser.get(reverse("trajectories:measure", args=["ors"])).content.decode()
    assert "Put the fit of" in page
    browser.post(reverse("trajectories:activate", args=[earlier.pk]))
    assert TrajectoryFit.objects.get(is_active=True).pk == earlier.pk
    browser.post(reverse("trajectories:use_default", args=["ors"]))
    assert not TrajectoryFit.objects.filter(is_active=True).exists()
    assert TrajectoryFit.objects.count() == 2


def test_a_waiting_refit_is_polled_until_it_finishes(clinic: SimpleNamespace) -> None:
    fit = TrajectoryFit.objects.create(organisation=clinic.org, measure="ors")
    browser = browser_for(clinic, "supervisor")
    status = browser.get(reverse("trajectories:status", args=["ors"])).content.decode()
    assert "Waiting for the worker" in status and 'hx-trigger="every 2s"' in status
    TrajectoryFit.objects.filter(pk=fit.pk).update(status=FitStatus.FAILED, message="Too few.")
    status = browser.get(reverse("trajectories:status", args=["ors"])).content.decode()
    assert "Too few." in status and "hx-trigger" not in status


def test_an_unknown_measure_is_not_found(clinic: SimpleNamespace) -> None:
    browser = browser_for(clinic, "administrator")
    assert browser.get(reverse("trajectories:measure", args=["wai"])).status_code == 404


def _queries(browser: Browser, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert browser.get(url).status_code == 200
    return len(captured)


def test_the_pages_run_the_same_number_of_queries_for_few_or_many_episodes_and_fits(
    clinic: SimpleNamespace,
) -> None:
    browser = browser_for(clinic, "administrator")
    urls = [reverse("trajectories:index"), reverse("trajectories:measure", args=["ors"])]
    closed_ors_episodes(clinic, 3)
    services.trajectory_fit_activate(fit=done_fit(clinic))
    done_fit(clinic)
    few = [_queries(browser, url) for url in urls]
    closed_ors_episodes(clinic, 40, seed=3)
    for _ in range(5):
        done_fit(clinic)
    assert [_queries(browser, url) for url in urls] == few
