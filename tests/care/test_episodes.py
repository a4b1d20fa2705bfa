"""Episodes (issue 11, point 2): opening one with its care team and measurement plan, changing
the care team, transferring, ending, and the plans per episode and per team; bad input refused
naming the field, with nothing stored."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from alliance.accounts.models import Organisation, Role, Team
from alliance.care import episodes, plans
from alliance.care.models import (
    CareTeamMember,
    Client,
    Episode,
    MeasurePlanItem,
    PlanDefault,
    Session,
    SessionStatus,
)
from alliance.care.services import episodes_close_ghosted
from alliance.science.plans import PlanItem
from tests.factories import make_client, make_session, make_user

TODAY = timezone.localdate()
START = dt.date(2026, 1, 5)

PHQ9 = {
    "instrument": "phq9",
    "at_intake": True,
    "at_end": True,
    "repeat": "sessions",
    "interval": 4,
}
ORS = {"instrument": "ors", "repeat": "sessions", "interval": 1}
SRS = {"instrument": "srs", "repeat": "sessions", "interval": 1}


def _new_client(clinic: SimpleNamespace) -> Client:
    """A client added at intake by the clinician, with no episode yet."""
    client = make_client(clinic.org)
    client.created_by = clinic.clinician
    client.save(update_fields=["created_by"])
    return client


def _open(clinic: SimpleNamespace, **changes: object) -> Episode:
    arguments: dict[str, object] = {
        "client": _new_client(clinic),
        "team": clinic.team_a,
        "setting": "individual",
        "started_on": START,
        "care_team": [(clinic.clinician, "primary_therapist")],
        "by": clinic.clinician,
    }
    return episodes.episode_open(**(arguments | changes))  # type: ignore[arg-type]


def _refused(field: str, call: object, *args: object, **kwargs: object) -> ValidationError:
    with pytest.raises(ValidationError) as refused:
        call(*args, **kwargs)  # type: ignore[operator]
    assert field in refused.value.message_dict, refused.value.message_dict
    return refused.value


def test_opening_stores_the_team_setting_care_team_and_plan(clinic: SimpleNamespace) -> None:
    episode = _open(
        clinic,
        setting="couple",
        care_team=[(clinic.clinician, "primary_therapist"), (clinic.colleague, "team_member")],
        measurement_plan=[ORS, SRS, PHQ9],
    )
    assert (episode.team, episode.setting, episode.started_on) == (clinic.team_a, "couple", START)
    roles = set(episode.care_team.values_list("member__username", "role"))
    assert roles == {("clinician", "primary_therapist"), ("colleague", "team_member")}
    assert [item.instrument for item in plans.episode_plan(episode)] == ["ors", "srs", "phq9"]
    assert (episode.outcome_measure, episode.alliance_measure) == ("ors", "srs")
    assert episode.history[0]["what"] == "opened"


def test_the_primary_measures_follow_the_plan(clinic: SimpleNamespace) -> None:
    episode = _open(clinic, measurement_plan=[PHQ9, {**SRS, "instrument": "wai_sr"}])
    assert (episode.outcome_measure, episode.alliance_measure) == ("phq9", "wai_sr")


def test_without_a_plan_the_team_default_for_the_setting_is_used(
    clinic: SimpleNamespace,
) -> None:
    plans.plan_default_set(
        team=clinic.team_a, setting="individual", items=plans.check_items([ORS, PHQ9])
    )
    episode = _open(clinic)
    assert [item.instrument for item in plans.episode_plan(episode)] == ["ors", "phq9"]
    assert episode.plan.get(instrument="phq9").interval == 4
    family = _open(clinic, setting="family")  # no default for family: ORS and SRS
    assert [item.instrument for item in plans.episode_plan(family)] == ["ors", "srs"]


def test_a_double_tap_opens_one_episode(clinic: SimpleNamespace) -> None:
    client = _new_client(clinic)
    first = _open(clinic, client=client)
    again = _open(clinic, client=client)
    assert again.pk == first.pk
    assert Episode.objects.filter(client=client).count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"care_team": []}, "care_team"),
        ({"care_team": "colleague_only"}, "care_team"),
        ({"care_team": "two_primaries"}, "care_team"),
        ({"care_team": "off_the_team"}, "care_team"),
        ({"care_team": "bad_role"}, "care_team"),
        ({"setting": "sauna"}, "setting"),
        (
            {"measurement_plan": [{"instrument": "xyz", "repeat": "sessions", "interval": 1}]},
            "measurement_plan",
        ),
        ({"measurement_plan": [{**ORS, "interval": 0}]}, "measurement_plan"),
        ({"measurement_plan": [{**ORS, "interval": -2}]}, "measurement_plan"),
        ({"measurement_plan": []}, "measurement_plan"),
        ({"outcome_measure": "xyz"}, "outcome_measure"),
        ({"started_on": "yesterday"}, "started_on"),
        ({"team": "team_b"}, "team"),
        ({"client": "elsewhere"}, "client"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_stored(
    clinic: SimpleNamespace, changes: dict[str, object], field: str
) -> None:
    other_team_member = make_user(
        "elsewhere_clinician", organisation=clinic.org, role=Role.CLINICIAN, team=clinic.team_b
    )
    named = {
        "colleague_only": [(clinic.colleague, "team_member")],
        "two_primaries": [
            (clinic.clinician, "primary_therapist"),
            (clinic.colleague, "primary_therapist"),
        ],
        "off_the_team": [(other_team_member, "primary_therapist")],
        "bad_role": [(clinic.clinician, "wizard")],
        "team_b": clinic.team_b,
    }
    if changes.get("client") == "elsewhere":
        other = Organisation.objects.create(name="Elsewhere")
        changes = {"client": make_client(other)}
    changes = {
        key: named.get(value, value) if isinstance(value, str) else value
        for key, value in changes.items()
    }
    before = (
        Episode.objects.count(),
        CareTeamMember.objects.count(),
        MeasurePlanItem.objects.count(),
    )
    client = _new_client(clinic)
    arguments = {"client": client} | changes
    if field == "client":
        # A client of another organisation: the clinician does not see them at all.
        with pytest.raises((ValidationError, PermissionDenied)):
            _open(clinic, **arguments)
        refused = _refused(
            "client",
            episodes.episode_open,
            client=arguments["client"],
            team=clinic.team_a,
            setting="individual",
            started_on=START,
            care_team=[(clinic.clinician, "primary_therapist")],
            by=clinic.clinician,
            continues=clinic.episode,  # skips the visibility check, as a transfer does
        )
    else:
        refused = _refused(field, _open, clinic, **arguments)
    assert " ".join(refused.messages)
    after = (
        Episode.objects.count(),
        CareTeamMember.objects.count(),
        MeasurePlanItem.objects.count(),
    )
    assert after == before


def test_a_measure_not_installed_names_the_allowed_codes(clinic: SimpleNamespace) -> None:
    refused = _refused(
        "measurement_plan",
        _open,
        clinic,
        measurement_plan=[{"instrument": "xyz", "repeat": "sessions", "interval": 1}],
    )
    assert "phq9" in " ".join(refused.messages) and "xyz" in " ".join(refused.messages)


def test_someone_who_does_not_see_the_client_may_not_open_an_episode(
    clinic: SimpleNamespace,
) -> None:
    with pytest.raises(PermissionDenied):
        _open(clinic, client=clinic.episode.client, by=clinic.colleague)
    with pytest.raises(PermissionDenied):
        _open(clinic, by=clinic.outsider)


def test_the_care_team_changes_with_history(clinic: SimpleNamespace) -> None:
    episode = _open(clinic)
    episodes.care_team_set(
        episode=episode,
        care_team=[(clinic.colleague, "primary_therapist"), (clinic.clinician, "case_manager")],
        by=clinic.clinician,
        note="Shared care",
    )
    episode.refresh_from_db()
    assert set(episode.care_team.values_list("member__username", "role")) == {
        ("colleague", "primary_therapist"),
        ("clinician", "case_manager"),
    }
    change = episode.history[-1]
    assert change["what"] == "care_team"
    assert change["before"] == [{"member": clinic.clinician.pk, "role": "primary_therapist"}]
    assert change["note"] == "Shared care"
    # The clinician kept the day they joined.
    assert episode.care_team.get(member=clinic.clinician).joined_on == START
    # The same again changes nothing.
    episodes.care_team_set(
        episode=episode,
        care_team=[(clinic.colleague, "primary_therapist"), (clinic.clinician, "case_manager")],
        by=clinic.clinician,
    )
    episode.refresh_from_db()
    assert len(episode.history) == len([e for e in episode.history])
    assert [e["what"] for e in episode.history].count("care_team") == 1


def test_a_care_team_with_no_primary_therapist_is_refused_and_kept(
    clinic: SimpleNamespace,
) -> None:
    _refused(
        "care_team",
        episodes.care_team_set,
        episode=clinic.episode,
        care_team=[(clinic.clinician, "team_member")],
        by=clinic.clinician,
    )
    assert clinic.episode.care_team.get().role == "primary_therapist"


def test_only_the_care_team_and_the_supervisor_change_an_episode(
    clinic: SimpleNamespace,
) -> None:
    team = [(clinic.clinician, "primary_therapist"), (clinic.colleague, "team_member")]
    for outsider in (clinic.colleague, clinic.other_supervisor, clinic.administrator):
        with pytest.raises(PermissionDenied):
            episodes.care_team_set(episode=clinic.episode, care_team=team, by=outsider)
    episodes.care_team_set(episode=clinic.episode, care_team=team, by=clinic.supervisor)
    assert clinic.episode.care_team.count() == 2


def test_a_transfer_to_a_new_episode_ends_the_old_one_as_transferred(
    clinic: SimpleNamespace,
) -> None:
    colleague_b = make_user(
        "clinician_b", organisation=clinic.org, role=Role.CLINICIAN, team=clinic.team_b
    )
    plans.plan_set(
        episode=clinic.episode, items=plans.check_items([ORS, SRS, PHQ9]), by=clinic.clinician
    )
    new = episodes.episode_transfer(
        episode=clinic.episode,
        mode="new_episode",
        team=clinic.team_b,
        care_team=[(colleague_b, "primary_therapist")],
        on=TODAY,
        by=clinic.clinician,
        note="Moved to the young people's team",
    )
    clinic.episode.refresh_from_db()
    assert (clinic.episode.ending, clinic.episode.ended_on) == ("transferred", TODAY)
    assert new.continues == clinic.episode and new.team == clinic.team_b
    assert new.client == clinic.episode.client and new.started_on == TODAY
    assert [i.instrument for i in plans.episode_plan(new)] == ["ors", "srs", "phq9"]
    # A double tap answers with the same new episode.
    again = episodes.episode_transfer(
        episode=clinic.episode,
        mode="new_episode",
        team=clinic.team_b,
        care_team=[(colleague_b, "primary_therapist")],
        on=TODAY,
        by=clinic.clinician,
    )
    assert again.pk == new.pk
    assert Episode.objects.filter(client=new.client).count() == 2


def test_a_transfer_within_the_episode_changes_its_care_team(clinic: SimpleNamespace) -> None:
    same = episodes.episode_transfer(
        episode=clinic.episode,
        mode="care_team",
        care_team=[(clinic.colleague, "primary_therapist")],
        by=clinic.clinician,
    )
    assert same.pk == clinic.episode.pk and same.ended_on is None
    assert same.care_team.get().member == clinic.colleague
    assert same.history[-1]["what"] == "transfer"
    _refused(
        "team",
        episodes.episode_transfer,
        episode=clinic.episode,
        mode="care_team",
        team=clinic.team_b,
        care_team=[(clinic.colleague, "primary_therapist")],
        by=clinic.supervisor,
    )
    _refused(
        "mode",
        episodes.episode_transfer,
        episode=clinic.episode,
        mode="teleport",
        care_team=[(clinic.colleague, "primary_therapist")],
        by=clinic.supervisor,
    )


def test_ending_keeps_the_type_and_history(clinic: SimpleNamespace) -> None:
    ended = episodes.episode_end(
        episode=clinic.episode, ending="planned", ended_on=TODAY, by=clinic.clinician
    )
    assert (ended.ending, ended.ended_on) == ("planned", TODAY)
    assert ended.history[-1]["what"] == "ending"
    # A double tap changes nothing; a different ending is refused.
    episodes.episode_end(
        episode=clinic.episode, ending="planned", ended_on=TODAY, by=clinic.clinician
    )
    _refused(
        "ending",
        episodes.episode_end,
        episode=clinic.episode,
        ending="client_initiated",
        by=clinic.clinician,
    )


def test_ending_cancels_the_sessions_still_booked(clinic: SimpleNamespace) -> None:
    booked = make_session(clinic.episode, 2, status=SessionStatus.SCHEDULED)
    Session.objects.filter(pk=booked.pk).update(starts_at=timezone.now() + dt.timedelta(days=7))
    episodes.episode_end(
        episode=clinic.episode, ending="planned", ended_on=TODAY, by=clinic.clinician
    )
    booked.refresh_from_db()
    assert (booked.status, booked.cancelled_by, booked.number) == ("cancelled", "clinic", None)
    assert "The episode ended" in booked.reason
    assert booked.history[-1]["what"] == "cancelled" and booked.history[-1]["number"] == 2
    clinic.session.refresh_from_db()
    assert (clinic.session.status, clinic.session.number) == ("attended", 1)


@pytest.mark.parametrize(
    ("ending", "ended_on", "field"),
    [
        ("planned", START - dt.timedelta(days=1), "ended_on"),
        ("planned", TODAY + dt.timedelta(days=1), "ended_on"),
        ("vanished", TODAY, "ending"),
    ],
)
def test_a_bad_ending_is_refused(
    clinic: SimpleNamespace, ending: str, ended_on: dt.date, field: str
) -> None:
    _refused(
        field,
        episodes.episode_end,
        episode=clinic.episode,
        ending=ending,
        ended_on=ended_on,
        by=clinic.clinician,
    )
    clinic.episode.refresh_from_db()
    assert clinic.episode.ended_on is None and clinic.episode.history == []


def test_a_ghosted_ending_is_dated_at_the_last_contact_like_the_command(
    clinic: SimpleNamespace,
) -> None:
    """Ended by hand as ghosted, the episode looks as ``close_ghosted_episodes`` leaves one;
    and an episode opened and changed on the pages is still found by the command."""
    episodes.episode_end(episode=clinic.episode, ending="ghosted", by=clinic.clinician)
    clinic.episode.refresh_from_db()
    assert (clinic.episode.ending, clinic.episode.ended_on) == ("ghosted", START)
    opened = _open(clinic, started_on=dt.date(2026, 2, 1))
    episodes.care_team_set(
        episode=opened,
        care_team=[(clinic.colleague, "primary_therapist")],
        by=clinic.clinician,
    )
    closed = episodes_close_ghosted(today=dt.date(2026, 4, 5), after_days=60)
    assert opened in closed and clinic.episode not in closed


def test_a_client_has_a_later_episode(clinic: SimpleNamespace) -> None:
    client = clinic.episode.client
    episodes.episode_end(
        episode=clinic.episode, ending="planned", ended_on=dt.date(2026, 3, 1), by=clinic.clinician
    )
    later = _open(clinic, client=client, started_on=dt.date(2026, 6, 1))
    assert list(client.episodes.order_by("started_on")) == [clinic.episode, later]


def test_a_clinician_changes_one_episodes_plan(clinic: SimpleNamespace) -> None:
    episodes.episode_plan_set(
        episode=clinic.episode, measurement_plan=[ORS, PHQ9], by=clinic.clinician
    )
    assert [i.instrument for i in plans.episode_plan(clinic.episode)] == ["ors", "phq9"]
    clinic.episode.refresh_from_db()
    assert clinic.episode.history[-1]["what"] == "measurement_plan"
    _refused(
        "measurement_plan",
        episodes.episode_plan_set,
        episode=clinic.episode,
        measurement_plan=[{**ORS, "interval": 0}],
        by=clinic.clinician,
    )
    assert [i.instrument for i in plans.episode_plan(clinic.episode)] == ["ors", "phq9"]
    with pytest.raises(PermissionDenied):
        episodes.episode_plan_set(
            episode=clinic.episode, measurement_plan=[ORS], by=clinic.colleague
        )


def test_team_default_plans_are_set_by_an_administrator_or_the_supervisor(
    clinic: SimpleNamespace,
) -> None:
    for allowed in (clinic.administrator, clinic.supervisor):
        episodes.team_plan_set(
            team=clinic.team_a, setting="group", measurement_plan=[ORS, SRS], by=allowed
        )
    assert PlanDefault.objects.filter(team=clinic.team_a, setting="group").count() == 2
    for refused in (clinic.clinician, clinic.other_supervisor, clinic.outsider):
        with pytest.raises(PermissionDenied):
            episodes.team_plan_set(
                team=clinic.team_a, setting="group", measurement_plan=[ORS], by=refused
            )
    _refused(
        "setting",
        episodes.team_plan_set,
        team=clinic.team_a,
        setting="sauna",
        measurement_plan=[ORS],
        by=clinic.supervisor,
    )
    other = Team.objects.create(organisation=Organisation.objects.create(name="Other"), name="X")
    with pytest.raises(PermissionDenied):
        episodes.team_plan_set(
            team=other, setting="group", measurement_plan=[ORS], by=clinic.administrator
        )


def test_plan_items_are_taken_as_plan_values_too(clinic: SimpleNamespace) -> None:
    episode = _open(clinic, measurement_plan=[PlanItem("gbo", repeat="weeks", interval=2)])
    assert plans.episode_plan(episode)[0] == PlanItem("gbo", repeat="weeks", interval=2)
