import datetime as dt

from django.core.management.base import CommandParser
from django.utils import timezone
from django.utils.translation import ngettext

from alliance.care.services import episodes_close_ghosted
from alliance.console.commands import LocalisedCommand, gettext_lazy


class Command(LocalisedCommand):
    help = gettext_lazy(
        "Close open episodes whose client has not been seen for GHOSTED_AFTER_DAYS as ghosted."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today",
            type=dt.date.fromisoformat,
            default=None,
            help=gettext_lazy("The day to judge from (YYYY-MM-DD); default today."),
        )

    def handle(self, *args: object, today: dt.date | None, **options: object) -> None:
        closed = episodes_close_ghosted(today=today or timezone.localdate())
        # The English keeps its "(s)" (scripts read it); the plural forms are the languages'.
        self.stdout.write(
            ngettext(
                "Closed %(count)d episode(s) as ghosted.",
                "Closed %(count)d episode(s) as ghosted.",
                len(closed),
            )
            % {"count": len(closed)}
        )
