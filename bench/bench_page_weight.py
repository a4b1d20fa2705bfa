"""Benchmark: what the caseload and the client page weigh on a first visit and on a repeat visit,
against the log-in page, in the same run (issue 16, point 3).

Run: ``python bench/bench_page_weight.py`` (``--small`` or ``ALLIANCE_BENCH_SIZE=small``: 20
clients). Builds a throw-away SQLite database (or ``BENCH_DATABASE_URL``) with a caseload of 200
clients rated over 8 sessions, runs ``collectstatic`` with the production storage (hashed names,
gzip and Brotli copies: docs/deployment.md) into a temporary folder, then fetches each page with
Django's test client and adds up what a browser downloads:

- first visit: the page's HTML (gzip, as nginx sends it) and every script and style sheet it links
  (the Brotli copy WhiteNoise serves);
- repeat visit: the HTML only, since the linked files carry their content hash in their name and
  are cached for a year (``Cache-Control: immutable``).

The goal is a repeat visit under 50 KB. Nothing about size is asserted in the tests.
"""

from __future__ import annotations

import gzip
import os
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SMALL = "--small" in sys.argv or os.environ.get("ALLIANCE_BENCH_SIZE") == "small"
CLIENTS, SESSIONS = (20, 3) if SMALL else (200, 8)
ASSET = re.compile(r'(?:src|href)="(/static/[^"]+)"')


def _configure(folder: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["ALLIANCE_ENV"] = "test"
    os.environ["DATABASE_URL"] = (
        os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{folder}/bench.sqlite3"
    )
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    import django
    from django.conf import settings

    django.setup()
    # The production storage, before anything asks for a static file's name.
    settings.STATIC_ROOT = Path(folder) / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)


def _weights(html: bytes, static_root: Path) -> tuple[int, int, int]:
    """(HTML gzip bytes, linked files' Brotli bytes, number of linked files)."""
    sent = len(gzip.compress(html, 6))
    assets = set(ASSET.findall(html.decode()))
    linked = 0
    for url in assets:
        path = static_root / url.removeprefix("/static/")
        packed = path.with_name(path.name + ".br")
        linked += (packed if packed.exists() else path).stat().st_size
    return sent, linked, len(assets)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        _configure(folder)
        from types import SimpleNamespace

        from django.conf import settings
        from django.contrib.auth import authenticate
        from django.db import connection
        from django.test import Client as Browser
        from django.test import RequestFactory
        from django.urls import reverse

        from tests.clinic.builders import bulk_caseload
        from tests.factories import PASSWORD, make_clinic

        clinic = SimpleNamespace(**make_clinic())
        episodes = bulk_caseload(clinic, clients=CLIENTS - 1, sessions=SESSIONS)
        browser = Browser()
        login = reverse("login")
        user = authenticate(RequestFactory().post(login), username="clinician", password=PASSWORD)
        assert user is not None, "the clinician could not log in"
        anonymous = Browser().get(login)
        browser.force_login(user, backend=user.backend)
        pages = {
            "log-in page (baseline)": anonymous,
            f"caseload, {CLIENTS} clients": browser.get(reverse("clinic:caseload")),
            "client page": browser.get(reverse("clinic:episode", args=[episodes[0].pk])),
        }
        root = Path(settings.STATIC_ROOT)
        print(f"{connection.vendor}: {CLIENTS} clients x {SESSIONS} sessions")
        print(f"{'page':<28}{'files':>6}{'first visit KB':>16}{'repeat visit KB':>17}")
        figures = {}
        for name, response in pages.items():
            assert response.status_code == 200, (name, response.status_code)
            html, linked, count = _weights(response.content, root)
            figures[name] = (html + linked, html)
            print(f"{name:<28}{count:>6}{(html + linked) / 1024:>16.1f}{html / 1024:>17.1f}")
        baseline = figures["log-in page (baseline)"][0]
        client_first, client_repeat = figures["client page"]
        print(f"ratio client page first visit / log-in page: {client_first / baseline:.1f}")
        print(f"ratio client page repeat visit / log-in page: {client_repeat / baseline:.1f}")
        worst = max(repeat for _first, repeat in figures.values())
        print(f"heaviest repeat visit: {worst / 1024:.1f} KB (goal: under 50 KB)")


if __name__ == "__main__":
    main()
