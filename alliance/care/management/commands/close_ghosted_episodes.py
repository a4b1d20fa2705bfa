import datetime as dt

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from alliance.care.services import episodes_close_ghosted


class Command(BaseCommand):
    help = "Close open episodes whose client has not been seen for GHOSTED_AFTER_DAYS as ghosted."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today",
            type=dt.date.fromisoformat,
            default=None,
            help="The day to judge from (YYYY-MM-DD); default today.",
        )

    def handle(self, *args: object, today: dt.date | None, **options: object) -> None:
        closed = episodes_close_ghosted(today=today or timezone.localdate())
        self.stdout.write(f"Closed {len(closed)} episode(s) as ghosted.")
