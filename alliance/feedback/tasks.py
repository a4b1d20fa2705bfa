"""Background tasks of the feedback app, run by ``manage.py db_worker`` (docs/trajectories.md)."""

from django.tasks import task

from alliance.feedback import services


@task
def refit_trajectory(fit_id: int) -> None:
    """Fit a queued expected-trajectory model; its progress is recorded on the fit itself."""
    services.trajectory_fit_run(fit_id=fit_id)
