from django.core.management.base import BaseCommand

from alliance.portal.reminders import send_due


class Command(BaseCommand):
    help = (
        "Send the reminders and after-video links that are due and not sent yet (the worker "
        "sends them on time; this catches up after it was down, e.g. from cron)."
    )

    def handle(self, *args: object, **options: object) -> None:
        self.stdout.write(f"Sent {send_due()} message(s).")
