from django.utils.translation import ngettext

from alliance.console.commands import LocalisedCommand, gettext_lazy
from alliance.portal.reminders import send_due


class Command(LocalisedCommand):
    help = gettext_lazy(
        "Send the reminders and after-video links that are due and not sent yet (the worker "
        "sends them on time; this catches up after it was down, e.g. from cron)."
    )

    def handle(self, *args: object, **options: object) -> None:
        sent = send_due()
        # The English keeps its "(s)" (scripts read it); the plural forms are the languages'.
        self.stdout.write(
            ngettext("Sent %(count)d message(s).", "Sent %(count)d message(s).", sent)
            % {"count": sent}
        )
