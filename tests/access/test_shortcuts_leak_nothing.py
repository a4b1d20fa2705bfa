"""Issue 16's shortcuts in the access checks, tried as an attacker (the rule of record stays
``alliance.access``): the "seen" mark on an episode, the rule kept on the user object, the roles
read once per request, the session page's kept forms and the caseload's drawn rows. Each test
asks, request after request in one process, as someone the shortcut was not made for: another
team's clinician or supervisor, a switched-off user, another organisation's administrator, a
token of another clinician; and each would fail if a shortcut were kept across users or requests
(a process-wide cache by user or episode id, a mark that ignores who made it or whether they are
still switched on, a form or row kept without the goals or names it shows)."""

from types import SimpleNamespace

from django.test import Client as Browser
from django.urls import reverse

from alliance import access
from alliance.accounts.models import Membership, Organisation, Role, Team, User
from alliance.api.models import Scope
from alliance.api.services import token_create
from alliance.care.models import CareRole, CareTeamMember, Goal
from alliance.clinic import selectors
from tests.factories import make_episode, make_session, make_user


def _browser(user: User) -> Browser:
    browser = Browser()
    browser.force_login(user)
    return browser


def _other_organisation() -> SimpleNamespace:
    org = Organisation.objects.create(name="Elsewhere Therapy")
    team = Team.objects.create(organisation=org, name="Elsewhere Adults")
    clinician = make_user("elsewhereclinician", organisation=org, role=Role.CLINICIAN, team=team)
    administrator = make_user("elsewhereadmin", organisation=org, role=Role.ADMINISTRATOR)
    org.admin_sees_clinical_data = True
    org.save(update_fields=["admin_sees_clinical_data"])
    return SimpleNamespace(org=org, team=team, clinician=clinician, administrator=administrator)


def test_a_page_one_user_opened_stays_closed_to_the_next(clinic: SimpleNamespace) -> None:
    """The clinician's own pages mark the episode seen and build their rule; the people after
    them in the same process (another team's supervisor, someone with no role, another
    organisation's administrator, a switched-off colleague) are each refused the same pages.
    The pages read the episode through the rule before any mark counts, so this guards the rule
    kept per user object (a rule kept for the process would let them in)."""
    episode, session = clinic.episode, clinic.session
    pages = [
        reverse("clinic:episode", args=[episode.pk]),
        reverse("clinic:session", args=[session.pk]),
    ]
    owner = _browser(clinic.clinician)
    elsewhere = _other_organisation()
    gone = make_user("gone", organisation=clinic.org, role=Role.CLINICIAN, team=clinic.team_a)
    CareTeamMember.objects.create(episode=episode, member=gone, role=CareRole.TEAM_MEMBER)
    strangers = [clinic.other_supervisor, clinic.outsider, elsewhere.administrator, gone]
    browsers = [_browser(user) for user in strangers]
    User.objects.filter(pk=gone.pk).update(is_active=False)
    for page in pages:
        assert owner.get(page).status_code == 200
        for user, browser in zip(strangers, browsers, strict=True):
            assert browser.get(page).status_code in (302, 404), (user.username, page)
        assert owner.get(page).status_code == 200


def test_the_seen_mark_is_worth_nothing_once_its_user_is_switched_off(
    clinic: SimpleNamespace,
) -> None:
    user = User.objects.get(pk=clinic.clinician.pk)
    found = selectors.episode_detail(user, clinic.episode.pk)
    assert access.can_see_episode(user, found)
    user.is_active = False  # the same user object, switched off
    assert not access.can_see_episode(user, found)
    assert not access.may_change_episode(user, found)


def test_the_kept_rule_follows_the_care_team_and_the_organisations_setting(
    clinic: SimpleNamespace,
) -> None:
    """The rule kept on one user object is a query, not its answer: taking the clinician off
    the care team, or the organisation's administrators' view of clinical data, counts at once."""
    user = User.objects.get(pk=clinic.clinician.pk)
    assert access.visible_episodes(user).filter(pk=clinic.episode.pk).exists()
    CareTeamMember.objects.filter(episode=clinic.episode, member=user).delete()
    assert not access.visible_episodes(user).filter(pk=clinic.episode.pk).exists()
    administrator = User.objects.get(pk=clinic.administrator.pk)
    clinic.org.admin_sees_clinical_data = True
    clinic.org.save(update_fields=["admin_sees_clinical_data"])
    assert access.visible_episodes(administrator).filter(pk=clinic.episode.pk).exists()
    clinic.org.admin_sees_clinical_data = False
    clinic.org.save(update_fields=["admin_sees_clinical_data"])
    assert not access.visible_episodes(administrator).filter(pk=clinic.episode.pk).exists()


def test_a_role_taken_away_mid_session_leaves_the_navigation_at_the_next_page(
    clinic: SimpleNamespace,
) -> None:
    team_link = f'href="{reverse("clinic:team")}"'
    supervisor = _browser(clinic.supervisor)
    other = _browser(clinic.other_supervisor)
    clinician = _browser(clinic.clinician)
    assert team_link in supervisor.get(reverse("clinic:caseload")).content.decode()
    assert team_link not in clinician.get(reverse("clinic:caseload")).content.decode()
    Membership.objects.filter(user=clinic.supervisor, role=Role.SUPERVISOR).delete()
    assert team_link not in supervisor.get(reverse("clinic:caseload")).content.decode()
    assert team_link in other.get(reverse("clinic:caseload")).content.decode()
    Membership.objects.create(
        user=clinic.clinician, organisation=clinic.org, team=clinic.team_b, role=Role.SUPERVISOR
    )
    assert team_link in clinician.get(reverse("clinic:caseload")).content.decode()


def _task_goals(page: str) -> str:
    """The task form's goal list (the kept fields), not the rest of the page."""
    start = page.index('name="task-goal"')
    return page[start : page.index("</select>", start)]


def test_one_clients_goals_never_reach_another_clients_session_page(
    clinic: SimpleNamespace,
) -> None:
    """The empty task form is kept by its goal list: two clients' session pages, each goal
    renamed, each in another language, list only that client's goals as they now read."""
    second = make_episode(clinic.team_a, clinic.clinician)
    second_session = make_session(second, 1)
    sleep = Goal.objects.create(
        episode=clinic.episode, text="Sleep through", created_by=clinic.clinician
    )
    walk = Goal.objects.create(episode=second, text="Walk daily", created_by=clinic.clinician)
    browser = _browser(clinic.clinician)
    first_page = reverse("clinic:session", args=[clinic.session.pk])
    second_page = reverse("clinic:session", args=[second_session.pk])
    for _ in range(2):
        one = _task_goals(browser.get(first_page).content.decode())
        two = _task_goals(browser.get(second_page).content.decode())
        assert f'value="{sleep.pk}"' in one and "Sleep through" in one
        assert f'value="{walk.pk}"' not in one and "Walk daily" not in one
        assert f'value="{walk.pk}"' in two and "Walk daily" in two
        assert f'value="{sleep.pk}"' not in two and "Sleep through" not in two
    walk.text = "Walk to work"
    walk.save(update_fields=["text"])
    two = _task_goals(browser.get(second_page).content.decode())
    assert "Walk to work" in two and "Walk daily" not in two
    english = browser.get(second_page, headers={"accept-language": "en"}).content.decode()
    dutch = browser.get(second_page, headers={"accept-language": "nl"}).content.decode()
    assert "No particular goal" in _task_goals(english)
    assert "No particular goal" not in _task_goals(dutch)


def test_a_caseload_row_drawn_for_one_user_is_never_shown_to_another(
    clinic: SimpleNamespace,
) -> None:
    elsewhere = _other_organisation()
    theirs = make_episode(elsewhere.team, elsewhere.clinician)
    theirs.client.display_name = "Elsewhere Client"
    theirs.client.save(update_fields=["display_name"])
    ours = clinic.episode.client
    ours.display_name = "Riverside Client"
    ours.save(update_fields=["display_name"])
    caseload = reverse("clinic:caseload")
    mine, their_browser = _browser(clinic.clinician), _browser(elsewhere.clinician)
    for _ in range(2):
        page = mine.get(caseload).content.decode()
        assert "Riverside Client" in page and "Elsewhere Client" not in page
        page = their_browser.get(caseload).content.decode()
        assert "Elsewhere Client" in page and "Riverside Client" not in page
    assert "Riverside Client" not in _browser(clinic.colleague).get(caseload).content.decode()
    ours.display_name = "Renamed Client"
    ours.save(update_fields=["display_name"])
    page = mine.get(caseload).content.decode()
    assert "Renamed Client" in page and "Riverside Client" not in page


def test_another_clinicians_token_reads_nothing_the_first_one_read(
    clinic: SimpleNamespace,
) -> None:
    """Tokens' users are built afresh for each request: the episode the clinician's token read
    (and so the rule kept on that user object) is never the other team's clinician's."""
    stranger = make_user(
        "stranger", organisation=clinic.org, role=Role.CLINICIAN, team=clinic.team_b
    )
    own = token_create(user=clinic.clinician, name="own", scope=Scope.READ).secret
    theirs = token_create(user=stranger, name="theirs", scope=Scope.READ).secret
    api = Browser()
    episode_url = f"/api/v1/episodes/{clinic.episode.pk}"
    for _ in range(2):
        assert api.get(episode_url, headers={"authorization": f"Bearer {own}"}).status_code == 200
        refused = api.get(episode_url, headers={"authorization": f"Bearer {theirs}"})
        assert refused.status_code == 404
        listed = api.get("/api/v1/episodes", headers={"authorization": f"Bearer {theirs}"})
        assert clinic.episode.pk not in [row["id"] for row in listed.json()["items"]]
    User.objects.filter(pk=clinic.clinician.pk).update(is_active=False)
    assert api.get(episode_url, headers={"authorization": f"Bearer {own}"}).status_code == 401
