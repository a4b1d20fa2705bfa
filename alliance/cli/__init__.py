"""The ``alliance`` command line: the typer app (``main``), ``alliance analyze`` (``analyze``) and
its offline page (``analyze_report``). ``alliance.cli:app`` is the console script's entry point."""

from alliance.cli import language  # noqa: F401  (first: it sets the language typer reads)
from alliance.cli.main import app

__all__ = ["app"]
