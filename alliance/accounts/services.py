"""Writes for organisations, teams, memberships, two-factor devices and log-in lockouts.

Each privileged change is recorded in the audit log here, in the same transaction, with who made
it (``by``; the user themselves where they act on their own account) and what it was before and
after (docs/audit.md): ``signals.privilege_changed_send`` announces it to the audit log, a layer
up, which records it.
"""

from axes.utils import reset as axes_reset
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from alliance import access
from alliance.accounts.models import Membership, Organisation, Role, Team, User
from alliance.accounts.signals import privilege_changed_send

BACKUP_CODES = 10
APP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"


def on_off(value: bool) -> str:
    return "on" if value else "off"


def role_text(membership: Membership) -> str:
    """A role as the audit log writes it: ids, never names."""
    if membership.team_id is None:
        return f"{membership.role} of organisation {membership.organisation_id}"
    return f"{membership.role} in team {membership.team_id}"


def self_grant_check(*, by: User | None, user: User, role: str) -> None:
    """An administrator does not give themselves a clinical role (a supervisor reads private
    reflections): another administrator grants it, unless the site has said it has only one
    (``ALLIANCE_SINGLE_ADMINISTRATOR``; the grant is then audited like any other)."""
    if access.may_grant_role(by=by, user=user, role=role):
        return
    raise ValidationError(
        {
            "role": _(
                "You cannot give yourself the %(role)s role: ask another administrator to give it "
                "to you. A clinic with one administrator can allow it with the setting "
                "ALLIANCE_SINGLE_ADMINISTRATOR."
            )
            % {"role": role}
        }
    )


@transaction.atomic
def membership_grant(
    *,
    user: User,
    organisation: Organisation,
    role: str,
    team: Team | None = None,
    by: User | None = None,
    address: str | None = None,
) -> Membership:
    """Give a user a role. Administrators get access to the admin site; clinical roles do not
    need it, since everything they do has its own page. With ``by`` (a person granting it) the
    grant is in the audit log, and granting oneself a clinical role is refused
    (``self_grant_check``)."""
    self_grant_check(by=by, user=user, role=role)
    membership, created = Membership.objects.get_or_create(
        user=user, organisation=organisation, team=team, role=role
    )
    if role == Role.ADMINISTRATOR:
        staff_access_sync(user=user)
    if created and by is not None:
        privilege_changed_send(
            actor=by,
            created=True,
            object_kind="user",
            object_id=user.pk,
            detail="role",
            after=role_text(membership),
            organisation=organisation,
            address=address,
        )
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
def organisation_two_factor_set(
    *,
    organisation: Organisation,
    required: bool,
    by: User | None = None,
    address: str | None = None,
) -> Organisation:
    """Require (or stop requiring) two-factor log-in. Members already verified stay verified;
    everyone else is sent to set-up or to the code page at their next request."""
    before = Organisation.objects.select_for_update().get(pk=organisation.pk).require_two_factor
    organisation.require_two_factor = required
    organisation.save(update_fields=["require_two_factor"])
    if before != required:
        organisation_change_record(
            organisation=organisation,
            field="require_two_factor",
            before=before,
            after=required,
            by=by,
            address=address,
        )
    return organisation


def organisation_change_record(
    *,
    organisation: Organisation,
    field: str,
    before: object,
    after: object,
    by: User | None,
    address: str | None = None,
) -> None:
    """An organisation's setting changed (from its page or the admin site)."""
    privilege_changed_send(
        actor=by,
        object_kind="organisation",
        object_id=organisation.pk,
        detail=field,
        before=on_off(before) if isinstance(before, bool) else str(before),
        after=on_off(after) if isinstance(after, bool) else str(after),
        organisation=organisation,
        address=address,
    )


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
    _two_factor_record(user=user, by=user, before=False, after=True)
    return device, _backup_codes_replace(user)


def _two_factor_record(
    *, user: User, by: User | None, before: bool, after: bool, address: str | None = None
) -> None:
    privilege_changed_send(
        actor=by,
        object_kind="user",
        object_id=user.pk,
        detail="two-factor app" if by is None or by.pk == user.pk else "two-factor app, for them",
        before=on_off(before),
        after=on_off(after),
        subject=user,
        address=address,
    )


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
def two_factor_remove(*, user: User, by: User | None = None, address: str | None = None) -> None:
    """Remove the app and the backup codes (the caller has checked a code, or an administrator,
    ``by``, is helping someone who lost their phone). Recorded when there was an app to remove;
    ``by`` defaults to the user themselves."""
    had = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    if had:
        _two_factor_record(user=user, by=by or user, before=True, after=False, address=address)


def lockout_reset(*, username: str) -> int:
    """Clear failed log-ins for a user name from every address; returns how many were cleared."""
    return int(axes_reset(username=username))
