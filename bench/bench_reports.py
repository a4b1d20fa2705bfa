"""Benchmark: agency reports over about a million ratings, as a ratio to a plain COUNT(*).

Run: ``python bench/bench_reports.py [ratings]`` (default 1,000,000; ``--small`` or
``ALLIANCE_BENCH_SIZE=small``: 480 ratings, a smoke run). Builds a throw-away SQLite
database, or uses ``BENCH_DATABASE_URL`` (an empty PostgreSQL database made for this, e.g.
``postgres://postgres@127.0.0.1:5432/bench_reports``; its tables are created and left behind).
The clinic: 3 teams, 30 clinicians, episodes of 12 attended sessions each rated on the ORS and
SRS, most of them closed. Then it times, in the same run, a plain ``COUNT(*)`` over the same
ratings and each report (organisation, team, clinician; figures only, no page) and prints each
report's time and its ratio to the count: first the organisation report with no stored episode
figures (every episode's series read afresh, then stored), then each report over the stored
figures (best of three; ``alliance.reports.stored``). Speed is never asserted in tests; the
query count is (tests/reports/test_pages.py, tests/reports/test_stored_figures.py).

Flags: ``--reuse`` keeps the clinic of an earlier run with the same number of ratings in
``BENCH_DATABASE_URL`` (its organisation is named after the number) and builds it only if it is
not there, so one build serves several runs; ``--no-afresh`` skips the report with no stored
figures (and keeps the stored rows an earlier run left); ``--fill`` times
``manage.py report_figures_fill`` over the organisation first, as the daily unit runs it after
migrating.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SESSIONS, CLINICIANS, TEAMS, BATCH = 12, 30, 3, 5000


def _configure(folder: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["ALLIANCE_ENV"] = "test"
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{folder}/bench.sqlite3"
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _existing(ratings: int) -> tuple[object, object, object] | None:
    from alliance.accounts.models import Organisation, User

    org = Organisation.objects.filter(name=f"Bench {ratings}").first()
    if org is None:
        return None
    team = org.teams.order_by("name").first()
    clinician = User.objects.filter(memberships__organisation=org).order_by("pk").first()
    return org, team, clinician


def _build(ratings: int, name: str) -> object:
    import numpy as np
    from django.utils import timezone

    from alliance.accounts.models import Organisation, Role, Team
    from alliance.care.models import CareRole, CareTeamMember, Client, Ending, Episode, Session
    from alliance.measures.models import Method, Rater, Response
    from tests.factories import make_user

    rng = np.random.default_rng(3)
    org = Organisation.objects.create(name=name)
    teams = [Team.objects.create(organisation=org, name=f"Team {t}") for t in range(TEAMS)]
    staff = [
        make_user(
            f"bench{uuid.uuid4().hex[:6]}{c}",
            organisation=org,
            role=Role.CLINICIAN,
            team=teams[c % TEAMS],
        )
        for c in range(CLINICIANS)
    ]
    n_episodes = ratings // (2 * SESSIONS)
    first_day = dt.date(2025, 1, 6)
    for chunk in range(0, n_episodes, BATCH):
        size = min(BATCH, n_episodes - chunk)
        people = Client.objects.bulk_create(
            Client(organisation=org, code=f"B{chunk + i}", display_name="Bench", age_group="adult")
            for i in range(size)
        )
        starts = rng.integers(0, 300, size)
        closed = rng.random(size) < 0.8
        episodes = Episode.objects.bulk_create(
            Episode(
                client=p,
                team=teams[(chunk + i) % CLINICIANS % TEAMS],
                started_on=first_day + dt.timedelta(days=int(starts[i])),
                ended_on=first_day + dt.timedelta(days=int(starts[i]) + 7 * SESSIONS)
                if closed[i]
                else None,
                ending=Ending.PLANNED if closed[i] else "",
            )
            for i, p in enumerate(people)
        )
        CareTeamMember.objects.bulk_create(
            CareTeamMember(
                episode=e, member=staff[(chunk + i) % CLINICIANS], role=CareRole.PRIMARY_THERAPIST
            )
            for i, e in enumerate(episodes)
        )
        sessions = Session.objects.bulk_create(
            Session(
                episode=e,
                number=n,
                status="attended",
                starts_at=timezone.make_aware(
                    dt.datetime.combine(e.started_on + dt.timedelta(weeks=n - 1), dt.time(10))
                ),
            )
            for e in episodes
            for n in range(1, SESSIONS + 1)
        )
        intake = rng.normal(19.6, 7.5, size).clip(0, 34)
        gain = rng.normal(6, 6.5, size)
        rows = []
        for index, s in enumerate(sessions):
            e, n = divmod(index, SESSIONS)
            ors = float(
                np.clip(
                    intake[e] + gain[e] * np.log(n + 1) / np.log(SESSIONS + 1) + rng.normal(0, 3),
                    0,
                    40,
                ).round(1)
            )
            srs = float(np.clip(rng.normal(37.5, 2), 0, 40).round(1))
            for code, total in (("ors", ors), ("srs", srs)):
                rows.append(
                    Response(
                        session=s,
                        instrument=code,
                        rater=Rater.CLIENT,
                        method=Method.TABLET,
                        items={},
                        total=total,
                        answered_at=s.starts_at,
                        idempotency_key=uuid.uuid4(),
                    )
                )
        Response.objects.bulk_create(rows, batch_size=2000)
    return org, teams[0], staff[0]


def _timed(work) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    flags = {"--small", "--reuse", "--no-afresh", "--fill"}
    numbers = [a for a in sys.argv[1:] if a not in flags]
    small = "--small" in sys.argv or os.environ.get("ALLIANCE_BENCH_SIZE") == "small"
    reuse, afresh, fill = (
        "--reuse" in sys.argv,
        "--no-afresh" not in sys.argv,
        "--fill" in sys.argv,
    )
    ratings = int(numbers[0]) if numbers else 480 if small else 1_000_000
    with tempfile.TemporaryDirectory() as folder:
        _configure(folder)
        from django.db import connection

        from alliance.measures.models import Response
        from alliance.reports.models import EpisodeFigures
        from alliance.reports.selectors import report_build, report_scope

        start = time.perf_counter()
        found = _existing(ratings) if reuse else None
        if found is None:
            name = f"Bench {ratings}" if reuse else f"Bench {uuid.uuid4().hex[:6]}"
            found = _build(ratings, name)
            print(f"{connection.vendor}: built in {time.perf_counter() - start:.0f} s")
        else:
            print(f"{connection.vendor}: reusing the clinic of an earlier run")
        org, team, clinician = found
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        rated = Response.objects.filter(session__episode__team__organisation=org)
        count = 0

        def plain_count() -> None:
            nonlocal count
            count = rated.count()

        baseline = _timed(plain_count)
        print(f"{count} ratings; COUNT(*) over them: {baseline:.3f} s")
        window = {"start": dt.date(2025, 1, 1), "end": dt.date(2025, 12, 31)}
        if fill:
            from django.core.management import call_command

            start = time.perf_counter()
            call_command("report_figures_fill", organisation=org.name, verbosity=0)
            seconds = time.perf_counter() - start
            print(
                f"{'report_figures_fill':<22}{seconds:>8.2f} s   ratio to COUNT(*): "
                f"{seconds / baseline:>7.1f}"
            )
        if afresh:
            EpisodeFigures.objects.filter(episode__team__organisation=org).delete()
            start = time.perf_counter()
            report_build(report_scope(viewer=None, organisation=org.name, **window))
            seconds = time.perf_counter() - start
            print(
                f"{'organisation, afresh':<22}{seconds:>8.2f} s   ratio to COUNT(*): "
                f"{seconds / baseline:>7.1f}   (no stored figures: every series read, then stored)"
            )
        for label, names in (
            ("organisation", {}),
            ("team", {"team": team.name}),
            ("clinician", {"clinician": clinician.username}),
        ):

            def run(names: dict = names) -> None:
                report_build(report_scope(viewer=None, organisation=org.name, **names, **window))

            seconds = _timed(run)
            print(
                f"{label + ' report':<22}{seconds:>8.2f} s   ratio to COUNT(*): "
                f"{seconds / baseline:>7.1f}"
            )


if __name__ == "__main__":
    main()
