"""Supervisors and managers pick, never type: the report form offers the organisations, teams and
clinicians the person may report on (``alliance.access``), clinicians by name, and the period as
date inputs; an id typed into the address from someone else's team is refused."""

import re
from types import SimpleNamespace

from django.test import Client as Browser
from django.urls import reverse
from django.utils import translation

from alliance import access
from alliance.reports.forms import ReportForm
from tests.clinic.builders import rated_episode
from tests.factories import PASSWORD

RANGE = {"date_from": "2026-01-01", "date_to": "2026-12-31"}


def _browser(user: object) -> Browser:
    b = Browser()
    assert b.login(username=user.username, password=PASSWORD)  # type: ignore[attr-defined]
    return b


def _options(body: str, name: str) -> list[tuple[str, str]]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', body, re.S)
    assert select is not None, f"no <select name={name!r}>"
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(1))


def test_a_supervisor_is_offered_only_the_teams_they_supervise(clinic: SimpleNamespace) -> None:
    body = _browser(clinic.supervisor).get(reverse("reports:home")).content.decode()
    assert _options(body, "team") == [
        ("", "The whole organisation"),
        (str(clinic.team_a.pk), "Adults North"),
    ]
    assert _options(body, "organisation") == [(clinic.org.name, clinic.org.name)]
    other = _browser(clinic.other_supervisor).get(reverse("reports:home")).content.decode()
    assert [label for _, label in _options(other, "team")][1:] == ["Young People"]


def test_an_outsider_is_offered_no_team_no_organisation_and_nobody_else(
    clinic: SimpleNamespace,
) -> None:
    form = ReportForm(viewer=clinic.outsider)
    assert list(form.fields["organisation"].choices) == []
    assert [v for v, _ in form.fields["team"].choices if v] == []
    assert [v for v, _ in form.fields["clinician"].choices if v] == []
    assert [v for v, _ in ReportForm(viewer=clinic.clinician).fields["team"].choices if v] == []


def test_clinicians_are_offered_by_name_never_by_log_in_name(clinic: SimpleNamespace) -> None:
    clinic.clinician.first_name, clinic.clinician.last_name = "Maria", "Jansen"
    clinic.clinician.save()
    body = _browser(clinic.supervisor).get(reverse("reports:home")).content.decode()
    options = dict(_options(body, "clinician"))
    assert options[str(clinic.clinician.pk)] == "Maria Jansen"
    expected = {str(p.pk) for p in access.reportable_clinicians(clinic.supervisor)}
    assert set(options) - {""} == expected
    assert str(clinic.other_supervisor.pk) not in options
    assert not {"clinician", "colleague", "supervisor"} & set(options.values())
    own = dict(
        _options(
            _browser(clinic.clinician).get(reverse("reports:home")).content.decode(), "clinician"
        )
    )
    assert set(own) - {""} == {str(clinic.clinician.pk)}  # a clinician picks only themself


def test_a_team_and_a_clinician_picked_from_the_lists_make_the_report(
    clinic: SimpleNamespace,
) -> None:
    rated_episode(clinic, [15, 22, 27], [35, 38, 39])
    b = _browser(clinic.supervisor)
    params = {"organisation": clinic.org.name, **RANGE}
    team = b.get(reverse("reports:home"), params | {"team": clinic.team_a.pk})
    assert team.status_code == 200 and team.context["report"].scope.team == clinic.team_a
    person = b.get(reverse("reports:home"), params | {"clinician": clinic.clinician.pk})
    assert person.status_code == 200
    assert person.context["report"].scope.clinician == clinic.clinician
    # The download links carry the same picks.
    assert f"clinician={clinic.clinician.pk}" in person.context["query"]


def test_an_id_of_another_team_or_person_typed_into_the_address_is_refused(
    clinic: SimpleNamespace,
) -> None:
    b = _browser(clinic.other_supervisor)
    params = {"organisation": clinic.org.name, **RANGE}
    team = b.get(reverse("reports:home"), params | {"team": clinic.team_a.pk})
    assert team.status_code == 404
    assert "Team: choose one of the teams listed" in team.content.decode()
    person = b.get(reverse("reports:home"), params | {"clinician": clinic.clinician.pk})
    assert person.status_code == 404
    assert "Clinician: choose one of the people listed." in person.content.decode()
    download = reverse("reports:download", args=["csv"])
    assert b.get(download, params | {"team": clinic.team_a.pk}).status_code == 404
    outsider = _browser(clinic.outsider).get(reverse("reports:home"), params)
    assert outsider.status_code == 404


def test_an_address_with_names_from_before_the_lists_still_works_for_what_is_on_them(
    clinic: SimpleNamespace,
) -> None:
    b = _browser(clinic.supervisor)
    params = {"organisation": clinic.org.name, **RANGE}
    assert b.get(reverse("reports:home"), params | {"team": "Adults North"}).status_code == 200
    assert b.get(reverse("reports:home"), params | {"clinician": "clinician"}).status_code == 200
    assert b.get(reverse("reports:home"), params | {"team": "Young People"}).status_code == 404


def test_the_period_is_two_date_inputs_with_iso_values_in_any_language(
    clinic: SimpleNamespace,
) -> None:
    b = _browser(clinic.supervisor)
    for language in ("en", "nl"):
        b.cookies["django_language"] = language
        with translation.override(language):
            body = b.get(
                reverse("reports:home"),
                {
                    "organisation": clinic.org.name,
                    "date_from": "2026-01-31",
                    "date_to": "2026-03-01",
                },
            ).content.decode()
        assert re.search(r'<input type="date" name="date_from" value="2026-01-31"', body)
        assert re.search(r'<input type="date" name="date_to" value="2026-03-01"', body)
    assert "YYYY-MM-DD" not in ReportForm(viewer=clinic.supervisor)["date_from"].label
