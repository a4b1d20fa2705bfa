"""FHIR R4 ``Appointment`` (issue 11, point 7): read, search by patient and date, and create, so
a clinic's scheduling system can book into Alliance.

An Appointment is a session of an episode (``care.Session``); it is created through
``alliance.care.appointments.appointment_book``, with every check the pages make. The status
maps both ways: booked (scheduled), fulfilled (attended), cancelled, noshow (no-show),
entered-in-error (withdrawn: opened by mistake). The way of meeting is the appointment type
(in person, video, phone, in ``urn:alliance:session-mode``).
"""

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from fhirclient.models.appointment import Appointment as AppointmentModel
from fhirclient.models.fhirabstractbase import FHIRValidationError

from alliance import access
from alliance.accounts.models import User
from alliance.api.fhir.refusals import WriteRefused
from alliance.care import appointments
from alliance.care.models import Episode, Session, SessionMode, SessionStatus

__all__ = ["STATUS", "AppointmentError", "appointment", "appointment_create"]

STATUS: dict[str, str] = {
    SessionStatus.SCHEDULED: "booked",
    SessionStatus.ATTENDED: "fulfilled",
    SessionStatus.CANCELLED: "cancelled",
    SessionStatus.NO_SHOW: "noshow",
    SessionStatus.WITHDRAWN: "entered-in-error",
}
MODE_SYSTEM = "urn:alliance:session-mode"
STAFF_SYSTEM = "urn:alliance:staff"


class AppointmentError(WriteRefused):
    pass


def appointment(session: Session) -> dict[str, Any]:
    """The session as an R4 Appointment (read from a session with its episode and staff)."""
    ends = session.starts_at + dt.timedelta(minutes=session.duration_minutes)
    participants: list[dict[str, Any]] = [
        {
            "actor": {"reference": f"Patient/{session.episode.client_id}"},
            "status": "accepted",
        }
    ]
    participants += [
        {
            "actor": {"identifier": {"system": STAFF_SYSTEM, "value": str(person.pk)}},
            "status": "accepted",
        }
        for person in session.attended_by.all()
    ]
    body: dict[str, Any] = {
        "resourceType": "Appointment",
        "id": str(session.pk),
        "status": STATUS.get(session.status, "booked"),
        "appointmentType": {
            "coding": [{"system": MODE_SYSTEM, "code": session.mode}],
            "text": str(SessionMode(session.mode).label),
        },
        "start": session.starts_at.isoformat(),
        "end": ends.isoformat(),
        "minutesDuration": session.duration_minutes,
        "participant": participants,
    }
    if session.status in (SessionStatus.CANCELLED, SessionStatus.WITHDRAWN) and session.reason:
        body["cancelationReason"] = {"text": session.reason}
    if session.booked_at:
        body["created"] = timezone.localdate(session.booked_at).isoformat()
    return body


# References ------------------------------------------------------------------------------------


def _id_of(value: str, kind: str, parameter: str) -> int:
    prefix, _, raw = value.rpartition("/")
    if (prefix and not prefix.endswith(kind)) or not (
        raw.isascii() and raw.isdigit() and len(raw) <= 10
    ):
        raise AppointmentError(f"{parameter}: expected a {kind} id.", parameter, status=400)
    return int(raw)


# Creating ------------------------------------------------------------------------------------


def _time(body: Mapping[str, Any], name: str) -> dt.datetime | None:
    raw = body.get(name)
    if raw is None:
        return None
    moment = parse_datetime(raw) if isinstance(raw, str) else None
    if moment is None or timezone.is_naive(moment) or not 1900 <= moment.year <= 2199:
        raise AppointmentError(
            f"{name}: expected an instant with its time zone (YYYY-MM-DDThh:mm:ss+zz:zz).", name
        )
    return moment


def _patient(body: Mapping[str, Any]) -> int:
    for participant in body.get("participant") or []:
        reference = str(((participant or {}).get("actor") or {}).get("reference") or "")
        if reference.startswith("Patient/"):
            return _id_of(reference, "Patient", "participant.actor")
    raise AppointmentError(
        "participant: name the client as a participant (actor.reference Patient/<id>).",
        "participant",
    )


def _episode(body: Mapping[str, Any], user: User) -> Episode:
    """The episode to book into: the one named in ``supportingInformation``
    (``EpisodeOfCare/<id>``), else the patient's only open episode the user is on the care
    team of."""
    client = _patient(body)
    open_ = access.visible_episodes(user).filter(client_id=client, ended_on__isnull=True)
    named = [
        str((entry or {}).get("reference") or "")
        for entry in body.get("supportingInformation") or []
        if str((entry or {}).get("reference") or "").startswith("EpisodeOfCare/")
    ]
    if named:
        open_ = open_.filter(pk=_id_of(named[0], "EpisodeOfCare", "supportingInformation"))
    found = list(open_.prefetch_related("care_team")[:2])
    if not found:
        raise AppointmentError(
            "participant: no open episode of this patient that you may see.",
            "participant",
            status=404,
            code="not-found",
        )
    if len(found) > 1:
        raise AppointmentError(
            "supportingInformation: the patient has several open episodes; name one "
            "(EpisodeOfCare/<id>).",
            "supportingInformation",
        )
    if not access.is_on_care_team(user, found[0]):
        raise AppointmentError(
            "Only the client's care team books their sessions.", status=403, code="forbidden"
        )
    return found[0]


def _mode(body: Mapping[str, Any]) -> str:
    for coding in (body.get("appointmentType") or {}).get("coding") or []:
        if (coding or {}).get("system") == MODE_SYSTEM:
            return str(coding.get("code") or "")
    return SessionMode.IN_PERSON


def _check_structure(body: Any) -> Mapping[str, Any]:
    if not isinstance(body, dict) or body.get("resourceType") != "Appointment":
        raise AppointmentError("resourceType: expected an Appointment.", "resourceType")
    try:
        AppointmentModel(body, strict=True)
    except (FHIRValidationError, TypeError, ValueError) as error:
        words = str(error).strip().splitlines()[-1].strip() if str(error) else "not valid R4"
        raise AppointmentError(f"Not a valid R4 Appointment: {words}") from None
    if body.get("status") not in ("booked", "proposed", "pending"):
        raise AppointmentError(
            "status: a new appointment is booked (or proposed, pending: booked all the same).",
            "status",
        )
    return body


def appointment_create(body: Any, *, user: User, confirm_overlap: bool = False) -> Session:
    """Book the Appointment into the patient's episode (``appointment_book``). The length is
    ``minutesDuration``, else ``end`` minus ``start``. An overlap with another session of the
    same clinician is refused (409) unless ``confirm_overlap``. Sending the same booking again
    returns the session already booked."""
    checked = _check_structure(body)
    starts_at = _time(checked, "start")
    if starts_at is None:
        raise AppointmentError("start: a booked appointment says when it starts.", "start")
    ends_at = _time(checked, "end")
    episode = _episode(checked, user)
    minutes = checked.get("minutesDuration")
    try:
        [session] = appointments.appointment_book(
            episode=episode,
            by=user,
            starts_at=starts_at,
            duration_minutes=minutes if minutes is not None else 50,
            ends_at=ends_at if minutes is None else None,
            mode=_mode(checked),
            confirm_overlap=confirm_overlap,
        )
    except appointments.AppointmentOverlap as overlap:
        raise AppointmentError(
            "start: " + " ".join(overlap.message_dict["starts_at"]),
            "start",
            status=409,
            code="conflict",
        ) from None
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        fhir_name = {"starts_at": "start", "ends_at": "end", "duration_minutes": "minutesDuration"}
        name = fhir_name.get(field, field)
        raise AppointmentError(f"{name}: {' '.join(messages)}", name) from None
    return (
        Session.objects.select_related("episode").prefetch_related("attended_by").get(pk=session.pk)
    )
