"""No clinical data in addresses or logs.

Addresses end up in browser history, proxy and server access logs and Referer headers, so every
parameter in a URL pattern is a record id or an opaque token, never a name or words. Logs are
read by people who may not see clinical records, so a realistic day (a client answering by link,
a risk item among the answers, a clinician reading the caseload and editing a goal) is run with
every logger at DEBUG, and none of the client's name, e-mail, phone, goal words or answers, nor
the live link token, may appear in any record.
"""

import logging
import re
import uuid
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from django.core import mail
from django.test import Client as Browser
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter, UUIDConverter

from alliance.care.models import Goal
from alliance.portal.services import invitation_create

# Text parameters allowed in a URL, and why each cannot carry clinical data.
NAMED_CODES = {
    ("portal:link", "token"): "the link's 256-bit random token, stored only as a hash",
    ("password_reset_confirm", "uidb64"): "a user id in base 64 (staff, never a client)",
    ("password_reset_confirm", "token"): "Django's signed, expiring password-reset token",
    ("reports:download", "fmt"): "a file format chosen from a fixed list",
    ("trajectories:measure", "measure"): "an instrument code from alliance/instruments",
    ("trajectories:status", "measure"): "an instrument code",
    ("trajectories:refit", "measure"): "an instrument code",
    ("trajectories:use_default", "measure"): "an instrument code",
    ("fhir:search", "resource_type"): "a FHIR resource type (Patient, Observation ...)",
    ("fhir:read", "resource_type"): "a FHIR resource type",
    ("fhir:read", "resource_id"): "a record id, or an instrument code for a Questionnaire",
}
# django-ninja writes "{client_id}" as a text parameter; each handler takes it as RecordId, a
# whole number (alliance/api/rest.py), and answers 422 to anything else.
API_IDS = "api:"


def _patterns(resolver: URLResolver, namespace: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            # The admin's parameters are primary keys and the code names of apps and models.
            if entry.namespace != "admin":
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                yield from _patterns(entry, inner)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name}", entry


def test_every_url_parameter_is_an_id_or_an_opaque_code() -> None:
    words = []
    for name, pattern in _patterns(get_resolver()):
        converters = getattr(pattern.pattern, "converters", {})
        for parameter, converter in converters.items():
            if isinstance(converter, IntConverter | UUIDConverter):
                continue
            if (name, parameter) in NAMED_CODES:
                continue
            if name.startswith(API_IDS) and parameter.endswith("_id"):
                continue
            words.append(f"{name}: <{parameter}>")
    assert words == [], "these URL parameters may carry names or words: " + ", ".join(words)


def test_the_api_refuses_anything_but_a_number_where_an_id_goes(clinic: SimpleNamespace) -> None:
    browser = Browser()
    browser.force_login(clinic.clinician)
    answer = browser.get(f"/api/v1/clients/{clinic.episode.client.display_name}")
    assert answer.status_code in (401, 404, 422)


# The day's details, each distinctive enough to find in a log line.
NAME = "Marigold Quillfeather"
EMAIL = "marigold.quill@example.org"
PHONE = "+447700900461"
GOAL_SAID = "Dance at my sister's wedding in Lisbon"
GOAL_NOW = "Walk the whole seafront at Brighton without panicking"
# Answers with one decimal, as the lines give them; none is a version number seen in the logs.
ORS_SAID = {"ors_1": "4.7", "ors_2": "7.4", "ors_3": "5.8", "ors_4": "2.9"}
PHQ9_SAID = {f"phq9_{n}": "2" for n in range(1, 9)} | {"phq9_9": "3"}
SECRETS = [NAME, EMAIL, PHONE, GOAL_SAID, GOAL_NOW, "Nearly every day"]
# The ORS answers and their total (20.8), as numbers on their own, not inside longer ones.
NUMBERS = [*ORS_SAID.values(), "20.8"]


def _found(text: str, secrets: list[str]) -> list[str]:
    words = [secret for secret in secrets if secret in text]
    numbers = [n for n in NUMBERS if re.search(rf"(?<![\d.]){re.escape(n)}(?![\d])", text)]
    return words + numbers


class _Keep(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        # SQL with its parameters is logged only under settings.DEBUG, which production never
        # runs (alliance/settings.py); it is the data itself, so it is left out here.
        if record.name.startswith("django.db.backends"):
            return
        text = f"{record.name} {record.levelname}: {record.getMessage()}"
        if record.exc_info:
            text += logging.Formatter().formatException(record.exc_info)
        self.lines.append(text)


@pytest.fixture
def logged() -> Iterator[list[str]]:
    """Every record of every logger at DEBUG, including loggers that do not propagate."""
    keep = _Keep()
    root = logging.getLogger()
    named = [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)]
    saved = [(logger, logger.level, logger.disabled) for logger in [root, *named]]
    for logger in [root, *named]:
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
        if logger is root or not logger.propagate:
            logger.addHandler(keep)
    yield keep.lines
    for logger, level, disabled in saved:
        logger.setLevel(level)
        logger.disabled = disabled
        logger.removeHandler(keep)


def _client_details(clinic: SimpleNamespace) -> None:
    client = clinic.episode.client
    client.display_name, client.email, client.phone = NAME, EMAIL, PHONE
    client.consents_to_electronic_contact = True
    client.save()


def _answer_by_link(clinic: SimpleNamespace, measure: str, answers: dict[str, str]) -> str:
    _invitation, token = invitation_create(
        session=clinic.session, measures=[measure], channel="link", created_by=clinic.clinician
    )
    phone, url = Browser(), reverse("portal:link", args=[token])
    assert phone.get(url).status_code == 200
    form = {"measure": measure, "form_key": str(uuid.uuid4())}
    # A slip first (one line left out): the page is refused with 400 and says which.
    first_item = next(iter(answers))
    assert phone.post(url, form | {**answers, first_item: ""}).status_code == 400
    assert phone.post(url, form | answers).status_code == 302
    assert phone.get(reverse("portal:thanks")).status_code == 200
    return token


def _clinician_day(clinic: SimpleNamespace) -> None:
    browser = Browser()
    browser.force_login(clinic.clinician)
    browser.post(
        reverse("portal:invite", args=[clinic.session.pk]), {"measure": "ors", "channel": "link"}
    )
    assert len(mail.outbox) == 1
    for page in (
        reverse("clinic:caseload"),
        reverse("clinic:episode", args=[clinic.episode.pk]),
        reverse("clinic:session", args=[clinic.session.pk]),
    ):
        assert browser.get(page).status_code == 200, page
    add = reverse("care:goal_add", args=[clinic.episode.pk])
    assert browser.post(add, {"goal-text": GOAL_SAID, "goal-agreed": "on"}).status_code == 302
    goal = Goal.objects.get()
    edit = reverse("care:goal_edit", args=[goal.pk])
    changed = {"text": GOAL_NOW, "agreed": "on", "status": "active", "note": "in her words"}
    assert browser.post(edit, changed).status_code == 302
    assert browser.get(edit).status_code == 200
    # Someone not on the care team tries the goal's page: refused, and logged as a 404.
    outsider = Browser()
    outsider.force_login(clinic.outsider)
    assert outsider.get(edit).status_code == 404


@override_settings(ADMINS=["admin@example.org"])
def test_a_day_of_answers_and_goal_edits_logs_nothing_clinical(
    clinic: SimpleNamespace, logged: list[str]
) -> None:
    _client_details(clinic)
    tokens = [
        _answer_by_link(clinic, "ors", ORS_SAID),
        _answer_by_link(clinic, "phq9", PHQ9_SAID),
    ]
    _clinician_day(clinic)
    assert logged, "nothing was logged: the capture is not working"
    text = "\n".join(logged)
    found = _found(text, [*SECRETS, *tokens])
    assert found == [], f"found {found} in the logs:\n{text}"
    assert not any(item in text for item in ("ors_1", "phq9_9")), text
    # The refused slip was logged, with the link's path and without its token.
    assert "Bad Request: /rate/l/…/" in text


@override_settings(ADMINS=["admin@example.org"])
def test_an_error_on_the_form_emails_the_admins_neither_the_token_nor_the_answers(
    clinic: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    _client_details(clinic)
    _invitation, token = invitation_create(
        session=clinic.session, measures=["ors"], channel="link", created_by=clinic.clinician
    )

    def broken(**kwargs: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr("alliance.portal.services.invitation_answer", broken)
    phone = Browser(raise_request_exception=False)
    url = reverse("portal:link", args=[token])
    answer = phone.post(url, {"measure": "ors", "form_key": str(uuid.uuid4()), **ORS_SAID})
    assert answer.status_code == 500
    assert len(mail.outbox) == 1, "the administrators were not told of the error"
    report = mail.outbox[0].subject + mail.outbox[0].body
    assert "the database went away" in report
    assert _found(report, [token, NAME, "ors_1"]) == [], report
