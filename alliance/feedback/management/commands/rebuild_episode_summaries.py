"""Recompute every episode's caseload summary from its records.

    manage.py rebuild_episode_summaries

The writes keep the summaries up to date (alliance/feedback/summaries.py); this repairs them
after records were changed outside the services (a restore by hand, a bulk SQL fix). See
docs/clinic.md, "The caseload's summary".
"""

from typing import Any

from django.utils.translation import ngettext

from alliance.console.commands import LocalisedCommand, gettext_lazy
from alliance.feedback.summaries import episode_summaries_rebuild


class Command(LocalisedCommand):
    help = gettext_lazy(
        "Recompute every episode's caseload summary (latest scores, open alerts, sessions)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        done = episode_summaries_rebuild()
        self.stdout.write(
            ngettext(
                "Rebuilt the summary of %(count)d episode.",
                "Rebuilt the summaries of %(count)d episodes.",
                done,
            )
            % {"count": done}
        )
