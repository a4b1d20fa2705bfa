"""Ruptures recorded for a session: 3RS markers, who noticed, repair strategies, resolution."""

from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from alliance.care import forms
from alliance.care.models import NoticedBy, Resolution, Rupture, TaskOutcome
from alliance.care.selectors import episode_work
from alliance.care.services import rupture_record, rupture_update
from alliance.science import ruptures
from tests.factories import make_session


def _rupture(clinic: SimpleNamespace, session=None, **changes) -> Rupture:  # type: ignore[no-untyped-def]
    fields = {
        "markers": ["minimal_response", "denial"],
        "noticed_by": "clinician",
        "strategies": ["invite_discussion"],
        "resolution": "partly_resolved",
    }
    return rupture_record(
        session=session or clinic.session, by=clinic.clinician, **(fields | changes)
    )


def test_a_rupture_stores_its_codes_in_list_order(clinic: SimpleNamespace) -> None:
    rupture = _rupture(clinic, strategies=["invite_discussion", "validate_feelings"])
    rupture.refresh_from_db()
    assert rupture.markers == ["denial", "minimal_response"]
    assert rupture.strategies == ["validate_feelings", "invite_discussion"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("markers", [], "choose at least one of denial"),
        ("markers", ["silence"], "unknown 'silence'"),
        ("strategies", ["hug"], "unknown 'hug'"),
        ("noticed_by", "nobody", "choose one of client, clinician, both, supervisor"),
        ("resolution", "fine", "choose one of resolved, partly_resolved, not_resolved"),
    ],
)
def test_it_refuses_bad_input_naming_the_field_and_the_allowed_values(
    clinic: SimpleNamespace, field: str, value: object, message: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        _rupture(clinic, **{field: value})
    assert message in str(refused.value.message_dict[field])
    assert not Rupture.objects.exists()


def test_a_later_repair_is_recorded_and_the_earlier_version_kept(
    clinic: SimpleNamespace,
) -> None:
    rupture = _rupture(clinic)
    updated = rupture_update(
        rupture=rupture,
        markers=rupture.markers,
        noticed_by="both",
        strategies=["invite_discussion", "acknowledge_contribution"],
        resolution="resolved",
        by=clinic.supervisor,
        note="Talked it through the week after",
    )
    assert updated.resolution == "resolved"
    (earlier,) = updated.history
    assert earlier["resolution"] == "partly_resolved" and earlier["noticed_by"] == "clinician"
    assert earlier["replaced_by"] == clinic.supervisor.pk


def test_saving_a_rupture_unchanged_adds_no_history(clinic: SimpleNamespace) -> None:
    rupture = _rupture(clinic)
    same = rupture_update(
        rupture=rupture,
        markers=rupture.markers,
        noticed_by=rupture.noticed_by,
        strategies=rupture.strategies,
        resolution=rupture.resolution,
        by=clinic.clinician,
    )
    assert same.history == []


def test_the_database_refuses_a_rupture_without_markers(clinic: SimpleNamespace) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Rupture.objects.create(
            session=clinic.session,
            markers=[],
            noticed_by="client",
            resolution="resolved",
            recorded_by=clinic.clinician,
        )


def test_the_database_refuses_an_unknown_resolution(clinic: SimpleNamespace) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Rupture.objects.create(
            session=clinic.session,
            markers=["denial"],
            noticed_by="client",
            resolution="fine",
            recorded_by=clinic.clinician,
        )


def test_the_client_page_summarises_the_episodes_ruptures(clinic: SimpleNamespace) -> None:
    second = make_session(clinic.episode, 2)
    _rupture(clinic, resolution="resolved")
    _rupture(clinic, session=second, markers=["defends_self"], resolution="not_resolved")
    _rupture(clinic, session=second, markers=["denial", "rejects_intervention"], strategies=[])
    work = episode_work(clinic.clinician, clinic.episode)
    summary = work.rupture_summary
    assert summary.count == 3
    assert dict(summary.by_kind) == {"withdrawal": 1, "confrontation": 1, "both": 1}
    assert summary.share_resolved == pytest.approx(1 / 3)
    assert dict(summary.by_pathway)["expressive_repair"] == 2
    assert [r.session.number for r in work.ruptures] == [2, 2, 1]


def test_the_stored_choices_are_the_science_lists() -> None:
    assert list(Resolution.values) == list(ruptures.RESOLUTIONS)
    outcomes = [o for o in TaskOutcome.values if o != "not_reviewed"]
    assert outcomes == list(ruptures.TASK_OUTCOMES)
    assert set(NoticedBy.values) == {"client", "clinician", "both", "supervisor"}


@pytest.mark.parametrize(
    ("labels", "science"),
    [
        (forms.MARKER_LABELS, {c: m.label for c, m in ruptures.MARKERS.items()}),
        (forms.STRATEGY_LABELS, {c: s.label for c, s in ruptures.STRATEGIES.items()}),
        (forms.EXPERIENCE_LABELS, {c: e.label for c, e in ruptures.EXPERIENCES.items()}),
        (forms.PATHWAY_LABELS, dict(ruptures.PATHWAY_LABELS)),
    ],
)
def test_the_translatable_labels_are_the_science_modules_english_labels(
    labels: dict[str, object], science: dict[str, str]
) -> None:
    assert {code: str(label) for code, label in labels.items()} == science
