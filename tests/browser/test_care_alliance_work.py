"""The alliance work in a real browser: on a session page the clinician records a goal in the
client's words, rates it, records a rupture with a repair strategy and writes a private
reflection; the client page shows the goal's change and the rupture summary. axe-core checks
every page; screenshots go to test-artifacts/."""

from types import SimpleNamespace

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from alliance.care.models import Goal, GoalRating, Reflection, Rupture
from alliance.care.services import goal_add, goal_ratings_record, rupture_record, task_agree
from tests.browser.conftest import screenshot
from tests.factories import PASSWORD, make_session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page: Page, base: str, username: str = "clinician") -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def _serious_violations(page: Page) -> list[str]:
    violations = Axe().run(page).response["violations"]
    return [
        f"{v['id']}: {v['help']} ({[n['target'] for n in v['nodes']]})"
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]


# The right edge of the widest element inside the selector's matches.
WIDEST = """scope => Math.max(0, ...[...document.querySelectorAll(scope)].flatMap(
    root => [root, ...root.querySelectorAll('*')]).map(e => e.getBoundingClientRect().right))"""


def _open_all_details(page: Page) -> None:
    # axe checks what is on screen; the forms folded into <details> are checked opened too.
    page.locator("details.care-details").evaluate_all("els => els.forEach(e => e.open = true)")


def test_a_clinician_records_a_goal_rates_it_and_records_a_rupture_and_a_reflection(
    live_server: object, page: Page, clinic: SimpleNamespace
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    _log_in(page, base)
    page.goto(f"{base}/sessions/{clinic.session.pk}/")
    goals = page.locator("section.care-work").filter(has=page.get_by_role("heading", name="Goals"))

    goals.get_by_text("Add a goal").click()
    goals.get_by_label("The goal, in the client's own words").fill("To sleep without the radio on")
    goals.get_by_label("We agreed on this goal together").check()
    goals.get_by_role("button", name="Add the goal").click()
    expect(page.get_by_role("status")).to_contain_text("Goal added.")
    goal = Goal.objects.get()
    assert goal.text == "To sleep without the radio on" and goal.set_in == clinic.session

    page.get_by_label("To sleep without the radio on").fill("3")
    page.get_by_role("button", name="Save goal ratings").click()
    expect(page.get_by_role("status")).to_contain_text("Goal ratings saved.")
    assert GoalRating.objects.get().rating == 3

    page.get_by_text("Record a rupture and its repair").click()
    page.get_by_label("Minimal response").check()
    page.get_by_role("group", name="Who noticed it?").get_by_label("The clinician noticed").check()
    page.get_by_label("Invite discussion of thoughts or feelings about the clinician").check()
    page.get_by_role("group", name="Was it resolved?").get_by_label("Partly resolved").check()
    screenshot(page, "care-session-rupture-form")
    page.get_by_role("button", name="Record the rupture").click()
    expect(page.get_by_role("status")).to_contain_text("Rupture and repair recorded.")
    rupture = Rupture.objects.get()
    assert (rupture.markers, rupture.strategies) == (["minimal_response"], ["invite_discussion"])
    assert rupture.resolution == "partly_resolved"

    reflection = page.locator("section.care-work").filter(has_text="Your reflection")
    reflection.get_by_label("Self-doubt").check()
    reflection.get_by_label("Your reflection").fill("I talked too much when she went quiet.")
    reflection.get_by_role("button", name="Save my reflection").click()
    expect(page.get_by_role("status")).to_contain_text("Only you and your supervisor")
    assert Reflection.objects.get().experiences == ["self_doubt"]

    expect(
        page.locator("section.care-work").filter(has_text="Ruptures and repair")
    ).to_contain_text("Partly resolved")
    screenshot(page, "care-session-work")
    # Reloaded so the one-off message list (base.html's, not ours) is not part of the check.
    page.reload()
    _open_all_details(page)
    assert _serious_violations(page) == []

    page.goto(f"{base}/episodes/{clinic.episode.pk}/")
    work = page.locator("section.care-work")
    expect(work.first).to_contain_text("To sleep without the radio on")
    ruptures = work.filter(has=page.locator("#care-ruptures"))
    expect(ruptures).to_contain_text("1 rupture recorded")
    assert _serious_violations(page) == []
    screenshot(page, "care-episode-work")


def test_a_rupture_without_a_marker_is_refused_politely_and_nothing_is_stored(
    live_server: object, page: Page, clinic: SimpleNamespace
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    _log_in(page, base)
    page.goto(f"{base}/care/sessions/{clinic.session.pk}/ruptures/new/")
    page.get_by_role("group", name="Who noticed it?").get_by_label("Both").check()
    page.get_by_role("group", name="Was it resolved?").get_by_label("Resolved", exact=True).check()
    page.get_by_role("button", name="Record the rupture").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose at least one marker")
    assert not Rupture.objects.exists()
    assert _serious_violations(page) == []
    screenshot(page, "care-rupture-refused")


def test_the_alliance_work_pages_pass_axe_and_fit_a_phone(
    live_server: object, phone: Page, clinic: SimpleNamespace
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    goal = goal_add(
        episode=clinic.episode, text="Feel less alone", agreed=True, by=clinic.clinician
    )
    second = make_session(clinic.episode, 2)
    goal_ratings_record(session=clinic.session, ratings={goal.pk: 2}, by=clinic.clinician)
    goal_ratings_record(session=second, ratings={goal.pk: 6}, by=clinic.clinician)
    task = task_agree(
        session=clinic.session, what="Text a friend", client_agreed=True, goal=goal,
        by=clinic.clinician,
    )  # fmt: skip
    rupture = rupture_record(
        session=clinic.session,
        markers=["complaints_about_progress"],
        noticed_by="client",
        strategies=["change_task_or_goal"],
        resolution="resolved",
        by=clinic.clinician,
    )
    _log_in(phone, base)
    pages = {
        "care-phone-session": f"/sessions/{second.pk}/",
        "care-phone-episode": f"/episodes/{clinic.episode.pk}/",
        "care-phone-goal": f"/care/goals/{goal.pk}/",
        "care-phone-goal-add": f"/care/episodes/{clinic.episode.pk}/goals/new/",
        "care-phone-ratings": f"/care/sessions/{second.pk}/goal-ratings/",
        "care-phone-task": f"/care/sessions/{second.pk}/tasks/new/",
        "care-phone-review": f"/care/sessions/{second.pk}/tasks/{task.pk}/review/",
        "care-phone-rupture": f"/care/ruptures/{rupture.pk}/",
        "care-phone-reflection": f"/care/sessions/{second.pk}/reflection/",
    }
    for name, path in pages.items():
        response = phone.goto(base + path)
        assert response is not None and response.status == 200, path
        _open_all_details(phone)
        assert _serious_violations(phone) == [], path
        # On the clinic's pages only our sections are ours to judge; our own pages whole.
        scope = ".care-work" if path.startswith(("/sessions", "/episodes")) else "body"
        widest = phone.evaluate(WIDEST, scope)
        assert widest <= 360, f"{path}: {scope} is {widest}px wide on a 360px phone"
        screenshot(phone, name)
    phone.goto(f"{base}/episodes/{clinic.episode.pk}/")
    expect(phone.locator(".care-card").first).to_contain_text(
        "From 2 (session 1) to 6 out of 10 (session 2): reliably closer to the goal"
    )
