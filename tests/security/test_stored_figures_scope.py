"""Attacks on the stored report figures (``alliance.reports.stored``): a report scope reads the
stored rows of its own episodes only, never another organisation's, however many of theirs are
stored and whoever asks."""

import datetime as dt
from types import SimpleNamespace

import pytest

from alliance.accounts.models import Organisation, Role, Team
from alliance.reports import stored
from alliance.reports.figures import ReportError
from alliance.reports.models import EpisodeFigures
from alliance.reports.selectors import _day_bounds, report_build, report_scope
from tests.clinic.builders import rated_episode
from tests.factories import make_user

pytestmark = pytest.mark.django_db

YEAR = {"start": dt.date(2026, 1, 1), "end": dt.date(2026, 12, 31)}


def _other_organisation(clinic: SimpleNamespace) -> SimpleNamespace:
    org = Organisation.objects.create(name="Hillside Therapy")
    team = Team.objects.create(organisation=org, name="Adults North")  # the same team name
    clinician = make_user("hillside", organisation=org, role=Role.CLINICIAN, team=team)
    return SimpleNamespace(org=org, team_a=team, clinician=clinician)


def test_a_scope_reads_only_its_own_organisation_s_stored_rows(clinic: SimpleNamespace) -> None:
    ours = rated_episode(clinic, [15, 22, 27], [35, 38, 39])
    theirs = rated_episode(_other_organisation(clinic), [5, 6, 7], [20, 21, 22])
    # Their report stores their rows; ours must not pick them up.
    report_build(report_scope(viewer=None, organisation="Hillside Therapy", **YEAR))
    assert EpisodeFigures.objects.filter(episode=theirs, figures__isnull=False).exists()
    scope = report_scope(viewer=None, organisation=clinic.org.name, **YEAR)
    rows = stored.episode_rows(scope, *_day_bounds(scope))
    assert theirs.pk not in {row.pk for row in rows}
    assert ours.pk in {row.pk for row in rows}
    # The same team name in their organisation gives a team report nothing of theirs.
    team = report_scope(viewer=None, organisation=clinic.org.name, team="Adults North", **YEAR)
    assert theirs.pk not in {row.pk for row in stored.episode_rows(team, *_day_bounds(team))}


def test_a_supervisor_cannot_name_another_organisation_or_its_clinician(
    clinic: SimpleNamespace,
) -> None:
    other = _other_organisation(clinic)
    rated_episode(other, [5, 6, 7])
    with pytest.raises(ReportError):
        report_scope(viewer=clinic.supervisor, organisation="Hillside Therapy", **YEAR)
    with pytest.raises(ReportError):
        report_scope(
            viewer=clinic.supervisor, organisation=clinic.org.name, clinician="hillside", **YEAR
        )
