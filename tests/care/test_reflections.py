"""The clinician's reflection is private to its author and the supervisors of the episode's team:
even another member of the care team does not see it."""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client as Browser
from django.urls import reverse

from alliance.care.models import CareRole, Reflection
from alliance.care.selectors import visible_reflections
from alliance.care.services import reflection_save
from tests.factories import PASSWORD


def _written(clinic: SimpleNamespace) -> Reflection:
    return reflection_save(
        session=clinic.session,
        author=clinic.clinician,
        experiences=["self_doubt", "anxiety"],
        text="I rushed the homework again.",
    )


@pytest.fixture
def team_colleague(clinic: SimpleNamespace) -> SimpleNamespace:
    """The colleague joins the care team, so they see the session but not the reflection."""
    clinic.episode.care_team.create(member=clinic.colleague, role=CareRole.TEAM_MEMBER)
    return clinic


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        ("clinician", True),
        ("colleague", False),
        ("supervisor", True),
        ("other_supervisor", False),
        ("administrator", False),
        ("outsider", False),
    ],
)
def test_only_the_author_and_the_team_supervisor_see_a_reflection(
    team_colleague: SimpleNamespace, role: str, sees: bool
) -> None:
    clinic = team_colleague
    reflection = _written(clinic)
    visible = visible_reflections(getattr(clinic, role), clinic.session)
    assert list(visible) == ([reflection] if sees else [])


def test_an_administrator_allowed_clinical_data_still_does_not_see_reflections(
    clinic: SimpleNamespace,
) -> None:
    clinic.org.admin_sees_clinical_data = True
    clinic.org.save(update_fields=["admin_sees_clinical_data"])
    _written(clinic)
    assert not visible_reflections(clinic.administrator).exists()


def test_an_anonymous_visitor_sees_no_reflection(clinic: SimpleNamespace) -> None:
    _written(clinic)
    assert not visible_reflections(AnonymousUser()).exists()  # type: ignore[arg-type]


def test_the_colleague_on_the_care_team_does_not_see_it_on_the_reflection_page(
    team_colleague: SimpleNamespace,
) -> None:
    clinic = team_colleague
    _written(clinic)
    browser = Browser()
    browser.login(username="colleague", password=PASSWORD)
    page = browser.get(reverse("care:reflection", args=[clinic.session.pk]))
    assert page.status_code == 200
    assert "I rushed the homework" not in page.content.decode()


def test_the_author_finds_their_reflection_on_the_reflection_page(clinic: SimpleNamespace) -> None:
    _written(clinic)
    browser = Browser()
    browser.login(username="clinician", password=PASSWORD)
    page = browser.get(reverse("care:reflection", args=[clinic.session.pk]))
    assert "I rushed the homework" in page.content.decode()


def test_rewriting_a_reflection_keeps_the_earlier_version(clinic: SimpleNamespace) -> None:
    _written(clinic)
    again = reflection_save(
        session=clinic.session, author=clinic.clinician, experiences=["warmth"], text=""
    )
    assert again.experiences == ["warmth"] and Reflection.objects.count() == 1
    (earlier,) = again.history
    assert earlier["experiences"] == ["anxiety", "self_doubt"]
    assert earlier["text"] == "I rushed the homework again."


def test_an_empty_reflection_is_refused(clinic: SimpleNamespace) -> None:
    with pytest.raises(ValidationError, match="Choose at least one feeling"):
        reflection_save(session=clinic.session, author=clinic.clinician, experiences=[], text=" ")


def test_an_unknown_feeling_is_refused_naming_the_allowed_ones(clinic: SimpleNamespace) -> None:
    with pytest.raises(ValidationError) as refused:
        reflection_save(
            session=clinic.session, author=clinic.clinician, experiences=["joy"], text=""
        )
    assert "allowed: anxiety, frustration_anger" in str(refused.value.message_dict["experiences"])


def test_the_database_keeps_one_reflection_per_author_and_session(
    clinic: SimpleNamespace,
) -> None:
    _written(clinic)
    with pytest.raises(IntegrityError), transaction.atomic():
        Reflection.objects.create(session=clinic.session, author=clinic.clinician, text="again")


def test_reflections_are_not_in_the_admin(clinic: SimpleNamespace) -> None:
    from django.contrib import admin

    assert Reflection not in admin.site._registry
