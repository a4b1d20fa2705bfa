"""Invitations: secrets stored only as hashes, expiry, single use, and answers stored through
response_record with the alerts refreshed at once."""

import datetime as dt
import hashlib
import uuid
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from alliance.care.models import SessionStatus
from alliance.feedback.models import Alert
from alliance.measures.models import Response
from alliance.portal import services
from alliance.portal.models import Invitation
from tests.factories import make_user
from tests.portal.conftest import ORS_ANSWERS, SRS_ANSWERS, alliance_settings, invite

pytestmark = pytest.mark.django_db


def _answer(invitation: Invitation, measure: str, answers: dict[str, str], key=None):  # type: ignore[no-untyped-def]
    return services.invitation_answer(
        invitation=invitation, measure=measure, values=answers, form_key=key or uuid.uuid4()
    )


def test_a_link_token_is_stored_only_as_its_sha256_hash(clinic: SimpleNamespace) -> None:
    invitation, token = invite(clinic, "link")
    assert len(token) >= 43  # secrets.token_urlsafe(32): 256 bits
    assert invitation.secret_hash == hashlib.sha256(token.encode()).hexdigest()
    assert not Invitation.objects.filter(secret_hash=token).exists()
    assert services.invitation_by_token(token) == invitation


@alliance_settings(LINK_HOURS=5)
def test_a_link_expires_after_the_configured_hours(clinic: SimpleNamespace) -> None:
    invitation, _token = invite(clinic, "link")
    assert invitation.expires_at - invitation.created_at == dt.timedelta(hours=5)


def test_a_kiosk_code_is_six_unambiguous_characters_stored_hashed(clinic: SimpleNamespace) -> None:
    invitation, code = invite(clinic, "kiosk")
    assert len(code) == 6 and set(code) <= set(services.KIOSK_ALPHABET)
    assert not set(code) & set("0O1IL2Z5S8B")
    assert invitation.secret_hash == services.code_hash(code)
    assert code not in invitation.secret_hash
    assert invitation.expires_at - invitation.created_at == dt.timedelta(minutes=30)


def test_a_tablet_invitation_has_no_secret(clinic: SimpleNamespace) -> None:
    invitation, secret = invite(clinic, "tablet")
    assert secret == "" and invitation.secret_hash == ""


def test_an_unknown_token_is_not_found(clinic: SimpleNamespace) -> None:
    with pytest.raises(services.InvitationNotFound):
        services.invitation_by_token("not-a-token")


def test_an_expired_link_is_closed(clinic: SimpleNamespace) -> None:
    invitation, token = invite(clinic, "link")
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    with pytest.raises(services.InvitationClosed):
        services.invitation_by_token(token)


def test_a_used_link_is_closed(clinic: SimpleNamespace) -> None:
    invitation, token = invite(clinic, "link")
    _answer(invitation, "ors", ORS_ANSWERS)
    with pytest.raises(services.InvitationClosed) as closed:
        services.invitation_by_token(token)
    assert closed.value.invitation.used_at is not None


def test_it_refuses_a_measure_that_clients_do_not_answer(clinic: SimpleNamespace) -> None:
    with pytest.raises(ValidationError) as refused:
        invite(clinic, "tablet", ("wai_sr_t",))
    assert "measures" in refused.value.message_dict


def test_it_refuses_to_rate_someone_off_the_care_team(clinic: SimpleNamespace) -> None:
    with pytest.raises(ValidationError) as refused:
        invite(clinic, "tablet", ("srs",), about_member=clinic.colleague)
    assert "about_member" in refused.value.message_dict


def test_answers_are_stored_as_the_client_by_the_invitation_channel(
    clinic: SimpleNamespace,
) -> None:
    prescriber = make_user("prescriber", organisation=clinic.org)
    clinic.episode.care_team.create(member=prescriber, role="prescriber")
    invitation, _code = invite(clinic, "kiosk", ("srs",), about_member=prescriber)
    response = _answer(invitation, "srs", SRS_ANSWERS)
    assert (response.rater, response.method, response.about_member) == (
        "client",
        "kiosk",
        prescriber,
    )
    assert response.total == pytest.approx(38.0)
    assert list(invitation.responses.all()) == [response]


def test_a_low_alliance_answer_raises_an_alert_at_once(clinic: SimpleNamespace) -> None:
    invitation, _token = invite(clinic, "link", ("srs",))
    _answer(invitation, "srs", {"srs_1": "9", "srs_2": "5", "srs_3": "8", "srs_4": "8"})
    assert Alert.objects.filter(episode=clinic.episode).exists()


def test_a_bad_answer_names_the_item_and_stores_nothing(clinic: SimpleNamespace) -> None:
    invitation, _token = invite(clinic, "link")
    with pytest.raises(ValidationError) as refused:
        _answer(invitation, "ors", {**ORS_ANSWERS, "ors_2": "10.5"})
    assert "ors_2" in refused.value.message_dict
    assert Response.objects.count() == 0
    assert Invitation.objects.get(pk=invitation.pk).used_at is None


def test_the_same_form_sent_twice_is_stored_once(clinic: SimpleNamespace) -> None:
    invitation, _token = invite(clinic, "link", ("ors", "srs"))
    key = uuid.uuid4()
    first = _answer(invitation, "ors", ORS_ANSWERS, key)
    second = _answer(invitation, "ors", {**ORS_ANSWERS, "ors_1": "9"}, key)
    assert first.pk == second.pk
    assert Response.objects.count() == 1


def test_an_invitation_is_used_once_every_measure_is_answered(clinic: SimpleNamespace) -> None:
    invitation, _token = invite(clinic, "link", ("ors", "srs"))
    _answer(invitation, "ors", ORS_ANSWERS)
    invitation.refresh_from_db()
    assert invitation.used_at is None
    assert services.invitation_next_measure(invitation) == "srs"
    _answer(invitation, "srs", SRS_ANSWERS)
    invitation.refresh_from_db()
    assert invitation.used_at is not None
    assert services.invitation_next_measure(invitation) is None


def test_an_expired_invitation_stores_nothing(clinic: SimpleNamespace) -> None:
    invitation, _token = invite(clinic, "link")
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    with pytest.raises(services.InvitationClosed):
        _answer(invitation, "ors", ORS_ANSWERS)
    assert Response.objects.count() == 0


def test_a_measure_answered_by_another_route_is_not_stored_twice(clinic: SimpleNamespace) -> None:
    by_link, _token = invite(clinic, "link")
    by_tablet, _secret = invite(clinic, "tablet")
    first = _answer(by_link, "ors", ORS_ANSWERS)
    with pytest.raises(services.AlreadyAnswered) as already:
        _answer(by_tablet, "ors", {**ORS_ANSWERS, "ors_1": "9"})
    assert already.value.response.pk == first.pk
    assert Response.objects.count() == 1
    assert services.invitation_next_measure(by_tablet) == "ors"


def test_keeping_the_earlier_answers_moves_on_and_stores_nothing(clinic: SimpleNamespace) -> None:
    first = _answer(invite(clinic, "link")[0], "ors", ORS_ANSWERS)
    by_tablet, _secret = invite(clinic, "tablet")
    kept = services.invitation_answer(
        invitation=by_tablet,
        measure="ors",
        values={**ORS_ANSWERS, "ors_1": "9"},
        form_key=uuid.uuid4(),
        again="keep",
    )
    assert kept.pk == first.pk
    kept.refresh_from_db()
    assert kept.items["ors_1"] == 4.5 and kept.version == 1
    assert services.invitation_next_measure(by_tablet) is None


def test_answering_again_replaces_the_earlier_response_by_a_new_version(
    clinic: SimpleNamespace,
) -> None:
    first = _answer(invite(clinic, "link")[0], "ors", ORS_ANSWERS)
    by_tablet, _secret = invite(clinic, "tablet")
    key = uuid.uuid4()
    again = {"invitation": by_tablet, "measure": "ors", "form_key": key, "again": "replace"}
    replaced = services.invitation_answer(values={**ORS_ANSWERS, "ors_1": "9"}, **again)
    services.invitation_answer(values={**ORS_ANSWERS, "ors_1": "2"}, **again)  # a double tap
    assert replaced.pk == first.pk
    assert Response.objects.count() == 1
    replaced.refresh_from_db()
    assert replaced.version == 2 and replaced.items["ors_1"] == 9
    versions = list(replaced.versions.values_list("version", "reason"))
    assert [v for v, _reason in versions] == [1, 2]
    assert "answered again" in versions[1][1]
    assert replaced.versions.get(version=1).items["ors_1"] == 4.5


def test_it_refuses_an_unknown_choice_after_an_earlier_answer(clinic: SimpleNamespace) -> None:
    by_tablet, _secret = invite(clinic, "tablet")
    with pytest.raises(ValidationError, match="replace, keep"):
        services.invitation_answer(
            invitation=by_tablet,
            measure="ors",
            values=ORS_ANSWERS,
            form_key=uuid.uuid4(),
            again="both",
        )
    assert Response.objects.count() == 0


def test_a_client_at_the_tablet_is_in_the_clinic_so_the_session_was_attended(
    clinic: SimpleNamespace,
) -> None:
    clinic.session.status = SessionStatus.SCHEDULED
    clinic.session.save(update_fields=["status"])
    _answer(invite(clinic, "tablet")[0], "ors", ORS_ANSWERS)
    clinic.session.refresh_from_db()
    assert clinic.session.status == SessionStatus.ATTENDED


def test_a_link_answered_from_home_says_nothing_about_attendance(clinic: SimpleNamespace) -> None:
    clinic.session.status = SessionStatus.SCHEDULED
    clinic.session.save(update_fields=["status"])
    _answer(invite(clinic, "link")[0], "ors", ORS_ANSWERS)
    clinic.session.refresh_from_db()
    assert clinic.session.status == SessionStatus.SCHEDULED


@given(
    st.text(alphabet=services.KIOSK_ALPHABET, min_size=6, max_size=6),
    st.sampled_from([" ", "-", ""]),
)
def test_a_code_typed_in_lower_case_or_with_spaces_is_the_same_code(code: str, gap: str) -> None:
    typed = (code[:3] + gap + code[3:]).lower()
    assert services.code_format(typed) == code
    assert services.code_hash(typed) == services.code_hash(services.code_display(code))
