"""Recording and correcting responses: scored by the science core, idempotent, history kept,
bad input refused with the item and the allowed range named, and nothing stored."""

import math
import uuid
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from alliance.measures.models import Response, ResponseVersion
from alliance.measures.services import response_correct, response_record

ORS = {"ors_1": 4.5, "ors_2": 6.0, "ors_3": 5.2, "ors_4": 3.3}


def _record(clinic: SimpleNamespace, values: dict, **kwargs) -> Response:  # type: ignore[type-arg]
    return response_record(
        session=clinic.session, instrument_code=kwargs.pop("code", "ors"), values=values, **kwargs
    )


def test_it_stores_the_total_computed_by_the_science_core(clinic: SimpleNamespace) -> None:
    response = _record(clinic, ORS)
    assert response.total == pytest.approx(19.0)
    assert response.items == ORS
    assert [v.version for v in response.versions.all()] == [1]


def test_the_same_submission_twice_is_stored_once(clinic: SimpleNamespace) -> None:
    key = uuid.uuid4()
    first = _record(clinic, ORS, idempotency_key=key)
    second = _record(clinic, ORS, idempotency_key=key)
    assert first.pk == second.pk
    assert Response.objects.count() == 1
    assert ResponseVersion.objects.count() == 1


@pytest.mark.parametrize("bad", [10.5, -1, math.nan, math.inf, "lots", True, 4.55])
def test_it_refuses_a_bad_value_names_the_item_and_stores_nothing(
    clinic: SimpleNamespace, bad: object
) -> None:
    with pytest.raises(ValidationError) as refused:
        _record(clinic, {**ORS, "ors_2": bad})
    assert "ors_2" in refused.value.message_dict
    assert Response.objects.count() == 0


def test_it_refuses_a_missing_ors_line(clinic: SimpleNamespace) -> None:
    values = {k: v for k, v in ORS.items() if k != "ors_4"}
    with pytest.raises(ValidationError) as refused:
        _record(clinic, values)
    assert "ors_4" in str(refused.value)
    assert Response.objects.count() == 0


def test_it_refuses_an_unknown_measure_and_lists_the_known_ones(clinic: SimpleNamespace) -> None:
    with pytest.raises(ValidationError) as refused:
        _record(clinic, ORS, code="bdi")
    assert "phq9" in str(refused.value)


def test_it_refuses_a_rater_the_measure_does_not_allow(clinic: SimpleNamespace) -> None:
    with pytest.raises(ValidationError) as refused:
        _record(clinic, ORS, rater="clinician", rater_user=clinic.clinician)
    assert "rater" in refused.value.message_dict


def test_a_clinician_rates_the_session_on_the_srs(clinic: SimpleNamespace) -> None:
    response = _record(
        clinic,
        {"srs_1": 9, "srs_2": 9, "srs_3": 9, "srs_4": 9},
        code="srs",
        rater="clinician",
        rater_user=clinic.clinician,
        method="clinician",
    )
    assert response.total == pytest.approx(36)
    assert response.rater_user == clinic.clinician


def test_phq9_item_9_above_zero_is_stored_as_a_risk_answer(clinic: SimpleNamespace) -> None:
    values = {f"phq9_{n}": 1 for n in range(1, 10)}
    response = _record(clinic, values, code="phq9")
    assert response.risk_items == ["phq9_9"]
    assert response.total == 9


def test_a_correction_keeps_every_earlier_version(clinic: SimpleNamespace) -> None:
    response = _record(clinic, ORS)
    corrected = response_correct(
        response=response,
        values={**ORS, "ors_1": 8.5},
        corrected_by=clinic.clinician,
        reason="Typed 4.5 for 8.5",
    )
    assert corrected.version == 2
    assert corrected.total == pytest.approx(23.0)
    history = list(corrected.versions.order_by("version").values_list("version", "total"))
    assert history == [(1, pytest.approx(19.0)), (2, pytest.approx(23.0))]


def test_a_correction_needs_a_reason(clinic: SimpleNamespace) -> None:
    response = _record(clinic, ORS)
    with pytest.raises(ValidationError):
        response_correct(response=response, values=ORS, corrected_by=clinic.clinician, reason=" ")
    assert ResponseVersion.objects.count() == 1


def test_a_bad_correction_changes_nothing(clinic: SimpleNamespace) -> None:
    response = _record(clinic, ORS)
    with pytest.raises(ValidationError):
        response_correct(
            response=response,
            values={**ORS, "ors_1": 11},
            corrected_by=clinic.clinician,
            reason="slip",
        )
    response.refresh_from_db()
    assert (response.version, response.total) == (1, pytest.approx(19.0))
