"""Importing historical ratings from the research CSV: all or nothing, every bad cell named,
and safe to run again."""

import io

import pandas as pd
import pytest

from alliance.care.models import Client, Episode, Session
from alliance.measures.models import Method, Response, ResponseVersion
from alliance.transfer.services import organisation_import

HEADER = (
    "episode_id,client_id,clinician_id,session,date,measure,rater,score,item_1,item_2,item_3,item_4"
)
GOOD = [
    "h1,H-1,clinician,1,2024-03-04,ors,client,20,5,5,5,5",
    "h1,H-1,clinician,1,2024-03-04,srs,client,36,9,9,9,9",
    "h1,H-1,clinician,2,2024-03-11,ors,client,24.5,6,6,6.5,6",
    "h2,,colleague,1,2024-04-01,phq9,client,12,,,,",
]


def _frame(*rows: str) -> pd.DataFrame:
    text = "\n".join([HEADER, *rows]) + "\n"
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, index_col=False)


def _import(org_name: str, *rows: str):  # type: ignore[no-untyped-def]
    return organisation_import(
        source=_frame(*rows), organisation=org_name, progress=lambda *_: None
    )


def _counts() -> tuple[int, ...]:
    models = (Client, Episode, Session, Response, ResponseVersion)
    return tuple(model.objects.count() for model in models)


@pytest.mark.django_db
def test_it_imports_clients_episodes_sessions_and_responses(clinic) -> None:
    outcome = _import(clinic.org.name, *GOOD)

    assert outcome.errors == []
    assert outcome.created == {"clients": 2, "episodes": 2, "sessions": 3, "responses": 4}
    episode = Episode.objects.get(client__code="H-1")
    assert str(episode.started_on) == "2024-03-04"
    assert episode.care_team.get().member == clinic.clinician
    ors = Response.objects.filter(session__episode=episode, instrument="ors").order_by("session")
    assert [r.total for r in ors] == [20.0, 24.5]
    assert {r.method for r in Response.objects.all()} == {Method.IMPORT}
    total_only = Response.objects.get(instrument="phq9")
    assert total_only.total == 12.0 and total_only.items == {}
    assert total_only.session.episode.client.code == "h2"  # no client_id: the episode id


@pytest.mark.django_db
def test_running_it_again_writes_nothing_new(clinic) -> None:
    _import(clinic.org.name, *GOOD)
    counts = _counts()

    again = _import(clinic.org.name, *GOOD)

    assert again.errors == [] and set(again.created.values()) == {0}
    assert _counts() == counts


@pytest.mark.django_db
def test_it_names_every_bad_row_and_column_and_writes_nothing(clinic) -> None:
    counts = _counts()
    outcome = _import(
        clinic.org.name,
        *GOOD,
        "h3,H-3,nobody,1,2024-03-04,ors,client,20,5,5,5,5",
        "h4,H-4,clinician,1,,ors,client,20,5,5,5,5",
        "h5,H-5,clinician,1,2024-03-04,ors,client,30,5,5,5,5",
    )

    assert [str(error) for error in outcome.errors] == [
        "row 6, column clinician_id: 'nobody' is not the log-in name of a clinician in a team "
        "of Riverside Counselling",
        "row 7, column date: missing; the import needs the day of each session",
        "row 8, column score: 30 differs from the total of the items, 20",
    ]
    assert _counts() == counts


@pytest.mark.django_db
def test_it_reports_the_science_cores_checks_of_each_cell(clinic) -> None:
    outcome = _import(clinic.org.name, "h1,H-1,clinician,0,2024-03-04,ors,client,41,5,5,5,5")

    assert [str(error) for error in outcome.errors] == [
        "row 2, column score: 41 is outside ors's range 0 to 40",
        "row 2, column session: '0' is not a session number; allowed whole numbers 1 or more",
    ]
    assert _counts()[3] == 0


@pytest.mark.django_db
def test_a_supervisor_is_not_taken_as_the_treating_clinician(clinic) -> None:
    outcome = _import(clinic.org.name, "h1,H-1,supervisor,1,2024-03-04,ors,client,20,5,5,5,5")
    assert [error.column for error in outcome.errors] == ["clinician_id"]


@pytest.mark.django_db
def test_imported_episodes_have_a_current_caseload_summary_and_no_alerts(clinic) -> None:
    """The caseload reads each episode's summary: an imported history must show its latest
    scores there at once, while raising no alerts (history, not today's sessions)."""
    from alliance.feedback.models import Alert, EpisodeSummary
    from alliance.feedback.summaries import episode_summaries_refresh

    _import(clinic.org.name, *GOOD)

    episode = Episode.objects.get(client__code="H-1")
    stored = EpisodeSummary.objects.get(episode=episode)
    assert stored.recent_scores.get("ors") == [20.0, 24.5]
    assert not Alert.objects.filter(episode=episode).exists()
    before = {f.name: getattr(stored, f.name) for f in EpisodeSummary._meta.fields}
    episode_summaries_refresh([episode])
    fresh = EpisodeSummary.objects.get(episode=episode)
    after = {f.name: getattr(fresh, f.name) for f in EpisodeSummary._meta.fields}
    assert {k: v for k, v in after.items() if k != "updated_at"} == {
        k: v for k, v in before.items() if k != "updated_at"
    }
