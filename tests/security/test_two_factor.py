"""Two-factor log-in for staff (issue 6 §4): setting up an authenticator app, the code after the
password, backup codes, and an organisation that requires it."""

import re
from base64 import b32encode
from types import SimpleNamespace

import pytest
from django.test import Client as Browser
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from alliance.accounts.models import Organisation, Role, User
from alliance.accounts.selectors import TwoFactorState, two_factor_state
from alliance.accounts.services import organisation_two_factor_set
from alliance.api.services import token_create
from tests.factories import PASSWORD, make_user, reauthenticated

pytestmark = pytest.mark.django_db

SET_UP = reverse("accounts:two_factor")
VERIFY = reverse("accounts:two_factor_verify")


def _code(device: TOTPDevice, later: int = 0) -> str:
    """The app's current code; ``later`` steps ahead, since a code once used is not taken again."""
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=later)
    return f"{value:0{device.digits}d}"


def _logged_in(user: User) -> Browser:
    browser = Browser()
    assert browser.login(username=user.username, password=PASSWORD)
    return browser


def _set_up(user: User) -> tuple[Browser, TOTPDevice, list[str]]:
    """Set up the app through the pages; returns the (verified) browser, device and codes."""
    browser = _logged_in(user)
    browser.get(SET_UP)
    device = TOTPDevice.objects.get(user=user)
    page = browser.post(SET_UP, {"code": _code(device)}).content.decode()
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", page)
    device.refresh_from_db()
    return browser, device, codes


def test_the_set_up_page_shows_an_inline_qr_code_and_the_secret(clinic: SimpleNamespace) -> None:
    page = _logged_in(clinic.clinician).get(SET_UP).content.decode()
    device = TOTPDevice.objects.get(user=clinic.clinician, confirmed=False)
    secret = b32encode(device.bin_key).decode()
    assert "<svg" in page and "<img" not in page
    assert secret[:4] + " " + secret[4:8] in page


def test_reloading_the_set_up_page_keeps_the_same_secret(clinic: SimpleNamespace) -> None:
    browser = _logged_in(clinic.clinician)
    browser.get(SET_UP)
    browser.get(SET_UP)
    assert TOTPDevice.objects.filter(user=clinic.clinician).count() == 1


def test_a_wrong_first_code_is_refused_and_nothing_is_turned_on(clinic: SimpleNamespace) -> None:
    browser = _logged_in(clinic.clinician)
    browser.get(SET_UP)
    device = TOTPDevice.objects.get(user=clinic.clinician)
    wrong = f"{(int(_code(device)) + 1) % 1_000_000:06d}"
    response = browser.post(SET_UP, {"code": wrong})
    assert response.status_code == 400
    assert "That code did not work" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed


def test_the_first_right_code_turns_it_on_and_shows_ten_backup_codes_once(
    clinic: SimpleNamespace,
) -> None:
    browser, device, codes = _set_up(clinic.clinician)
    assert device.confirmed
    assert len(set(codes)) == 10
    assert StaticToken.objects.filter(device__user=clinic.clinician).count() == 10
    again = browser.get(SET_UP).content.decode()
    assert not any(code in again for code in codes)
    assert "10 backup codes left" in again


def test_after_the_password_a_user_with_an_app_must_give_a_code(clinic: SimpleNamespace) -> None:
    _set_up(clinic.clinician)
    browser = _logged_in(clinic.clinician)
    caseload = reverse("clinic:caseload")
    for url in (caseload, reverse("clinic:session", args=[clinic.session.pk]), SET_UP):
        response = browser.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(VERIFY + "?next=")


def test_the_code_from_the_app_lets_them_in_and_back_to_the_page_they_wanted(
    clinic: SimpleNamespace,
) -> None:
    _, device, _codes = _set_up(clinic.clinician)
    browser = _logged_in(clinic.clinician)
    wanted = reverse("clinic:episode", args=[clinic.episode.pk])
    response = browser.post(VERIFY, {"code": _code(device, later=1), "next": wanted})
    assert response.status_code == 302 and response["Location"] == wanted
    assert browser.get(wanted).status_code == 200
    assert browser.get(reverse("clinic:caseload")).status_code == 200


def test_a_wrong_code_at_log_in_is_refused(clinic: SimpleNamespace) -> None:
    _, device, _codes = _set_up(clinic.clinician)
    browser = _logged_in(clinic.clinician)
    wrong = f"{(int(_code(device, later=1)) + 1) % 1_000_000:06d}"
    response = browser.post(VERIFY, {"code": wrong})
    assert response.status_code == 400
    assert browser.get(reverse("clinic:caseload")).status_code == 302


def test_a_code_from_another_users_app_is_refused(clinic: SimpleNamespace) -> None:
    _set_up(clinic.clinician)
    _, colleague_device, _codes = _set_up(clinic.colleague)
    browser = _logged_in(clinic.clinician)
    assert browser.post(VERIFY, {"code": _code(colleague_device, later=1)}).status_code == 400


def test_a_backup_code_works_once(clinic: SimpleNamespace) -> None:
    _, _device, codes = _set_up(clinic.clinician)
    first = _logged_in(clinic.clinician)
    assert first.post(VERIFY, {"code": codes[0].upper()}).status_code == 302
    assert first.get(reverse("clinic:caseload")).status_code == 200
    second = _logged_in(clinic.clinician)
    assert second.post(VERIFY, {"code": codes[0]}).status_code == 400
    assert StaticToken.objects.filter(device__user=clinic.clinician).count() == 9


def test_removing_the_app_takes_a_current_code(clinic: SimpleNamespace) -> None:
    browser, device, _codes = _set_up(clinic.clinician)
    remove = reverse("accounts:two_factor_remove")
    assert browser.post(remove, {"code": "000000"}).status_code == 400
    assert TOTPDevice.objects.filter(user=clinic.clinician).exists()
    device.throttle_reset()  # the wrong code above asked for a short wait
    assert browser.post(remove, {"code": _code(device, later=1)}).status_code == 302
    assert not TOTPDevice.objects.filter(user=clinic.clinician).exists()
    assert not StaticToken.objects.filter(device__user=clinic.clinician).exists()


def test_an_administrator_finds_the_organisation_setting_before_setting_up_their_own(
    clinic: SimpleNamespace,
) -> None:
    setting = reverse("accounts:organisation_security", args=[clinic.org.pk])
    own = reverse("accounts:two_factor")
    assert setting in _logged_in(clinic.administrator).get(own).content.decode()
    assert setting not in _logged_in(clinic.clinician).get(own).content.decode()


def test_an_administrator_requires_it_from_the_organisation_page(clinic: SimpleNamespace) -> None:
    page = reverse("accounts:organisation_security", args=[clinic.org.pk])
    assert _logged_in(clinic.clinician).post(page, {"require_two_factor": "on"}).status_code == 404
    clinic.org.refresh_from_db()
    assert not clinic.org.require_two_factor
    assert (
        _logged_in(clinic.administrator).post(page, {"require_two_factor": "on"}).status_code == 302
    )
    clinic.org.refresh_from_db()
    assert clinic.org.require_two_factor


@pytest.mark.parametrize(
    "page",
    ["clinic:caseload", "clinic:episode", "clinic:session", "tokens:list", "reports:home"],
)
def test_when_required_a_member_without_an_app_reaches_only_the_set_up(
    clinic: SimpleNamespace, page: str
) -> None:
    organisation_two_factor_set(organisation=clinic.org, required=True)
    browser = _logged_in(clinic.clinician)
    args = {"clinic:episode": [clinic.episode.pk], "clinic:session": [clinic.session.pk]}
    response = browser.get(reverse(page, args=args.get(page, [])))
    assert response.status_code == 302
    assert response["Location"].startswith(SET_UP + "?next=")
    assert browser.get(SET_UP).status_code == 200


def test_when_required_an_unverified_member_cannot_start_a_hand_off_or_use_the_admin(
    clinic: SimpleNamespace,
) -> None:
    organisation_two_factor_set(organisation=clinic.org, required=True)
    invite = reverse("portal:invite", args=[clinic.session.pk])
    started = _logged_in(clinic.clinician).post(invite, {"measure": "ors", "channel": "tablet"})
    assert started["Location"].startswith(SET_UP)
    assert _logged_in(clinic.administrator).get("/admin/")["Location"].startswith(SET_UP)


def test_once_set_up_the_member_goes_on_to_the_page_they_wanted(clinic: SimpleNamespace) -> None:
    organisation_two_factor_set(organisation=clinic.org, required=True)
    browser, _device, _codes = _set_up(clinic.clinician)
    assert browser.get(reverse("clinic:caseload")).status_code == 200


def test_a_session_verified_before_the_requirement_stays_verified(
    clinic: SimpleNamespace,
) -> None:
    browser, _device, _codes = _set_up(clinic.clinician)
    organisation_two_factor_set(organisation=clinic.org, required=True)
    assert browser.get(reverse("clinic:caseload")).status_code == 200


def test_logging_out_ends_the_verification(clinic: SimpleNamespace) -> None:
    browser, _device, _codes = _set_up(clinic.clinician)
    browser.post(reverse("logout"))
    assert browser.login(username="clinician", password=PASSWORD)
    assert browser.get(reverse("clinic:caseload"))["Location"].startswith(VERIFY)


def test_the_api_with_a_token_is_not_affected(clinic: SimpleNamespace) -> None:
    organisation_two_factor_set(organisation=clinic.org, required=True)
    secret = token_create(user=clinic.clinician, name="EHR link").secret
    api = Browser(headers={"Authorization": f"Bearer {secret}"})
    assert api.get("/api/v1/clients").status_code == 200


def test_the_client_kiosk_is_open_on_an_unverified_staff_session(clinic: SimpleNamespace) -> None:
    organisation_two_factor_set(organisation=clinic.org, required=True)
    assert _logged_in(clinic.clinician).get(reverse("portal:kiosk")).status_code == 200


def test_an_unverified_session_cannot_take_a_handed_over_tablet_back(
    clinic: SimpleNamespace,
) -> None:
    """The hand-off began before the organisation required two-factor log-in: the clinician's
    password alone no longer opens the staff pages; logging out and in with a code does."""
    browser = _logged_in(clinic.clinician)
    invite = reverse("portal:invite", args=[clinic.session.pk])
    assert browser.post(invite, {"measure": "ors", "channel": "tablet"}).status_code == 302
    organisation_two_factor_set(organisation=clinic.org, required=True)
    back = browser.post(reverse("portal:tablet_return"), {"password": PASSWORD})
    assert back["Location"].startswith(SET_UP)
    # The hand-off lock still holds: the tablet shows only the client's form.
    assert browser.get(SET_UP)["Location"] == reverse("portal:tablet")
    assert browser.get(reverse("clinic:caseload")).status_code == 302
    assert browser.get(reverse("portal:tablet")).status_code == 200


def test_a_verified_clinician_takes_the_tablet_back_and_stays_verified(
    clinic: SimpleNamespace,
) -> None:
    organisation_two_factor_set(organisation=clinic.org, required=True)
    browser, _device, _codes = _set_up(clinic.clinician)
    invite = reverse("portal:invite", args=[clinic.session.pk])
    assert browser.post(invite, {"measure": "ors", "channel": "tablet"})["Location"] == reverse(
        "portal:tablet"
    )
    back = browser.post(reverse("portal:tablet_return"), {"password": PASSWORD})
    assert back["Location"] == reverse("clinic:session", args=[clinic.session.pk])
    assert browser.get(back["Location"]).status_code == 200


def test_an_administrator_turns_it_off_for_someone_who_lost_their_phone(
    clinic: SimpleNamespace,
) -> None:
    _set_up(clinic.clinician)
    admin = reauthenticated(_logged_in(clinic.administrator))
    response = admin.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "turn_off_two_factor", "_selected_action": [clinic.clinician.pk]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=clinic.clinician).exists()
    assert _logged_in(clinic.clinician).get(reverse("clinic:caseload")).status_code == 200


def test_checking_whether_a_session_needs_a_code_takes_one_query(
    clinic: SimpleNamespace, django_assert_num_queries: object
) -> None:
    organisation_two_factor_set(organisation=clinic.org, required=True)
    with django_assert_num_queries(1):  # type: ignore[operator]
        state = two_factor_state(clinic.clinician)
    assert state == TwoFactorState(has_device=False, required=True)


def test_the_organisation_page_lists_who_has_set_it_up(clinic: SimpleNamespace) -> None:
    _set_up(clinic.colleague)
    page = reverse("accounts:organisation_security", args=[clinic.org.pk])
    body = _logged_in(clinic.administrator).get(page).content.decode()
    rows = dict(re.findall(r"<tr><td>([^<]+)</td><td>([^<]+)</td></tr>", body))
    assert rows["Colleague"] == "on"
    assert rows["Clinician"] == "not set up"


def test_an_administrator_of_another_organisation_cannot_change_this_one(
    clinic: SimpleNamespace,
) -> None:
    elsewhere = Organisation.objects.create(name="Hillside Therapy")
    stranger = make_user("hillsideadmin", organisation=elsewhere, role=Role.ADMINISTRATOR)
    page = reverse("accounts:organisation_security", args=[clinic.org.pk])
    assert _logged_in(stranger).post(page, {"require_two_factor": "on"}).status_code == 404
    clinic.org.refresh_from_db()
    assert not clinic.org.require_two_factor


def test_while_a_code_is_awaited_the_header_offers_only_logging_out(
    clinic: SimpleNamespace,
) -> None:
    _, _device, codes = _set_up(clinic.clinician)
    browser = _logged_in(clinic.clinician)
    waiting = browser.get(VERIFY).content.decode()
    assert f'href="{reverse("clinic:caseload")}"' not in waiting
    assert reverse("logout") in waiting
    assert browser.post(VERIFY, {"code": codes[0]}).status_code == 302
    assert f'href="{reverse("clinic:caseload")}"' in browser.get(SET_UP).content.decode()


def test_when_required_the_set_up_page_offers_logging_out_not_skipping(
    clinic: SimpleNamespace,
) -> None:
    voluntary = _logged_in(clinic.clinician).get(SET_UP + "?next=/caseload/").content.decode()
    assert "Not now" in voluntary and "Log out instead" not in voluntary
    organisation_two_factor_set(organisation=clinic.org, required=True)
    required = _logged_in(clinic.clinician).get(SET_UP).content.decode()
    assert "Log out instead" in required and "Not now" not in required
    assert f'href="{reverse("clinic:caseload")}"' not in required
