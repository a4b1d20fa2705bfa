"""The client's-voice pages in the role table (issue 19).

The printable progress summary is for the client's care team only (the words and scores are
the client's; a supervisor off the care team reads the client page, not this hand-out). The
client's own progress page opens only in the browser that has just answered a link, so every
role here gets 404. The writes (covered marks, sharing, intake invitations) are POSTs: their
answers by role are in tests/access/test_writes_by_role.py and tests/voice/.
"""

from django.urls import reverse

from tests.access.roles import ROLES

CARE_TEAM_ONLY = {role: 404 for role in ROLES} | {"anonymous": 302, "clinician": 200}

PAGES = {
    "voice:progress_summary": (
        lambda c: reverse("voice:progress_summary", args=[c.episode.pk]),
        CARE_TEAM_ONLY,
    ),
    "voice:client_progress": (
        lambda c: reverse("voice:client_progress"),
        dict.fromkeys(ROLES, 404),
    ),
}

NOT_GET_PAGES = {"voice:agenda_item_covered", "voice:episode_sharing", "voice:intake_invite"}
