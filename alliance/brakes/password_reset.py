"""Password-reset e-mails, rate-limited: at most ``ALLIANCE_PASSWORD_RESETS_PER_ACCOUNT`` an hour
for one e-mail address and ``ALLIANCE_PASSWORD_RESETS_PER_ADDRESS`` an hour from one network
address, counted in the database before anything is sent (``alliance.brakes``). A refused
request is shown the same "check your e-mail" page as any other, so the page tells nobody
whether an account exists or whether they were refused."""

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.views import PasswordResetView
from django.http import HttpRequest

from alliance.accounts.lockout import client_address
from alliance.brakes.services import Limit, brake_take

log = logging.getLogger(__name__)

RESET_FROM_ADDRESS = "password-reset-address"
RESET_FOR_ACCOUNT = "password-reset-account"
_HOUR = dt.timedelta(hours=1)


def reset_limits(email: str, address: str) -> tuple[Limit, Limit]:
    per_account = int(settings.ALLIANCE["PASSWORD_RESETS_PER_ACCOUNT"])
    per_address = int(settings.ALLIANCE["PASSWORD_RESETS_PER_ADDRESS"])
    return (
        Limit(RESET_FOR_ACCOUNT, email.strip().casefold(), per_account, _HOUR),
        Limit(RESET_FROM_ADDRESS, address, per_address, _HOUR),
    )


class LimitedPasswordResetForm(PasswordResetForm):
    """Django's reset form, sending nothing past the limits."""

    def save(self, *args: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
        address = client_address(request) if request is not None else ""
        if not brake_take(*reset_limits(self.cleaned_data["email"], address)).allowed:
            log.warning("Password reset refused: too many asked for lately.")
            return
        kwargs["request"] = request  # a keyword, so no positional argument can also be it
        super().save(*args, **kwargs)


password_reset = PasswordResetView.as_view(form_class=LimitedPasswordResetForm)
