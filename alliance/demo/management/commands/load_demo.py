from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from alliance.console.commands import LocalisedCommand, gettext_lazy
from alliance.demo.clinic import DEMO_PASSWORD, load_demo


class Command(LocalisedCommand):
    help = gettext_lazy(
        "Load the synthetic demo clinic (replacing an earlier demo) and print the log-ins."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed", type=int, default=7, help=gettext_lazy("Seed of the simulation.")
        )

    def handle(self, *args: object, seed: int, **options: object) -> None:
        summary = load_demo(seed=seed)
        self.stdout.write(
            _(
                "Loaded %(organisation)s: %(clients)d clients, %(episodes)d episodes, "
                "%(sessions)d sessions, %(responses)d responses."
            )
            % {
                "organisation": summary.organisation,
                "clients": summary.clients,
                "episodes": summary.episodes,
                "sessions": summary.sessions,
                "responses": summary.responses,
            }
        )
        self.stdout.write(
            self.style.SUCCESS(
                "\n"
                + _("Alliance demo: %(url)s") % {"url": "http://127.0.0.1:8000/accounts/login/"}
                + "\n"
                + _(
                    "Log in as therapist, therapist2, prescriber, supervisor or admin; "
                    "password %(password)s"
                )
                % {"password": DEMO_PASSWORD}
                + "\n"
            )
        )
        self.stdout.write(
            _("API token for therapist: %(token)s  (see docs/api.md)")
            % {"token": summary.api_token}
        )
