"""Reads for organisations and people: who must use two-factor log-in, and who has set it up."""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from alliance.accounts.models import Membership, Organisation, User

__all__ = [
    "TwoFactorState",
    "backup_codes_left",
    "confirmed_totp_device",
    "organisation_members_two_factor",
    "two_factor_state",
]


@dataclass(frozen=True)
class TwoFactorState:
    """Whether the user has a confirmed authenticator app, and whether one of their
    organisations requires one."""

    has_device: bool
    required: bool


def _has_device() -> Exists:
    return Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True))


def two_factor_state(user: User) -> TwoFactorState:
    """One query, run on every page an unverified user opens (see ``TwoFactorMiddleware``)."""
    required = Exists(
        Membership.objects.filter(user=OuterRef("pk"), organisation__require_two_factor=True)
    )
    row = (
        User.objects.filter(pk=user.pk)
        .annotate(has_device=_has_device(), required=required)
        .values("has_device", "required")
        .first()
    )
    if row is None:
        return TwoFactorState(has_device=False, required=False)
    return TwoFactorState(has_device=row["has_device"], required=row["required"])


def confirmed_totp_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def backup_codes_left(user: User) -> int:
    return int(
        StaticToken.objects.filter(device__in=StaticDevice.objects.filter(user=user)).count()
    )


def organisation_members_two_factor(organisation: Organisation) -> QuerySet[User]:
    """The organisation's members, each with ``has_device``, for the administrator's page."""
    members = Membership.objects.filter(organisation=organisation).values("user")
    return (
        User.objects.filter(pk__in=members, is_active=True)
        .annotate(has_device=_has_device())
        .order_by("last_name", "first_name", "username")
    )
