"""Writes for organisations, teams, memberships, two-factor devices and log-in lockouts."""

from axes.utils import reset as axes_reset
from django.db import transaction
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from alliance.accounts.models import Membership, Organisation, Role, Team, User

BACKUP_CODES = 10
APP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"


@transaction.atomic
def membership_grant(
    *, user: User, organisation: Organisation, role: str, team: Team | None = None
) -> Membership:
    """Give a user a role. Administrators get access to the admin site; clinical roles do not
    need it, since everything they do has its own page."""
    membership, _ = Membership.objects.get_or_create(
        user=user, organisation=organisation, team=team, role=role
    )
    if role == Role.ADMINISTRATOR:
        staff_access_sync(user=user)
    return membership


def staff_access_sync(*, user: User) -> User:
    """Admin-site access follows the administrator role: granted with it, ended when the last
    one is taken away (a superuser, the site's operator, keeps it)."""
    wanted = user.is_superuser or user.memberships.filter(role=Role.ADMINISTRATOR).exists()
    if user.is_staff != wanted:
        user.is_staff = wanted
        user.save(update_fields=["is_staff"])
    return user


@transaction.atomic
def organisation_two_factor_set(*, organisation: Organisation, required: bool) -> Organisation:
    """Require (or stop requiring) two-factor log-in. Members already verified stay verified;
    everyone else is sent to set-up or to the code page at their next request."""
    organisation.require_two_factor = required
    organisation.save(update_fields=["require_two_factor"])
    return organisation


@transaction.atomic
def totp_device_start(*, user: User) -> TOTPDevice:
    """The app being set up: the unconfirmed one from an earlier visit (so reloading the page
    does not change the QR code under the user), else a new one with a fresh random key."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)


def _normalised(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


@transaction.atomic
def totp_device_confirm(*, user: User, code: str) -> tuple[TOTPDevice, list[str]] | None:
    """Confirm the app with its first code; returns the device and fresh backup codes (shown
    once, never stored in clear elsewhere), or ``None`` if the code is wrong."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    # A wrong code is recorded (throttling) and committed: returning, not raising, keeps it.
    if device is None or not device.verify_token(_normalised(code)):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    return device, _backup_codes_replace(user)


def _backup_codes_replace(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    backup = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=backup, token=code) for code in codes)
    return codes


@transaction.atomic
def two_factor_verify(*, user: User, code: str) -> Device | None:
    """The device that accepts the code: six digits go to the app, anything else is tried as a
    backup code (which is used up). Each device throttles its own wrong codes."""
    code = _normalised(code)
    model: type[Device] = TOTPDevice if code.isdigit() and len(code) == 6 else StaticDevice
    for device in model.objects.select_for_update().filter(user=user, confirmed=True):
        if device.verify_token(code):
            return device
    return None


@transaction.atomic
def two_factor_remove(*, user: User) -> None:
    """Remove the app and the backup codes (the caller has checked a code, or an administrator
    is helping someone who lost their phone)."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


def lockout_reset(*, username: str) -> int:
    """Clear failed log-ins for a user name from every address; returns how many were cleared."""
    return int(axes_reset(username=username))
