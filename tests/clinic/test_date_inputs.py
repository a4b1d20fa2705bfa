"""Date inputs are the browser's own picker, with an ISO value in every language (a value in
the page's format, "07-12-2026", leaves the picker empty), a placeholder in the reader's words
for a browser without a picker, and the page's language on <html> for the day in words."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from alliance.care.appointments import appointment_book


@pytest.mark.parametrize(("language", "placeholder"), [("nl", "JJJJ-MM-DD"), ("de", "JJJJ-MM-TT")])
def test_the_reschedule_form_keeps_the_sessions_day_in_dutch_and_german(
    clinic: SimpleNamespace, language: str, placeholder: str
) -> None:
    clinic.clinician.language = language
    clinic.clinician.save(update_fields=["language"])
    browser = Browser()
    browser.force_login(clinic.clinician)
    # 7 December: a day whose Dutch form (07-12) an American picker would read as 12 July.
    starts_at = timezone.make_aware(dt.datetime(timezone.localdate().year + 1, 12, 7, 9, 30))
    session = appointment_book(episode=clinic.episode, by=clinic.clinician, starts_at=starts_at)[0]
    page = browser.get(reverse("clinic:appointment_reschedule", args=[session.pk]))
    assert page.status_code == 200, page.status_code
    html = page.content.decode()
    day = timezone.localtime(session.starts_at).date()
    assert f'<html lang="{language}">' in html
    assert f'type="date" name="day" value="{day:%Y-%m-%d}"' in html
    assert f'placeholder="{placeholder}"' in html and "data-date-words" in html
    assert f'value="{timezone.localtime(session.starts_at):%H:%M}"' in html
