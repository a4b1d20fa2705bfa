"""The ``alliance`` command line: the typer app (``main``), ``alliance analyze`` (``analyze``) and
its offline page (``analyze_report``). ``alliance.cli:app`` is the console script's entry point."""

from alliance.cli.main import app

__all__ = ["app"]
