"""The audit log page names each stored reference in the reader's language: the record by its
translated name and number, the phrases the code stores, a role by its name, a stored date in the
reader's format. The log itself keeps the English codes (the export is unchanged)."""

from types import SimpleNamespace

import pytest
from django.test import Client as Browser
from django.urls import reverse
from django.utils import translation

from alliance.audit.models import Action, Via
from alliance.audit.services import audit_record, privilege_record
from alliance.audit.words import record_words, stored_words


def _page(clinic: SimpleNamespace, language: str) -> str:
    clinic.administrator.language = language
    clinic.administrator.save(update_fields=["language"])
    browser = Browser()
    browser.force_login(clinic.administrator)
    return browser.get(reverse("audit:events")).content.decode()


@pytest.mark.parametrize(
    ("language", "session", "role", "voided"),
    [
        ("nl", "Sessie", "Supervisor in team", "ongeldig gemaakt: phq9 v2"),
        ("de", "Sitzung", "Supervisor in Team", "ungültig gemacht: phq9 v2"),
    ],
)
def test_the_records_and_phrases_are_in_the_readers_language(
    clinic: SimpleNamespace, language: str, session: str, role: str, voided: str
) -> None:
    audit_record(
        actor=clinic.clinician,
        action=Action.VIEW,
        organisation=clinic.org,
        via=Via.PAGE,
        object_kind="session",
        object_id=clinic.session.pk,
        detail="voided phq9 v2",
    )
    privilege_record(
        actor=clinic.administrator,
        action=Action.CHANGE,
        object_kind="user",
        object_id=clinic.supervisor.pk,
        detail="role",
        after="supervisor in team 7",
        organisation=clinic.org,
    )
    page = _page(clinic, language)
    assert f"{session} {clinic.session.pk}" in page
    assert f"session {clinic.session.pk}" not in page
    assert f"{role} 7" in page
    assert voided in page and "voided" not in page


def test_a_stored_date_is_written_in_the_readers_format() -> None:
    with translation.override("de"):
        assert stored_words("2026-12-03") == "3. Dez 2026"
    with translation.override("nl"):
        assert stored_words("2026-12-03") == "3 dec 2026"
        assert stored_words("on") == "aan"
        assert record_words("report", None) == "Rapportage"


def test_a_phrase_it_does_not_know_is_shown_as_stored() -> None:
    with translation.override("nl"):
        assert stored_words("Riverside Counselling") == "Riverside Counselling"
        assert record_words("something_new", 4) == "something_new 4"
