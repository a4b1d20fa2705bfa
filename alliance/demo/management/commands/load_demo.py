from django.core.management.base import BaseCommand, CommandParser

from alliance.demo.clinic import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Load the synthetic demo clinic (replacing an earlier demo) and print the log-ins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=7, help="Seed of the simulation.")

    def handle(self, *args: object, seed: int, **options: object) -> None:
        summary = load_demo(seed=seed)
        self.stdout.write(
            f"Loaded {summary.organisation}: {summary.clients} clients, {summary.episodes} "
            f"episodes, {summary.sessions} sessions, {summary.responses} responses."
        )
        self.stdout.write(
            self.style.SUCCESS(
                "\nAlliance demo: http://127.0.0.1:8000/accounts/login/\n"
                "Log in as therapist, therapist2, prescriber, supervisor or admin; "
                f"password {DEMO_PASSWORD}\n"
            )
        )
        self.stdout.write(f"API token for therapist: {summary.api_token}  (see docs/api.md)")
