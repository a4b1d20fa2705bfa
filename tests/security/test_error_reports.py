"""Error reports to administrators never carry what a clinician or client typed."""

from django.test import RequestFactory, override_settings
from django.views.debug import ExceptionReporter

GOAL = "Talk to my sister about the funeral"


def _report_text(**post: str) -> str:
    request = RequestFactory().post("/care/goals/1/edit/", post)
    try:
        raise RuntimeError("boom")
    except RuntimeError as error:
        return ExceptionReporter(
            request, type(error), error, error.__traceback__
        ).get_traceback_text()


@override_settings(DEBUG=False)
def test_it_hides_every_posted_value_from_an_error_report() -> None:
    text = _report_text(text=GOAL, agreed="on")
    assert GOAL not in text
    assert "text" in text  # the field names stay, to debug by


@override_settings(DEBUG=True)
def test_a_developer_with_debug_on_still_sees_the_values() -> None:
    assert GOAL in _report_text(text=GOAL)
