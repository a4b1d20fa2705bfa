"""Background tasks of the feedback app, run by ``manage.py db_worker`` (docs/trajectories.md,
docs/clinic.md).

The services enqueue these tasks, so this module imports the services only inside the task
that needs them: no import circle."""

from django.tasks import task

from alliance.feedback import notify


@task
def refit_trajectory(fit_id: int) -> None:
    """Fit a queued expected-trajectory model; its progress is recorded on the fit itself."""
    from alliance.feedback import services

    services.trajectory_fit_run(fit_id=fit_id)


@task
def notify_risk_alert(alert_id: int) -> int:
    """E-mail the care team and the team's supervisors that a client needs attention today,
    then schedule the escalation check."""
    sent = notify.notify_risk(alert_id)
    schedule_escalation(alert_id)
    return sent


@task
def escalate_risk_alert(alert_id: int) -> int:
    """E-mail the supervisors again if the risk alert is still unacknowledged by now."""
    return notify.escalate_risk(alert_id)


def schedule_escalation(alert_id: int) -> None:
    """Enqueue the escalation check for when it is due. A backend that cannot defer (the tests'
    immediate backend) runs it now, when it finds nothing due yet."""
    from alliance.feedback.models import Alert

    alert = Alert.objects.filter(pk=alert_id).first()
    if alert is None:
        return
    if escalate_risk_alert.get_backend().supports_defer:
        escalate_risk_alert.using(run_after=notify.escalation_due_at(alert)).enqueue(alert_id)
    else:
        escalate_risk_alert.enqueue(alert_id)
