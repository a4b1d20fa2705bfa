"""FHIR R4 ``EpisodeOfCare`` (issue 11, point 7): an episode of care as a read-only resource,
read by id and searched by patient, scoped by ``alliance.access.visible_episodes`` like the
pages. Pseudonymous like ``Patient``: the client is a reference, never a name.

Mapping (https://hl7.org/fhir/R4/episodeofcare.html): ``status`` is ``active`` while the
episode is open and ``finished`` once it ended; ``type`` is the setting (individual, couple,
...), coded in ``urn:alliance:setting``; ``period`` runs from the start to the end; how it
ended (planned, client-initiated, no contact, transferred) is an extension, as R4 has no element
for it; an episode continuing an earlier one (a transfer) refers to it in another extension.
"""

from typing import Any

from django.db.models import QuerySet

from alliance import access
from alliance.accounts.models import User
from alliance.care.models import Episode

SETTING_SYSTEM = "urn:alliance:setting"
ENDING_EXTENSION = "urn:alliance:fhir:episode-ending"
CONTINUES_EXTENSION = "urn:alliance:fhir:episode-continues"
SEARCH_PARAMETERS = [("patient", "reference"), ("status", "token")]
STATUSES = ("active", "finished")


def visible(user: User) -> QuerySet[Episode]:
    """The episodes the token's user sees, with what the resource needs, in a stable order."""
    return (
        access.visible_episodes(user)
        .select_related("team__organisation")
        .prefetch_related("care_team__member")
        .order_by("pk")
    )


def status_filter(records: QuerySet[Episode], value: str) -> QuerySet[Episode] | None:
    """``status=active`` or ``finished`` (several with commas); None for an unknown status."""
    wanted = {part.rpartition("|")[2] for part in value.split(",")}
    if not wanted <= set(STATUSES):
        return None
    if wanted == {"active"}:
        return records.filter(ended_on__isnull=True)
    if wanted == {"finished"}:
        return records.filter(ended_on__isnull=False)
    return records


def episode_of_care(episode: Episode) -> dict[str, Any]:
    period: dict[str, str] = {"start": episode.started_on.isoformat()}
    if episode.ended_on is not None:
        period["end"] = episode.ended_on.isoformat()
    resource: dict[str, Any] = {
        "resourceType": "EpisodeOfCare",
        "id": str(episode.pk),
        "status": "finished" if episode.ended_on else "active",
        "type": [
            {
                "coding": [
                    {
                        "system": SETTING_SYSTEM,
                        "code": episode.setting,
                        "display": str(episode.get_setting_display()),
                    }
                ]
            }
        ],
        "patient": {"reference": f"Patient/{episode.client_id}"},
        "managingOrganization": {"display": episode.team.organisation.name},
        "period": period,
        "team": [{"display": episode.team.name}],
    }
    primary = next((m for m in episode.care_team.all() if m.role == "primary_therapist"), None)
    if primary is not None:
        resource["careManager"] = {
            "display": primary.member.get_full_name() or primary.member.username
        }
    extensions: list[dict[str, Any]] = []
    if episode.ending:
        extensions.append({"url": ENDING_EXTENSION, "valueCode": episode.ending})
    if episode.continues_id:
        extensions.append(
            {
                "url": CONTINUES_EXTENSION,
                "valueReference": {"reference": f"EpisodeOfCare/{episode.continues_id}"},
            }
        )
    if extensions:
        resource["extension"] = extensions
    return resource
