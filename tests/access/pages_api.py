"""The token page (``tokens:list``) for every role; the REST API (/api/v1/) and FHIR (/fhir/)
URLs are not HTML pages and use a bearer token, not a password, so each is tried as every role
in tests/api/ (as is the POST ``tokens:revoke``)."""

from django.urls import reverse

from tests.access.roles import STAFF_PAGE

PAGES = {"tokens:list": (lambda cast: reverse("tokens:list"), STAFF_PAGE)}

NOT_GET_PAGES = {
    "tokens:revoke",
    "api:api-root",
    "api:openapi-json",
    "api:client_list",
    "api:client_detail",
    "api:episode_list",
    "api:episode_detail",
    "api:care_team",
    "api:episode_series",
    # Intake and episodes (issue 11): tried as every role in tests/api/test_rest_episodes.py.
    "api:client_create",
    "api:episode_create",
    "api:episode_update",
    "api:session_list",
    "api:session_detail",
    "api:response_list",
    "api:response_detail",
    "api:response_create",
    "api:response_void",
    "api:alert_list",
    "api:alert_detail",
    "api:alert_acknowledge_endpoint",
    "api:goal_list",
    "api:goal_create",
    "api:task_create",
    "api:rupture_create",
    "api:task_list",
    "api:rupture_list",
    "api:agenda_item_list",
    "api:alliance_comment_list",
    "api:client_hopes_list",
    "api:episode_preferences",
    "api:response_words",
    "fhir:metadata",
    "fhir:search",
    "fhir:read",
    "fhir:unknown",
}
