"""Made-up link tokens from one address are counted: past the limit the address is asked, kindly,
to wait (429), while a real open link still works from it, other addresses and the kiosk carry
on, and the pause lifts by itself."""

import datetime as dt
import uuid
from types import SimpleNamespace

import pytest
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from alliance.brakes.models import Brake
from alliance.measures.models import Response
from alliance.portal import services
from alliance.portal.models import SecretKind
from tests.portal.conftest import ORS_ANSWERS, alliance_settings, form_post, invite

pytestmark = pytest.mark.django_db

HOME = "198.51.100.7"
ELSEWHERE = "203.0.113.9"


def _open(token: str, address: str = HOME, **kwargs: str):  # type: ignore[no-untyped-def]
    return Browser(REMOTE_ADDR=address).get(reverse("portal:link", args=[token]), **kwargs)


def _counted() -> int:
    return sum(Brake.objects.filter(kind=SecretKind.LINK).values_list("count", flat=True))


def _made_up(times: int, address: str = HOME) -> None:
    for n in range(times):
        assert _open(f"made-up-{n}", address).status_code == 404


def test_a_made_up_token_is_counted_under_a_hash_of_the_address(clinic: SimpleNamespace) -> None:
    _made_up(1)
    wrong = Brake.objects.get()
    assert wrong.kind == SecretKind.LINK and wrong.count == 1
    assert HOME not in wrong.key_hash and len(wrong.key_hash) == 64


def test_a_real_link_used_or_not_is_never_counted(clinic: SimpleNamespace) -> None:
    _invitation, token = invite(clinic, "link")
    assert _open(token).status_code == 200
    Browser(REMOTE_ADDR=HOME).post(
        reverse("portal:link", args=[token]), form_post("ors", ORS_ANSWERS, str(uuid.uuid4()))
    )
    assert _open(token).status_code == 410
    assert _counted() == 0


@alliance_settings(LINK_ATTEMPTS=3, LINK_WINDOW_MINUTES=10)
def test_after_too_many_made_up_tokens_the_address_is_asked_to_wait(
    clinic: SimpleNamespace,
) -> None:
    _made_up(3)
    refused = _open("made-up-again")
    assert refused.status_code == 429
    page = refused.content.decode()
    assert "Please wait a few minutes" in page and "try your link again" in page
    assert "no-store" in refused["Cache-Control"]
    # A paused address learns nothing more, and its tries are no longer written down.
    assert _counted() == 3


@alliance_settings(LINK_ATTEMPTS=1, LINK_WINDOW_MINUTES=10)
def test_the_request_to_wait_speaks_the_clients_language(clinic: SimpleNamespace) -> None:
    _made_up(1)
    refused = _open("made-up-again", HTTP_ACCEPT_LANGUAGE="nl")
    assert refused.status_code == 429
    assert "Wacht een paar minuten" in refused.content.decode()


@alliance_settings(LINK_ATTEMPTS=3, LINK_WINDOW_MINUTES=10)
def test_a_used_link_from_a_paused_address_is_asked_to_wait_too(clinic: SimpleNamespace) -> None:
    _invitation, token = invite(clinic, "link")
    Browser().post(
        reverse("portal:link", args=[token]), form_post("ors", ORS_ANSWERS, str(uuid.uuid4()))
    )
    _made_up(3)
    assert _open(token).status_code == 429


@alliance_settings(LINK_ATTEMPTS=3, LINK_WINDOW_MINUTES=10)
def test_a_real_link_still_opens_and_sends_from_a_paused_address(clinic: SimpleNamespace) -> None:
    # Others on the client's network (the clinic's wifi, a family router) mistyped links: the
    # client's own link must still work.
    _invitation, token = invite(clinic, "link")
    _made_up(3)
    assert _open(token).status_code == 200
    sent = Browser(REMOTE_ADDR=HOME).post(
        reverse("portal:link", args=[token]), form_post("ors", ORS_ANSWERS, str(uuid.uuid4()))
    )
    assert sent.status_code == 302 and Response.objects.count() == 1


@alliance_settings(LINK_ATTEMPTS=3, LINK_WINDOW_MINUTES=10)
def test_other_addresses_still_open_their_links(clinic: SimpleNamespace) -> None:
    _made_up(3)
    assert _open("made-up-again", ELSEWHERE).status_code == 404


@alliance_settings(LINK_ATTEMPTS=3, LINK_WINDOW_MINUTES=10)
def test_the_pause_lifts_once_the_window_has_passed(clinic: SimpleNamespace) -> None:
    _made_up(3)
    assert _open("made-up-again").status_code == 429
    Brake.objects.update(since=timezone.now() - dt.timedelta(minutes=11))
    assert _open("made-up-again").status_code == 404


@alliance_settings(LINK_ATTEMPTS=3, KIOSK_ATTEMPTS=3)
def test_made_up_links_do_not_lock_the_kiosk_nor_wrong_codes_the_links(
    clinic: SimpleNamespace,
) -> None:
    _made_up(3)
    assert not services.kiosk_is_locked(HOME)
    for _ in range(3):
        Browser(REMOTE_ADDR=ELSEWHERE).post(reverse("portal:kiosk"), {"code": "AAAAAA"})
    assert services.kiosk_is_locked(ELSEWHERE)
    assert not services.address_is_locked(SecretKind.LINK, ELSEWHERE)


def test_old_wrong_tokens_are_cleared_as_new_ones_come(clinic: SimpleNamespace) -> None:
    _made_up(2)
    Brake.objects.update(since=timezone.now() - dt.timedelta(days=1))
    _made_up(1, ELSEWHERE)
    assert Brake.objects.count() == 1


def test_a_lookup_without_an_address_counts_nothing(clinic: SimpleNamespace) -> None:
    with pytest.raises(services.InvitationNotFound):
        services.invitation_by_token("made-up")
    assert not Brake.objects.exists()


def test_opening_a_link_takes_a_fixed_number_of_queries(
    clinic: SimpleNamespace, django_assert_max_num_queries: object
) -> None:
    _made_up(2)
    # The try counted under a row lock (its savepoint, the locking read, the update, the
    # release), 1 for the link, and 1 for its line in the audit log.
    with django_assert_max_num_queries(6):  # type: ignore[operator]
        _open("made-up-again")


@alliance_settings(LINK_ATTEMPTS=3)
def test_behind_the_sites_proxy_each_client_address_is_counted_apart(
    clinic: SimpleNamespace, settings: object
) -> None:
    settings.ALLIANCE_BEHIND_PROXY = True  # type: ignore[attr-defined]
    proxy = "10.0.0.2"
    for n in range(3):
        Browser(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=HOME).get(
            reverse("portal:link", args=[f"made-up-{n}"])
        )
    via_proxy = Browser(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=ELSEWHERE)
    assert via_proxy.get(reverse("portal:link", args=["made-up-again"])).status_code == 404
    assert services.address_is_locked(SecretKind.LINK, HOME)
