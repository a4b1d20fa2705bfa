from django.core.management.base import BaseCommand, CommandError, CommandParser

from alliance.accounts.models import Organisation
from alliance.care.models import Episode
from alliance.reports.stored import figures_fill


class Command(BaseCommand):
    help = (
        "Read afresh and store every episode's report figures that are not current, so the "
        "next report reads stored rows only (docs/reports.md, Stored episode figures)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organisation", default="", help="Only this organisation's episodes.")

    def handle(self, *args: object, organisation: str, **options: object) -> None:
        episodes = Episode.objects.all()
        if organisation:
            if not Organisation.objects.filter(name=organisation).exists():
                raise CommandError(f"--organisation: no organisation named {organisation!r}.")
            episodes = episodes.filter(team__organisation__name=organisation)
        read = figures_fill(episodes)
        self.stdout.write(f"Read and stored the figures of {read} episode(s).")
