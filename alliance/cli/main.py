"""The ``alliance`` command line.

``alliance demo`` and ``alliance serve`` run the web application; ``alliance analyze`` runs the
science core on a research CSV without any database; ``alliance import`` and ``alliance export``
move a clinic's data in and out.
"""

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from alliance.cli.language import activate_in_django
from alliance.cli.language import gettext as _
from alliance.cli.typer_words import TranslatedCommand, TranslatedGroup

app = typer.Typer(
    cls=TranslatedGroup,
    help=_("Alliance: feedback-informed treatment, open and self-hosted."),
    no_args_is_help=True,
    add_completion=False,
)

PROJECT_DIR = Path(__file__).resolve().parents[2]


def _django(environment: str | None = None, database_url: str | None = None) -> None:
    if environment:
        os.environ["ALLIANCE_ENV"] = environment
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alliance.settings")
    import django

    django.setup()
    activate_in_django()


def _manage(*args: str) -> None:
    from django.core.management import call_command

    call_command(*args)


@app.command(
    cls=TranslatedCommand,
    help=_("Create a synthetic demo clinic in demo.sqlite3 and serve it on 127.0.0.1."),
)
def demo(
    port: Annotated[int, typer.Option(help=_("Port to serve on."))] = 8000,
    seed: Annotated[int, typer.Option(help=_("Seed of the synthetic clinic."))] = 7,
    serve_after: Annotated[
        bool, typer.Option("--serve/--no-serve", help=_("Serve when loaded."))
    ] = True,
) -> None:
    _django("demo", os.environ.get("DATABASE_URL", f"sqlite:///{PROJECT_DIR / 'demo.sqlite3'}"))
    _manage("migrate", "--no-input", "-v", "0")
    _manage("load_demo", "--seed", str(seed))
    if serve_after:
        _manage("runserver", f"127.0.0.1:{port}")


@app.command(
    cls=TranslatedCommand,
    help=_("Serve the application with the settings from the environment (see docs/settings.md)."),
)
def serve(
    host: Annotated[str, typer.Option(help=_("Address to listen on."))] = "127.0.0.1",
    port: Annotated[int, typer.Option(help=_("Port to listen on."))] = 8000,
) -> None:
    _django()
    _manage("runserver", f"{host}:{port}", "--noreload")


@app.command(
    cls=TranslatedCommand,
    help=_(
        "Run the science core on a research CSV: change, NHS Talking Therapies outcomes, "
        "expected trajectories, alerts, clinician effects and the alliance-outcome split. "
        "Settings come from the site's ALLIANCE_* environment variables, then --settings, "
        "then the flags."
    ),
)
def analyze(
    ratings: Annotated[
        Path,
        typer.Argument(help=_("Long CSV: episode_id, clinician_id, session, measure, score, ...")),
    ],
    json_out: Annotated[
        Path, typer.Option("--json", help=_("Where to write the results as JSON."))
    ],
    report: Annotated[
        Path | None, typer.Option(help=_("Also write an HTML report with charts."))
    ] = None,
    settings: Annotated[
        Path | None,
        typer.Option(help=_("JSON settings file (e.g. the 'settings' of an earlier analysis).")),
    ] = None,
    band_percentile: Annotated[
        float | None, typer.Option(help=_("Expected band's lower percentile (default 25)."))
    ] = None,
    level: Annotated[
        float | None, typer.Option(help=_("Interval level of every estimate (default 0.95)."))
    ] = None,
    min_caseload: Annotated[
        int | None, typer.Option(help=_("Fewest episodes for a clinician estimate (default 10)."))
    ] = None,
    min_episodes: Annotated[
        int | None, typer.Option(help=_("Episodes needed for a local trajectory fit (300)."))
    ] = None,
    min_ratings_per_episode: Annotated[
        float | None, typer.Option(help=_("Ratings per episode a local fit needs (3)."))
    ] = None,
    alliance_summary: Annotated[
        str | None,
        typer.Option(help=_("Alliance in the Baldwin split: episode_mean (default) or early.")),
    ] = None,
) -> None:
    from alliance.cli import analyze as analyze_command

    options = {
        "band_percentile": band_percentile,
        "level": level,
        "min_caseload": min_caseload,
        "min_episodes_for_fit": min_episodes,
        "min_ratings_per_episode": min_ratings_per_episode,
        "alliance_summary": alliance_summary,
    }
    raise typer.Exit(
        analyze_command.run(ratings, json_out, report, settings_file=settings, options=options)
    )


@app.command(
    "import",
    cls=TranslatedCommand,
    help=_("Import historical ratings or a full export: all or nothing, safe to re-run."),
)
def import_(
    source: Annotated[Path, typer.Argument(help=_("A research CSV or a full export (.json)."))],
    organisation: Annotated[
        str,
        typer.Option(
            help=_("Organisation to import into (a full export keeps its own by default).")
        ),
    ] = "",
    allow_access_changes: Annotated[
        bool,
        typer.Option(
            "--allow-access-changes",
            help=_(
                "Into an organisation that exists already, allow new roles and care-team "
                "members (refused otherwise)."
            ),
        ),
    ] = False,
) -> None:
    _django()
    from alliance.cli.transfer import import_run

    raise typer.Exit(import_run(source, organisation, allow_access_changes=allow_access_changes))


@app.command(
    cls=TranslatedCommand,
    help=_("Export an organisation's data, whole, or pseudonymised for research."),
)
def export(
    destination: Annotated[
        Path, typer.Argument(help=_("File to write (.json, or .csv for research)."))
    ],
    organisation: Annotated[str, typer.Option(help=_("Name of the organisation to export."))],
    pseudonymise: Annotated[
        bool, typer.Option(help=_("Research export: no names or free text."))
    ] = False,
    key_file: Annotated[
        Path | None,
        typer.Option(help=_("File holding the pseudonymisation key (else ALLIANCE_EXPORT_KEY).")),
    ] = None,
) -> None:
    _django()
    from alliance.cli.transfer import export_run

    raise typer.Exit(
        export_run(destination, organisation, pseudonymise=pseudonymise, key_file=key_file)
    )


@app.command(
    cls=TranslatedCommand,
    help=_(
        "Write an agency report (see docs/reports.md); exits 2 when there is nothing to report."
    ),
)
def report(
    organisation: Annotated[str, typer.Option(help=_("Name of the organisation."))],
    date_from: Annotated[str, typer.Option("--from", help=_("First day, YYYY-MM-DD."))],
    date_to: Annotated[str, typer.Option("--to", help=_("Last day (included), YYYY-MM-DD."))],
    output: Annotated[Path, typer.Option(help=_("File to write."))],
    team: Annotated[str, typer.Option(help=_("Only this team."))] = "",
    clinician: Annotated[str, typer.Option(help=_("Only this clinician (log-in name)."))] = "",
    measure: Annotated[str, typer.Option(help=_("Only this outcome measure (e.g. ors)."))] = "",
    format_: Annotated[str, typer.Option("--format", help=_("pdf, csv or json."))] = "pdf",
) -> None:
    _django()
    from alliance.reports.commands import report_write

    problem = report_write(
        organisation=organisation,
        team=team,
        clinician=clinician,
        date_from=date_from,
        date_to=date_to,
        measure=measure,
        fmt=format_,
        output=output,
    )
    if problem:
        typer.echo(_("alliance report: %(problem)s") % {"problem": problem}, err=True)
        raise typer.Exit(2)
    typer.echo(_("Wrote %(file)s") % {"file": output})


def main() -> None:  # pragma: no cover - console-script entry
    sys.exit(app())
