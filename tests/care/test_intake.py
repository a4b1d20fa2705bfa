"""Intake (issue 11, point 1): a clinician or an administrator adds a client from the caseload,
and the new client is on the adder's caseload at once, with no episode yet."""

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from alliance import access
from alliance.care.forms import age_group_for
from alliance.care.models import Client
from alliance.care.services import client_code_suggest, client_create
from tests.factories import PASSWORD, make_client, make_user

TODAY = timezone.localdate()


def _browser(username: str) -> Browser:
    browser = Browser()
    assert browser.login(username=username, password=PASSWORD)
    return browser


def _form(clinic: SimpleNamespace, **changes: Any) -> dict[str, Any]:
    return {
        "organisation": clinic.org.pk,
        "code": "RH1984",
        "display_name": "Robin Hart",
        "birth_year": 1984,
        "age_group": "",
        "email": "robin@example.org",
        "phone": "+44 7700 900123",
        "consents_to_email": "on",
        "contact_consent_on": TODAY.isoformat(),
        "preferred_language": "nl",
    } | changes


def _create(clinic: SimpleNamespace, **changes: Any) -> Client:
    values: dict[str, Any] = {
        "organisation": clinic.org,
        "by": clinic.clinician,
        "code": "RH1984",
        "display_name": "Robin Hart",
        "age_group": "adult",
        "birth_year": 1984,
    }
    return client_create(**(values | changes))


def test_the_caseload_offers_a_new_client_button(clinic: SimpleNamespace) -> None:
    page = _browser("clinician").get(reverse("clinic:caseload")).content.decode()
    assert reverse("care:client_add") in page and "New client" in page


def test_the_form_suggests_an_unused_code(clinic: SimpleNamespace) -> None:
    page = _browser("clinician").get(reverse("care:client_add"))
    code = page.context["form"].initial["code"]
    assert len(code) == 6 and not Client.objects.filter(code=code).exists()


def test_a_suggested_code_is_never_one_already_taken(
    clinic: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken = Client.objects.create(
        organisation=clinic.org, code="AAAAAA", display_name="X", age_group="adult"
    )
    draws = iter("A" * 6 + "B" * 6)
    monkeypatch.setattr("alliance.care.services.secrets.choice", lambda _alphabet: next(draws))
    assert client_code_suggest(clinic.org) == "BBBBBB" != taken.code


def test_a_clinician_adds_a_client_with_every_field_and_sees_them_on_the_caseload(
    clinic: SimpleNamespace,
) -> None:
    browser = _browser("clinician")
    answer = browser.post(reverse("care:client_add"), _form(clinic))
    added = Client.objects.get(code="RH1984")
    # Intake leads on to opening the new client's episode (issue 11, point 2).
    assert answer.status_code == 302
    assert answer["Location"] == reverse("care:episode_open", args=[added.pk])
    client = Client.objects.get(code="RH1984")
    assert (client.organisation, client.created_by) == (clinic.org, clinic.clinician)
    assert (client.birth_year, client.age_group) == (1984, "adult")
    assert (client.email, client.phone) == ("robin@example.org", "+44 7700 900123")
    assert (client.consents_to_email, client.consents_to_sms) == (True, False)
    assert client.consents_to_electronic_contact and client.contact_consent_on == TODAY
    assert client.preferred_language == "nl"
    caseload = browser.get(reverse("clinic:caseload")).content.decode()
    assert "Robin Hart" in caseload and "Open an episode" in caseload
    assert reverse("care:episode_open", args=[client.pk]) in caseload


def test_the_age_group_is_worked_out_from_the_birth_year_when_not_chosen() -> None:
    assert age_group_for(2016, 2026) == "child"
    assert age_group_for(2013, 2026) == "adolescent"
    assert age_group_for(2008, 2026) == "adult"


def test_an_age_group_alone_is_enough(clinic: SimpleNamespace) -> None:
    data = _form(clinic, birth_year="", age_group="adolescent")
    assert _browser("clinician").post(reverse("care:client_add"), data).status_code == 302
    assert Client.objects.get(code="RH1984").age_group == "adolescent"


def test_it_refuses_a_client_with_neither_birth_year_nor_age_group(
    clinic: SimpleNamespace,
) -> None:
    data = _form(clinic, birth_year="", age_group="")
    page = _browser("clinician").post(reverse("care:client_add"), data)
    assert page.status_code == 200 and "age_group" in page.context["form"].errors
    assert not Client.objects.filter(code="RH1984").exists()


def test_it_refuses_a_code_already_used_in_the_organisation_naming_the_field(
    clinic: SimpleNamespace,
) -> None:
    existing = clinic.episode.client
    before = Client.objects.count()
    data = _form(clinic, code=existing.code.lower())
    page = _browser("clinician").post(reverse("care:client_add"), data)
    assert page.status_code == 200
    assert existing.code.lower() in str(page.context["form"].errors["code"])
    assert Client.objects.count() == before


def test_the_same_code_may_be_used_in_another_organisation(clinic: SimpleNamespace) -> None:
    from alliance.accounts.models import Organisation

    other = Organisation.objects.create(name="Hillside")
    make_client(other)
    code = Client.objects.get(organisation=other).code
    assert _create(clinic, code=code).organisation == clinic.org


def test_a_likely_duplicate_is_pointed_out_and_saved_only_when_confirmed(
    clinic: SimpleNamespace,
) -> None:
    _create(clinic, code="FIRST1")
    browser = _browser("clinician")
    warned = browser.post(reverse("care:client_add"), _form(clinic, display_name=" robin hart "))
    assert warned.status_code == 200
    assert [c.code for c in warned.context["duplicates"]] == ["FIRST1"]
    assert "same name and birth year" in warned.content.decode()
    assert 'name="confirm_likely_duplicate"' in warned.content.decode()
    assert not Client.objects.filter(code="RH1984").exists()
    confirmed = _form(clinic, confirm_likely_duplicate="on")
    assert browser.post(reverse("care:client_add"), confirmed).status_code == 302
    assert Client.objects.filter(display_name="Robin Hart").count() == 2


def test_the_same_name_with_another_birth_year_is_not_a_likely_duplicate(
    clinic: SimpleNamespace,
) -> None:
    _create(clinic, code="FIRST1", birth_year=1990)
    assert _create(clinic).code == "RH1984"


def test_it_refuses_consent_without_its_date(clinic: SimpleNamespace) -> None:
    with pytest.raises(ValidationError) as refused:
        _create(clinic, email="r@example.org", consents_to_email=True)
    assert "contact_consent_on" in refused.value.message_dict
    assert not Client.objects.filter(code="RH1984").exists()


def test_it_refuses_a_consent_date_in_the_future(clinic: SimpleNamespace) -> None:
    with pytest.raises(ValidationError) as refused:
        _create(
            clinic,
            phone="07700900123",
            consents_to_sms=True,
            contact_consent_on=TODAY + dt.timedelta(days=1),
        )
    assert "contact_consent_on" in refused.value.message_dict


@pytest.mark.parametrize(
    ("consent", "field"), [("consents_to_email", "email"), ("consents_to_sms", "phone")]
)
def test_it_refuses_consent_to_a_channel_without_its_address(
    clinic: SimpleNamespace, consent: str, field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        _create(clinic, **{consent: True, "contact_consent_on": TODAY})
    assert field in refused.value.message_dict


def test_it_refuses_a_language_the_site_does_not_offer_naming_the_allowed_ones(
    clinic: SimpleNamespace,
) -> None:
    with pytest.raises(ValidationError) as refused:
        _create(clinic, preferred_language="xx")
    assert "en, nl" in refused.value.message_dict["preferred_language"][0]


def test_the_database_refuses_consent_without_a_date(clinic: SimpleNamespace) -> None:
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Client.objects.create(
            organisation=clinic.org,
            code="Z1",
            display_name="Z",
            age_group="adult",
            consents_to_sms=True,
        )


def test_someone_with_no_role_cannot_add_a_client(clinic: SimpleNamespace) -> None:
    assert _browser("outsider").get(reverse("care:client_add")).status_code == 403
    with pytest.raises(ValidationError) as refused:
        _create(clinic, by=clinic.outsider)
    assert "organisation" in refused.value.message_dict


def test_nobody_adds_a_client_to_another_organisation(clinic: SimpleNamespace) -> None:
    from alliance.accounts.models import Organisation

    other = Organisation.objects.create(name="Hillside")
    page = _browser("clinician").post(
        reverse("care:client_add"), _form(clinic, organisation=other.pk)
    )
    assert page.status_code == 200 and "organisation" in page.context["form"].errors
    assert not Client.objects.filter(code="RH1984").exists()


def test_a_client_with_no_episode_is_seen_by_the_adder_and_the_administrators_only(
    clinic: SimpleNamespace,
) -> None:
    client = _create(clinic)
    seen_by = {
        role
        for role in (
            "clinician",
            "colleague",
            "supervisor",
            "other_supervisor",
            "administrator",
            "outsider",
        )
        if access.visible_clients(getattr(clinic, role)).filter(pk=client.pk).exists()
    }
    assert seen_by == {"clinician", "administrator"}


def test_once_the_client_has_an_episode_the_care_team_rule_decides(
    clinic: SimpleNamespace,
) -> None:
    from tests.factories import make_episode

    client = _create(clinic, by=clinic.colleague)
    make_episode(clinic.team_a, clinic.clinician, client=client)
    assert not access.visible_clients(clinic.colleague).filter(pk=client.pk).exists()
    assert access.visible_clients(clinic.clinician).filter(pk=client.pk).exists()
    assert not access.visible_clients(clinic.administrator).filter(pk=client.pk).exists()


def test_an_administrator_sees_the_clients_waiting_for_an_episode_on_the_caseload(
    clinic: SimpleNamespace,
) -> None:
    _create(clinic)
    page = _browser("administrator").get(reverse("clinic:caseload")).content.decode()
    assert "Robin Hart" in page and "No episode yet" in page
    colleague = _browser("colleague").get(reverse("clinic:caseload")).content.decode()
    assert "Robin Hart" not in colleague


def test_an_administrator_of_another_organisation_sees_nothing_of_it(
    clinic: SimpleNamespace,
) -> None:
    from alliance.accounts.models import Organisation, Role

    other = Organisation.objects.create(name="Hillside")
    stranger = make_user("stranger", organisation=other, role=Role.ADMINISTRATOR)
    client = _create(clinic)
    assert not access.visible_clients(stranger).filter(pk=client.pk).exists()


def test_the_intake_is_in_the_audit_log(clinic: SimpleNamespace) -> None:
    from alliance.audit.models import AuditEvent

    _browser("clinician").post(reverse("care:client_add"), _form(clinic))
    event = AuditEvent.objects.filter(route="care:client_add").latest("pk")
    assert event.action == "create" and event.actor == clinic.clinician
