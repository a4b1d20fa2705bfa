"""Recompute every episode's caseload summary from its records.

    manage.py rebuild_episode_summaries

The writes keep the summaries up to date (alliance/feedback/summaries.py); this repairs them
after records were changed outside the services (a restore by hand, a bulk SQL fix). See
docs/clinic.md, "The caseload's summary".
"""

from typing import Any

from django.core.management.base import BaseCommand

from alliance.feedback.summaries import episode_summaries_rebuild


class Command(BaseCommand):
    help = "Recompute every episode's caseload summary (latest scores, open alerts, sessions)."

    def handle(self, *args: Any, **options: Any) -> None:
        done = episode_summaries_rebuild()
        self.stdout.write(f"Rebuilt the summaries of {done} episodes.")
