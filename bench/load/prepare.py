"""Set up the load test's database (run by bench/bench_load.py in its own process).

Migrates the database named by DATABASE_URL, loads the demo clinic, opens a new session for
each link invitation (round the open episodes, by their primary therapist, as "Start session"
does) and writes the links' one-time tokens to a file. Prints, as JSON, the log-in names of the
clinicians who have a caseload and the demo password.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tokens", type=int, required=True, help="How many links to make.")
    parser.add_argument("--out", type=Path, required=True, help="File for the tokens.")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from alliance.care.models import CareRole, CareTeamMember
    from alliance.clinic.services import session_start
    from alliance.demo.clinic import DEMO_PASSWORD, load_demo
    from alliance.portal.models import Channel
    from alliance.portal.services import invitation_create

    call_command("migrate", verbosity=0)
    summary = load_demo()
    primaries = list(
        CareTeamMember.objects.filter(
            role=CareRole.PRIMARY_THERAPIST,
            episode__client__organisation=summary.organisation,
            episode__ended_on__isnull=True,
        )
        .select_related("episode", "member")
        .order_by("episode_id")
    )
    tokens = []
    for number in range(args.tokens):
        primary = primaries[number % len(primaries)]
        session = session_start(episode=primary.episode, by=primary.member, confirm_unbooked=True)
        _invitation, token = invitation_create(
            session=session,
            measures=["ors", "srs"],
            channel=Channel.LINK,
            created_by=primary.member,
        )
        tokens.append(token)
    args.out.write_text("\n".join(tokens) + "\n")
    clinicians = sorted({primary.member.username for primary in primaries})
    print(json.dumps({"clinicians": clinicians, "password": DEMO_PASSWORD}))


if __name__ == "__main__":
    main()
