"""``manage.py refit_trajectories`` and the background worker (``manage.py db_worker``)."""

from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command

from alliance.feedback.models import FitStatus, TrajectoryFit
from tests.trajectories.builders import closed_ors_episodes

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def run(*args: str) -> str:
    out = StringIO()
    call_command("refit_trajectories", *args, stdout=out)
    return out.getvalue()


def test_the_command_shows_the_model_in_use_and_what_a_fit_needs(clinic: SimpleNamespace) -> None:
    closed_ors_episodes(clinic, 4)
    text = run("--organisation", clinic.org.name)
    assert "ors: provisional default" in text
    assert "4 closed episodes" in text and "296 more closed episodes" in text


def test_the_command_refuses_an_unknown_organisation(clinic: SimpleNamespace) -> None:
    with pytest.raises(CommandError, match="organisation"):
        run("--organisation", "Nowhere")


def test_the_command_previews_queues_and_activates_a_refit(
    clinic: SimpleNamespace, settings: object
) -> None:
    settings.ALLIANCE = {**settings.ALLIANCE, "TRAJECTORY_MIN_EPISODES": 60}  # type: ignore[attr-defined]
    closed_ors_episodes(clinic, 80)
    preview = run("--measure", "ors", "--preview")
    assert "candidate (range)" in preview
    assert not TrajectoryFit.objects.exists()
    assert "refit queued" in run("--measure", "ors", "--refit")
    fit = TrajectoryFit.objects.get()
    assert fit.status == FitStatus.DONE
    assert "is now in use" in run("--activate", str(fit.pk))
    assert "ors: local fit" in run("--measure", "ors")


@pytest.mark.django_db(transaction=True)
def test_the_database_worker_runs_a_queued_refit_and_records_its_progress(
    settings: object,
) -> None:
    from tests.factories import make_clinic

    clinic = SimpleNamespace(**make_clinic())
    settings.TASKS = DATABASE_TASKS  # type: ignore[attr-defined]
    settings.ALLIANCE = {**settings.ALLIANCE, "TRAJECTORY_MIN_EPISODES": 60}  # type: ignore[attr-defined]
    closed_ors_episodes(clinic, 80)
    run("--measure", "ors", "--refit")
    fit = TrajectoryFit.objects.get()
    assert fit.status == FitStatus.QUEUED
    call_command("db_worker", batch=True, no_startup_delay=True, stdout=StringIO())
    fit.refresh_from_db()
    assert fit.status == FitStatus.DONE, fit.message
    assert fit.n_episodes == 80 and fit.finished_at is not None
