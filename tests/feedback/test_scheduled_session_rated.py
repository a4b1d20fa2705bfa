"""A session still marked scheduled that the client has already rated (a link answered before
the session) is read by the series: a risk answer in it raises its alert and reaches a person at
once, and its scores count; a scheduled session nobody rated is not read."""

from types import SimpleNamespace

from django.core import mail

from alliance.care.models import SessionStatus
from alliance.feedback.models import Alert
from alliance.feedback.services import alerts_refresh
from alliance.measures.services import response_record
from tests.factories import make_session


def _phq9(item_9: int) -> dict[str, int]:
    return {**{f"phq9_{n}": 2 for n in range(1, 9)}, "phq9_9": item_9}


def test_a_risk_answer_by_link_before_the_session_is_marked_attended_alerts_at_once(
    clinic: SimpleNamespace, django_capture_on_commit_callbacks: object
) -> None:
    clinic.clinician.email = "clinician@riverside.example"
    clinic.clinician.save(update_fields=["email"])
    ahead = make_session(clinic.episode, 2, status=SessionStatus.SCHEDULED)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        response_record(session=ahead, instrument_code="phq9", values=_phq9(3))
        alerts_refresh([clinic.episode])
    alert = Alert.objects.get(rule="risk_answer")
    assert alert.session == ahead and alert.is_open
    assert [message.to for message in mail.outbox] == [["clinician@riverside.example"]]


def test_an_srs_answered_on_a_scheduled_session_counts_and_an_unrated_one_is_not_missed(
    clinic: SimpleNamespace,
) -> None:
    make_session(clinic.episode, 2, status=SessionStatus.SCHEDULED)  # nobody rated it
    ahead = make_session(clinic.episode, 3, status=SessionStatus.SCHEDULED)
    response_record(
        session=ahead, instrument_code="srs", values={f"srs_{n}": 7.5 for n in range(1, 5)}
    )
    alerts_refresh([clinic.episode])
    assert list(Alert.objects.values_list("rule", "session__number")) == [("low_alliance", 3)]
