"""Background tasks of the portal, run by ``manage.py db_worker`` (docs/portal.md,
"Reminders"). The reminders module enqueues them, so it is imported inside each task."""

from django.tasks import task


@task
def send_planned_invitation(invitation_id: int) -> bool:
    """Send one planned reminder or after-video link if it is due and not sent yet."""
    from alliance.portal import reminders

    return reminders.send_planned(invitation_id)


@task
def send_due_invitations() -> int:
    """Send every planned message that is due and not sent yet."""
    from alliance.portal import reminders

    return reminders.send_due()
