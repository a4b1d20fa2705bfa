from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from alliance.accounts.models import Organisation
from alliance.care.models import Episode
from alliance.console.commands import LocalisedCommand, gettext_lazy
from alliance.reports.stored import figures_fill


class Command(LocalisedCommand):
    help = gettext_lazy(
        "Read afresh and store every episode's report figures that are not current, so the "
        "next report reads stored rows only (docs/reports.md, Stored episode figures)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--organisation", default="", help=gettext_lazy("Only this organisation's episodes.")
        )

    def handle(self, *args: object, organisation: str, **options: object) -> None:
        episodes = Episode.objects.all()
        if organisation:
            if not Organisation.objects.filter(name=organisation).exists():
                raise CommandError(
                    _("--organisation: no organisation named %(name)r.") % {"name": organisation}
                )
            episodes = episodes.filter(team__organisation__name=organisation)
        read = figures_fill(episodes)
        # The English keeps its "(s)" (scripts read it); the plural forms are the languages'.
        self.stdout.write(
            ngettext(
                "Read and stored the figures of %(count)d episode(s).",
                "Read and stored the figures of %(count)d episode(s).",
                read,
            )
            % {"count": read}
        )
