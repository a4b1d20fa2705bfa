"""Which named URLs show or change clinical data, and how each is recorded in the audit log.

Every named URL outside the Django admin is in exactly one of ``CLINICAL`` or ``NOT_CLINICAL``,
and the admin's pages of clinical models are in ``CLINICAL`` too;
tests/audit/test_coverage.py fails when a new URL is in neither, so the log cannot silently fall
behind the pages. A route in ``CLINICAL`` is recorded on every request, whatever the answer: a
refused attempt (403, 404) or a redirect to the log-in page is worth knowing too.
"""

from dataclasses import dataclass

from alliance.audit.models import Action


@dataclass(frozen=True)
class Audited:
    """How one route is recorded.

    ``kind`` names the record seen or changed and ``kwarg`` the URL argument holding its id (none
    for a list). ``action`` is fixed for an export; otherwise it follows the method: a read is a
    view, a POST a ``write`` (change, or create where ``write`` says so), a DELETE a delete.
    ``portal`` marks a client's form, found from the browser session or the link, not the URL.
    """

    kind: str
    kwarg: str | None = None
    write: str = Action.CHANGE
    action: str | None = None
    portal: bool = False


def _create(kind: str, kwarg: str | None = None) -> Audited:
    return Audited(kind, kwarg, write=Action.CREATE)


CLINICAL: dict[str, Audited] = {
    # Staff pages.
    "clinic:caseload": Audited("client"),
    "clinic:episode": Audited("episode", "episode_id"),
    "clinic:session": Audited("session", "session_id"),
    "clinic:session_start": _create("episode", "episode_id"),
    "clinic:session_attendance": Audited("session", "session_id"),
    "clinic:session_rating": _create("session", "session_id"),
    "clinic:today": Audited("client"),
    "clinic:appointment_book": _create("episode", "episode_id"),
    "clinic:appointment_reschedule": Audited("session", "session_id"),
    "clinic:appointment_cancel": Audited("session", "session_id"),
    "clinic:appointment_attended": Audited("session", "session_id"),
    "clinic:appointment_no_show": Audited("session", "session_id"),
    "clinic:appointment_withdraw": Audited("session", "session_id"),
    "clinic:response_void": Audited("response", "response_id"),
    "clinic:session_paper": _create("session", "session_id"),
    "clinic:session_correct": Audited("session", "session_id"),
    "clinic:team": Audited("team"),
    "clinic:development": Audited("clinician", "clinician_id"),
    "care:client_add": _create("client"),
    "care:goal_add": _create("episode", "episode_id"),
    # Episodes and measurement plans (issue 11): alliance/care/episode_views.py.
    "care:episode_open": _create("client", "client_id"),
    "care:care_team": Audited("episode", "episode_id"),
    "care:episode_transfer": Audited("episode", "episode_id"),
    "care:episode_end": Audited("episode", "episode_id"),
    "care:episode_plan": Audited("episode", "episode_id"),
    "care:plan_defaults": Audited("team"),
    "care:team_plan": Audited("team", "team_id"),
    "care:goal_edit": Audited("goal", "goal_id"),
    "care:goal_ratings": Audited("session", "session_id"),
    "care:task_add": _create("session", "session_id"),
    "care:task_review": Audited("task", "task_id"),
    "care:rupture_add": _create("session", "session_id"),
    "care:rupture_edit": Audited("rupture", "rupture_id"),
    "care:reflection": Audited("session", "session_id"),
    "feedback:alert_acknowledge": Audited("alert", "alert_id"),
    "feedback:alert_snooze": Audited("alert", "alert_id"),
    "feedback:session_alerts_acknowledge": Audited("session", "session_id"),
    "portal:invite": _create("session", "session_id"),
    "voice:agenda_item_covered": Audited("agenda_item", "item_id"),
    "voice:episode_sharing": Audited("episode", "episode_id"),
    "voice:progress_summary": Audited("episode", "episode_id"),
    "voice:intake_invite": _create("session", "session_id"),
    "portal:kiosk_code": Audited("invitation", "invitation_id"),
    "portal:link_resend": Audited("invitation", "invitation_id"),
    "portal:link_cancel": Audited("invitation", "invitation_id"),
    "reports:home": Audited("report"),
    "reports:download": Audited("report", action=Action.EXPORT),
    # Clients answering: the tablet, a link, the kiosk, and the thank-you page with the chart.
    # A POST there is a client sending answers, which creates a response.
    "portal:tablet": Audited("invitation", write=Action.CREATE, portal=True),
    "portal:link": Audited("invitation", write=Action.CREATE, portal=True),
    "portal:kiosk": Audited("invitation", write=Action.CREATE, portal=True),
    "portal:thanks": Audited("invitation", portal=True),
    "voice:client_progress": Audited("invitation", portal=True),
    # REST API by token. A list and its create share a path, and Django resolves the path to
    # the list's name: a POST to it is a create.
    "api:client_list": Audited("client"),
    "api:client_detail": Audited("client", "client_id"),
    "api:episode_list": Audited("episode"),
    "api:episode_detail": Audited("episode", "episode_id"),
    "api:care_team": Audited("episode", "episode_id"),
    "api:client_create": _create("client"),
    "api:episode_create": _create("episode"),
    "api:episode_update": Audited("episode", "episode_id"),
    "api:session_list": Audited("session"),
    "api:session_detail": Audited("session", "session_id"),
    "api:response_list": _create("response"),
    "api:response_detail": Audited("response", "response_id"),
    "api:response_create": _create("response"),
    "api:response_void": Audited("response", "response_id"),
    "api:alert_list": Audited("alert"),
    "api:alert_detail": Audited("alert", "alert_id"),
    "api:alert_acknowledge_endpoint": Audited("alert", "alert_id"),
    "api:goal_list": _create("goal"),
    "api:goal_create": _create("goal"),
    "api:task_list": _create("task"),
    "api:task_create": _create("task"),
    "api:rupture_list": _create("rupture"),
    "api:rupture_create": _create("rupture"),
    "api:agenda_item_list": Audited("agenda_item"),
    "api:alliance_comment_list": Audited("session"),
    "api:client_hopes_list": Audited("episode"),
    "api:episode_preferences": Audited("episode", "episode_id"),
    "api:episode_series": Audited("episode", "episode_id"),
    "api:response_words": Audited("response", "response_id"),
    # Appointments (issue 11): a POST to the list books (a create); a PATCH changes one.
    "api:appointment_list": _create("session"),
    "api:appointment_create": _create("session"),
    "api:appointment_detail": Audited("session", "appointment_id"),
    "api:appointment_change": Audited("session", "appointment_id"),
    "api:session_due": Audited("session", "session_id"),
    # FHIR by token: the kind and id come from the resource type and id in the URL.
    "fhir:search": _create("fhir"),
    "fhir:read": Audited("fhir", "resource_id"),
}

# The admin site's pages of the models that hold clinical data: each list, record, history,
# addition and deletion is recorded like a page. Their names are "admin:<app>_<model>_<page>";
# tests/audit/test_coverage.py fails when a clinical app registers a model not listed here.
ADMIN_CLINICAL_MODELS = {
    "care_client": "client",
    "care_episode": "episode",
    "care_session": "session",
    "care_goal": "goal",
    "care_goalrating": "goal_rating",
    "care_task": "task",
    "care_rupture": "rupture",
    "measures_response": "response",
    "feedback_alert": "alert",
}


def _admin_routes(model: str, kind: str) -> dict[str, Audited]:
    return {
        f"admin:{model}_changelist": Audited(kind),
        f"admin:{model}_add": _create(kind),
        f"admin:{model}_change": Audited(kind, "object_id"),
        f"admin:{model}_history": Audited(kind, "object_id"),
        f"admin:{model}_delete": Audited(kind, "object_id", write=Action.DELETE),
    }


CLINICAL |= {
    name: rule
    for model, kind in ADMIN_CLINICAL_MODELS.items()
    for name, rule in _admin_routes(model, kind).items()
}

# Why each of these shows no clinical data.
NOT_CLINICAL: dict[str, str] = {
    "login": "the log-in form; log-ins are recorded from Django's signals",
    "logout": "ends the session; recorded from Django's signals",
    "password_change": "the user's own password",
    "password_change_done": "a confirmation",
    "password_reset": "the user's own password",
    "password_reset_done": "a confirmation",
    "password_reset_confirm": "the user's own password",
    "password_reset_complete": "a confirmation",
    "accounts:two_factor": "the user's own second factor",
    "accounts:two_factor_verify": "the user's own second factor",
    "accounts:two_factor_remove": "the user's own second factor",
    "accounts:organisation_security": "the organisation's security settings",
    "accounts:reauthenticate": "the password (and code) typed again before a privileged change",
    "set_language": "the interface language",
    "accounts:settings": "the user's own settings (their language)",
    "portal:language": "the interface language",
    "portal:tablet_return": "the password check that takes the tablet back",
    "portal:kiosk_staff": "staff start or unlock a kiosk; no client involved (recorded by the "
    "view with audit_record)",
    "clinic:home": "a redirect to the caseload",
    "healthz": "the server's health check",
    "tokens:list": "the user's own API tokens",
    "tokens:revoke": "the user's own API tokens",
    "api:api-root": "the API's index",
    "api:openapi-json": "the API's schema",
    "fhir:metadata": "the FHIR capability statement",
    "fhir:unknown": "an unknown FHIR path: an OperationOutcome, no data",
    "trajectories:index": "expected trajectories: statistics of the clinic, no client",
    "trajectories:measure": "expected trajectories: statistics of the clinic, no client",
    "trajectories:status": "expected trajectories: statistics of the clinic, no client",
    "trajectories:refit": "expected trajectories: statistics of the clinic, no client",
    "trajectories:use_default": "expected trajectories: statistics of the clinic, no client",
    "trajectories:activate": "expected trajectories: statistics of the clinic, no client",
    "audit:events": "the audit log: references only, never clinical content",
    "audit:export": "the audit log's CSV; the view records the export itself",
}

# A list or search filtered to one record is recorded as a look at that record (and so at its
# client): the query parameter and the record kind it names, the narrowest first.
SEARCH_FILTERS: dict[str, tuple[tuple[str, str], ...]] = {
    "api": (("session", "session"), ("episode", "episode"), ("client", "client")),
    "fhir": (("encounter", "session"), ("patient", "client"), ("subject", "client")),
}

# FHIR resource types and the record each one is.
FHIR_KINDS = {
    "Patient": "client",
    "Encounter": "session",
    "QuestionnaireResponse": "response",
    "Observation": "response",
}
