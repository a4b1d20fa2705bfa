"""Instrument files, strict loading, answer validation and scoring.

Expected figures come from the instruments' sources: PHQ-9 bands and items (Kroenke et al. 2001),
PHQ-9 missing-item rule (NHS Data Dictionary), LOINC codes (LOINC panels 44249-1 and 69737-5),
WAI-SR subscales (Hatcher & Gillaspy 2006), ORS/CORS cutoffs (Miller et al. 2003; Duncan et al.
2006).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alliance.science.instrument_schema import loinc_check_digit
from alliance.science.instruments import (
    INSTRUMENTS_DIRECTORY,
    Instrument,
    InstrumentError,
    Item,
    ResponseError,
    cutoff_for,
    load_instrument,
    load_instruments,
    reliable_change_for,
    score_response,
    score_totals,
    validate_values,
    with_site_item_text,
)
from alliance.science.measure_scores import subscale_range

INSTRUMENTS = load_instruments()
CODES = sorted(INSTRUMENTS)
LICENSED = ["ors", "cors", "srs", "csrs", "gsrs", "wai_sr", "wai_sr_t", "gbo", "cnip", "ceq"]


def raw(code: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((INSTRUMENTS_DIRECTORY / f"{code}.json").read_text())
    return data


def write(folder: Path, name: str, data: object) -> Path:
    path = folder / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def cutoff_total(instrument: Instrument, age_group: str) -> float | None:
    cutoff = cutoff_for(instrument, age_group)
    return None if cutoff is None else cutoff.total


def rc_points(instrument: Instrument, age_group: str) -> float | None:
    change = reliable_change_for(instrument, age_group)
    return None if change is None else change.points


def answers(code: str, value: float) -> dict[str, float]:
    return {item.code: value for item in INSTRUMENTS[code].scored_items}


# --- the shipped files ---------------------------------------------------------------------


def test_it_ships_the_twelve_measures() -> None:
    assert CODES == [
        "ceq", "cnip", "cors", "csrs", "gad7", "gbo", "gsrs", "ors", "phq9", "srs", "wai_sr",
        "wai_sr_t",
    ]  # fmt: skip


@pytest.mark.parametrize("path", sorted(INSTRUMENTS_DIRECTORY.glob("*.json")), ids=lambda p: p.name)
def test_every_shipped_file_loads_on_its_own(path: Path) -> None:
    assert load_instrument(path).code == path.stem


def test_phq9_items_carry_the_loinc_item_codes_in_order() -> None:
    phq9 = INSTRUMENTS["phq9"]
    assert [item.loinc for item in phq9.scored_items] == [
        "44250-9", "44255-8", "44259-0", "44254-1", "44251-7",
        "44258-2", "44252-5", "44253-3", "44260-8",
    ]  # fmt: skip
    assert (phq9.codes.loinc_panel, phq9.codes.loinc_total) == ("44249-1", "44261-6")


def test_phq9_keeps_the_difficulty_question_as_an_unscored_item() -> None:
    difficulty = next(i for i in INSTRUMENTS["phq9"].items if i.code == "phq9_difficulty")
    assert (difficulty.scored, difficulty.loinc) == (False, "69722-7")
    assert difficulty.scale.options[0].label["en"] == "Not difficult at all"


@pytest.mark.parametrize("code", ["phq9", "gad7"])
def test_the_difficulty_question_is_an_unscored_optional_last_item(code: str) -> None:
    # Asked after the items on the published PHQ-9 and GAD-7 forms, and sent with both by
    # LOINC-based forms (LHC-Forms, HL7's personal-health-record responses) as 69722-7.
    difficulty = INSTRUMENTS[code].items[-1]
    assert (difficulty.code, difficulty.scored) == (f"{code}_difficulty", False)
    assert difficulty.loinc == "69722-7"
    assert [o.loinc for o in difficulty.scale.options] == [
        "LA6572-7", "LA6573-5", "LA6575-0", "LA6574-3"
    ]  # fmt: skip
    blank = score_response(INSTRUMENTS[code], answers(code, 1))
    asked = score_response(INSTRUMENTS[code], answers(code, 1) | {difficulty.code: 3})
    assert (asked.total, asked.prorated) == (blank.total, False)


def test_gad7_items_carry_the_loinc_item_codes_in_order() -> None:
    gad7 = INSTRUMENTS["gad7"]
    assert [item.loinc for item in gad7.scored_items] == [
        "69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7"
    ]  # fmt: skip
    assert (gad7.codes.loinc_panel, gad7.codes.loinc_total) == ("69737-5", "70274-6")


@pytest.mark.parametrize("code", ["phq9", "gad7"])
def test_phq9_and_gad7_answers_carry_the_loinc_answer_codes(code: str) -> None:
    options = INSTRUMENTS[code].scored_items[0].scale.options
    assert [(o.value, o.loinc) for o in options] == [
        (0, "LA6568-5"), (1, "LA6569-3"), (2, "LA6570-1"), (3, "LA6571-9")
    ]  # fmt: skip


def test_gad7_lowest_option_reads_not_at_all() -> None:
    assert INSTRUMENTS["gad7"].items[0].scale.options[0].label == {"en": "Not at all"}


def test_public_domain_measures_ship_their_full_wording() -> None:
    for code in ("phq9", "gad7"):
        assert all(item.text and item.text["en"] for item in INSTRUMENTS[code].items)
    assert INSTRUMENTS["phq9"].items[8].text == {
        "en": "Thoughts that you would be better off dead or of hurting yourself in some way"
    }


@pytest.mark.parametrize("code", LICENSED)
def test_licensed_measures_ship_labels_but_no_item_wording(code: str) -> None:
    instrument = INSTRUMENTS[code]
    assert instrument.licence.item_text == "site_supplied"
    assert all(item.text is None and item.label["en"] for item in instrument.items)


def test_wai_sr_subscales_follow_hatcher_and_gillaspy() -> None:
    for code in ("wai_sr", "wai_sr_t"):
        subscales = {
            s.code: [int(c.rsplit("_", 1)[1]) for c in s.items] for s in INSTRUMENTS[code].subscales
        }
        assert subscales == {"goal": [4, 6, 8, 11], "task": [1, 2, 10, 12], "bond": [3, 5, 7, 9]}


def test_only_the_srs_family_member_for_sessions_accepts_the_clinicians_own_rating() -> None:
    assert "clinician" in INSTRUMENTS["srs"].respondents
    assert "clinician" not in INSTRUMENTS["ors"].respondents
    assert INSTRUMENTS["wai_sr_t"].respondents == ("clinician", "team_member")


def test_ors_family_cutoffs_and_reliable_change_by_age_group() -> None:
    ors, cors = INSTRUMENTS["ors"], INSTRUMENTS["cors"]
    assert [cutoff_total(ors, age) for age in ("adult", "adolescent", "child")] == [25, 28, None]
    assert cutoff_total(cors, "child") == 32
    assert rc_points(ors, "adult") == 5


def test_srs_signals_below_36_or_a_line_below_9() -> None:
    cutoff = cutoff_for(INSTRUMENTS["srs"], "adult")
    assert cutoff is not None and (cutoff.total, cutoff.item) == (36, 9)


def test_loinc_check_digit_matches_published_codes() -> None:
    assert [loinc_check_digit(n) for n in ("44249", "44261", "69737", "70274", "44260")] == [
        1, 6, 5, 6, 8
    ]  # fmt: skip


# --- strict loading --------------------------------------------------------------------------


def mutate_phq9(change: Any) -> dict[str, Any]:
    data = raw("phq9")
    change(data)
    return data


BROKEN = [
    ("duplicate item code", lambda d: d["items"][3].update(code="phq9_3"),
     "items[3].code: duplicate code 'phq9_3'"),
    ("unknown top-level field", lambda d: d.update(colour="blue"), "colour: unknown field"),
    ("unknown item field", lambda d: d["items"][0].update(colour="blue"),
     "items[0].colour: unknown field"),
    ("missing scoring", lambda d: d.pop("scoring"), "scoring: missing field"),
    ("text where a number belongs", lambda d: d["scoring"].update(max="27"),
     "scoring.max: must be a number"),
    ("boolean where a number belongs", lambda d: d["items"][8].update(risk_above=True),
     "items[8].risk_above: must be a number"),
    ("risk threshold outside the scale", lambda d: d["items"][8].update(risk_above=3),
     "items[8].risk_above: 3 is outside the item's scale"),
    ("total range that does not match the items", lambda d: d["scoring"].update(max=30),
     "scoring.max: 30 does not match"),
    ("cutoff outside the total's range", lambda d: d["cutoffs"][0].update(total=28),
     "cutoffs[0].total: 28 is outside the range 0 to 27"),
    ("duplicate option value", lambda d: d["scale"]["options"][1].update(value=0),
     "scale.options[1].value: duplicate value 0"),
    ("LOINC code with a wrong check digit", lambda d: d["items"][0].update(loinc="44250-8"),
     "items[0].loinc: '44250-8' has a wrong check digit (expected 9)"),
    ("source nobody cites", lambda d: d["cutoffs"][0].update(source="nobody"),
     "cutoffs[0].source: unknown source 'nobody'"),
    ("bands out of order", lambda d: d["severity_bands"][2].update({"from": 4}),
     "severity_bands[2].from: must be above the previous band's start 5"),
    ("prorating more items than exist", lambda d: d["scoring"]["missing"].update(max_missing=9),
     "scoring.missing.max_missing: must be from 1 to 8 when prorating"),
    ("an age group the measure is not for", lambda d: d["cutoffs"][0].update(age_group="child"),
     "cutoffs[0].age_group: 'child' is not one of adult"),
    ("a name that is not a language map", lambda d: d.update(name="PHQ-9"),
     "name: must be a language map"),
    ("an unknown respondent", lambda d: d.update(respondents=["robot"]),
     "respondents[0]: 'robot' is not one of"),
    ("a VAS step that is not a fraction of one", lambda d: d.update(
        scale={"type": "vas", "min": 0, "max": 3, "step": 0.3,
               "anchors": {"low": {"en": "a"}, "high": {"en": "b"}}}),
     "scale.step: must be 1 divided by a whole number"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "message"), [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_a_broken_file_refuses_to_load_naming_file_and_field(
    tmp_path: Path, change: Any, message: str
) -> None:
    path = write(tmp_path, "phq9.json", mutate_phq9(change))
    with pytest.raises(InstrumentError) as caught:
        load_instrument(path)
    assert str(caught.value).startswith(f"phq9.json: {message}")


def test_licensed_wording_committed_by_mistake_refuses_to_load(tmp_path: Path) -> None:
    data = raw("ors")
    data["items"][0]["text"] = {"en": "copied wording"}
    with pytest.raises(InstrumentError, match=r"^ors\.json: items\[0\]\.text: must be null"):
        load_instrument(write(tmp_path, "ors.json", data))


def test_a_file_that_is_not_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "gad7.json"
    path.write_text('{\n  "code": "gad7",\n  oops\n}')
    with pytest.raises(InstrumentError, match=r"^gad7\.json: line 3: not valid JSON"):
        load_instrument(path)


def test_a_field_given_twice_refuses_to_load(tmp_path: Path) -> None:
    path = tmp_path / "gad7.json"
    path.write_text('{"code": "gad7", "code": "phq9"}')
    with pytest.raises(InstrumentError, match=r"^gad7\.json: duplicate field 'code'"):
        load_instrument(path)


def test_two_files_with_one_instrument_code_refuse_to_load(tmp_path: Path) -> None:
    write(tmp_path, "gad7.json", raw("gad7"))
    write(tmp_path, "gad7_copy.json", raw("gad7"))
    with pytest.raises(InstrumentError, match=r"^gad7_copy\.json: code: duplicate instrument code"):
        load_instruments(tmp_path)


def test_a_folder_of_valid_files_loads_every_measure(tmp_path: Path) -> None:
    write(tmp_path, "gad7.json", raw("gad7"))
    assert list(load_instruments(tmp_path)) == ["gad7"]


# --- site-supplied item wording ---------------------------------------------------------------


def test_site_wording_is_merged_and_other_languages_are_kept(tmp_path: Path) -> None:
    local = {
        "instrument": "srs",
        "instructions": {"en": "Please rate today's session."},
        "items": {"srs_1": {"text": {"en": "Site wording"}, "label": {"nl": "Relatie"},
                            "anchors": {"low": {"en": "Left"}, "high": {"en": "Right"}}}},
    }  # fmt: skip
    merged = with_site_item_text(INSTRUMENTS["srs"], write(tmp_path, "srs.json", local))
    assert merged.items[0].text == {"en": "Site wording"}
    assert merged.items[0].label == {"en": "Relationship", "nl": "Relatie", "de": "Beziehung"}
    anchors = merged.items[0].scale.anchors
    assert anchors is not None and anchors.low == {"en": "Left"}
    assert merged.items[1] == INSTRUMENTS["srs"].items[1]
    assert merged.instructions == {"en": "Please rate today's session."}


@pytest.mark.parametrize(
    ("local", "message"),
    [
        ({"instrument": "ors", "items": {}}, "instrument: is 'ors' but the instrument is 'wai_sr'"),
        ({"instrument": "wai_sr", "items": {"wai_sr_13": {"text": {"en": "x"}}}},
         "items.wai_sr_13: unknown item"),
        ({"instrument": "wai_sr", "items": {"wai_sr_1": {"wording": {"en": "x"}}}},
         "items.wai_sr_1.wording: unknown field"),
        ({"instrument": "wai_sr", "items": {"wai_sr_1": {"text": "x"}}},
         "items.wai_sr_1.text: must be a language map"),
        ({"instrument": "wai_sr", "items": {"wai_sr_1": {"anchors": {"low": {"en": "a"},
                                                                     "high": {"en": "b"}}}}},
         "items.wai_sr_1.anchors: only visual analogue and rating items have anchors"),
        ({"instrument": "wai_sr", "items": {}, "version": 2}, "version: unknown field"),
    ],
)  # fmt: skip
def test_a_broken_site_wording_file_refuses_to_load(
    tmp_path: Path, local: dict[str, Any], message: str
) -> None:
    with pytest.raises(InstrumentError) as caught:
        with_site_item_text(INSTRUMENTS["wai_sr"], write(tmp_path, "wai_sr.json", local))
    assert str(caught.value).startswith(f"wai_sr.json: {message}")


# --- validating answers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (10.1, "not on the scale"),
        (-0.1, "not on the scale"),
        (7.35, "not on the scale"),
        (True, "yes/no value"),
        (float("nan"), "not a finite number"),
        (float("inf"), "not a finite number"),
        (10**400, "not a finite number"),
        ("1e400", "not a finite number"),
        ("seven", "not a number"),
        ([7], "not a number"),
    ],
)
def test_it_refuses_an_ors_line_that_is_not_a_point_on_the_line(value: object, reason: str) -> None:
    with pytest.raises(ResponseError, match=reason) as caught:
        validate_values(INSTRUMENTS["ors"], answers("ors", 5) | {"ors_2": value})
    assert caught.value.item == "ors_2"
    assert "ors_2:" in str(caught.value)


def test_it_accepts_ors_lines_given_as_text_with_one_decimal() -> None:
    clean = validate_values(
        INSTRUMENTS["ors"], {"ors_1": "7.3", "ors_2": "10", "ors_3": 0, "ors_4": 9.9}
    )
    assert clean == {"ors_1": 7.3, "ors_2": 10.0, "ors_3": 0.0, "ors_4": 9.9}


def test_it_refuses_a_phq9_answer_that_is_not_an_option() -> None:
    with pytest.raises(
        ResponseError, match=r"phq9_1: 1\.5 is not on the scale; allowed one of 0, 1, 2, 3"
    ):
        validate_values(INSTRUMENTS["phq9"], answers("phq9", 1) | {"phq9_1": 1.5})


def test_it_refuses_an_unknown_item_code() -> None:
    with pytest.raises(ResponseError, match="phq9_10: unknown item for phq9") as caught:
        validate_values(INSTRUMENTS["phq9"], answers("phq9", 1) | {"phq9_10": 1})
    assert caught.value.item == "phq9_10"


@pytest.mark.parametrize(
    ("code", "blank", "accepted"),
    [
        ("ors", 1, False),
        ("phq9", 2, True),
        ("phq9", 3, False),
        ("gad7", 1, True),
        ("gad7", 2, False),
        ("wai_sr", 1, False),
        ("gbo", 2, True),
        ("gbo", 3, False),
    ],
)
def test_missing_answers_are_accepted_only_as_the_manual_allows(
    code: str, blank: int, accepted: bool
) -> None:
    values: dict[str, object] = dict(answers(code, 1))
    for item in INSTRUMENTS[code].scored_items[:blank]:
        values[item.code] = None if blank % 2 else ""
    if accepted:
        assert score_response(INSTRUMENTS[code], values).prorated
    else:
        with pytest.raises(ResponseError, match="answer missing") as caught:
            validate_values(INSTRUMENTS[code], values)
        assert caught.value.item == INSTRUMENTS[code].scored_items[0].code


def test_the_phq9_difficulty_question_may_be_left_blank() -> None:
    assert not score_response(INSTRUMENTS["phq9"], answers("phq9", 0)).prorated


# --- scoring ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "band"),
    [(0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"), (14, "moderate"),
     (15, "moderately_severe"), (19, "moderately_severe"), (20, "severe"), (27, "severe")],
)  # fmt: skip
def test_phq9_bands_follow_kroenke_2001(total: int, band: str) -> None:
    values = {f"phq9_{n}": min(3, max(0, total - 3 * (n - 1))) for n in range(1, 10)}
    score = score_response(INSTRUMENTS["phq9"], values)
    assert (score.total, score.band) == (total, band)


def test_any_phq9_item9_answer_above_zero_is_a_risk_answer() -> None:
    phq9 = INSTRUMENTS["phq9"]
    assert score_response(phq9, answers("phq9", 0) | {"phq9_9": 1}).risk_items == ("phq9_9",)
    assert score_response(phq9, answers("phq9", 3) | {"phq9_9": 0}).risk_items == ()


def test_a_blank_phq9_item9_is_reported_as_unknown_risk_not_as_safe() -> None:
    score = score_response(INSTRUMENTS["phq9"], answers("phq9", 1) | {"phq9_9": None})
    assert (score.risk_items, score.risk_unanswered, score.missing) == (
        (),
        ("phq9_9",),
        ("phq9_9",),
    )


def test_phq9_with_two_blanks_is_prorated_from_the_mean_of_the_rest() -> None:
    values: dict[str, object] = {f"phq9_{n}": n % 4 for n in range(1, 10)} | {
        "phq9_2": None,
        "phq9_7": None,
    }
    answered = [n % 4 for n in range(1, 10) if n not in (2, 7)]
    score = score_response(INSTRUMENTS["phq9"], values)
    assert score.prorated and score.missing == ("phq9_2", "phq9_7")
    assert score.total == pytest.approx(sum(answered) / 7 * 9, rel=1e-15)


def test_ors_lines_add_up_exactly_so_a_total_on_the_cutoff_is_not_clinical() -> None:
    score = score_response(
        INSTRUMENTS["ors"], {"ors_1": 5.1, "ors_2": 2.0, "ors_3": 9.7, "ors_4": 8.2}
    )
    assert score.total == 25.0
    assert score.below_cutoff is False


def test_the_ors_cutoff_depends_on_the_age_group() -> None:
    values = {"ors_1": 7, "ors_2": 6, "ors_3": 7, "ors_4": 6}
    assert score_response(INSTRUMENTS["ors"], values, age_group="adult").below_cutoff is False
    assert score_response(INSTRUMENTS["ors"], values, age_group="adolescent").below_cutoff is True


def test_no_published_cutoff_gives_no_clinical_judgement() -> None:
    assert score_response(INSTRUMENTS["wai_sr"], answers("wai_sr", 3)).below_cutoff is None


def test_it_refuses_an_unknown_age_group() -> None:
    with pytest.raises(
        ValueError, match="age_group: 'elder' is not one of child, adolescent, adult"
    ):
        score_response(INSTRUMENTS["ors"], answers("ors", 5), age_group="elder")


def test_phq9_is_clinical_from_10_and_not_at_9() -> None:
    phq9 = INSTRUMENTS["phq9"]
    nine = {f"phq9_{n}": 1 for n in range(1, 10)}
    assert score_response(phq9, nine).below_cutoff is False
    assert score_response(phq9, nine | {"phq9_1": 2}).below_cutoff is True


def test_srs_lines_under_9_are_listed_even_when_the_total_is_fine() -> None:
    score = score_response(INSTRUMENTS["srs"], {"srs_1": 10, "srs_2": 8.9, "srs_3": 10, "srs_4": 9})
    assert (score.total, score.below_cutoff, score.items_below_cutoff) == (37.9, False, ("srs_2",))


def test_wai_sr_scores_goal_task_and_bond_separately() -> None:
    values = {f"wai_sr_{n}": n % 5 + 1 for n in range(1, 13)}
    score = score_response(INSTRUMENTS["wai_sr"], values)
    assert dict(score.subscales) == {
        "goal": sum(values[f"wai_sr_{n}"] for n in (4, 6, 8, 11)),
        "task": sum(values[f"wai_sr_{n}"] for n in (1, 2, 10, 12)),
        "bond": sum(values[f"wai_sr_{n}"] for n in (3, 5, 7, 9)),
    }
    assert score.total == sum(values.values())


def test_the_gbo_total_is_the_mean_of_the_goals_rated() -> None:
    score = score_response(INSTRUMENTS["gbo"], {"gbo_1": 3, "gbo_2": 8})
    assert (score.total, score.missing) == (5.5, ("gbo_3",))


def test_score_totals_refuses_an_off_scale_value_naming_item_and_row() -> None:
    matrix = np.full((3, 4), 5.0)
    matrix[2, 1] = 5.05
    with pytest.raises(ResponseError, match=r"ors_2: row 2: 5\.05 is not on the scale") as caught:
        score_totals(INSTRUMENTS["ors"], matrix)
    assert caught.value.item == "ors_2"


def test_score_totals_refuses_a_matrix_of_the_wrong_width() -> None:
    with pytest.raises(ValueError, match=r"items: expected an array of shape \(n, 9\)"):
        score_totals(INSTRUMENTS["phq9"], np.zeros((2, 10)))


# --- properties ---------------------------------------------------------------------------------


def on_scale(item: Item) -> st.SearchStrategy[float]:
    scale = item.scale
    if scale.type == "likert":
        return st.sampled_from([option.value for option in scale.options])
    steps = round((scale.max - scale.min) * scale.resolution)
    return st.integers(0, steps).map(lambda k: scale.min + k / scale.resolution)


@st.composite
def responses(draw: st.DrawFn, code: str | None = None) -> tuple[Instrument, dict[str, object]]:
    instrument = INSTRUMENTS[code or draw(st.sampled_from(CODES))]
    values: dict[str, object] = {item.code: draw(on_scale(item)) for item in instrument.items}
    scored = [item.code for item in instrument.scored_items]
    blanks = draw(
        st.lists(
            st.sampled_from(scored), unique=True, max_size=instrument.scoring.missing.max_missing
        )
    )
    for code_ in blanks:
        values[code_] = None
    return instrument, values


@given(responses())
def test_every_valid_response_scores_within_the_instruments_range(
    response: tuple[Instrument, dict[str, object]],
) -> None:
    instrument, values = response
    score = score_response(instrument, values)
    assert instrument.scoring.min <= score.total <= instrument.scoring.max
    assert score.prorated == bool(score.missing)
    for subscale in instrument.subscales:
        low, high = subscale_range(instrument, subscale.code)
        assert low <= score.subscales[subscale.code] <= high


@given(responses(), st.data())
def test_any_value_outside_an_items_scale_is_refused(
    response: tuple[Instrument, dict[str, object]], data: st.DataObject
) -> None:
    instrument, values = response
    item = data.draw(st.sampled_from(instrument.items))
    outside = data.draw(
        st.floats(item.scale.max + 1e-3, 1e6) | st.floats(-1e6, item.scale.min - 1e-3)
    )
    with pytest.raises(ResponseError) as caught:
        validate_values(instrument, values | {item.code: outside})
    assert caught.value.item == item.code


@given(responses())
def test_validating_twice_changes_nothing(response: tuple[Instrument, dict[str, object]]) -> None:
    instrument, values = response
    clean = validate_values(instrument, values)
    assert validate_values(instrument, clean) == clean


@settings(max_examples=60)
@given(st.sampled_from(CODES), st.data())
def test_score_totals_agrees_exactly_with_score_response(code: str, data: st.DataObject) -> None:
    responses_ = data.draw(st.lists(responses(code), min_size=1, max_size=8))
    instrument = INSTRUMENTS[code]
    matrix = [
        [
            math.nan if values[i.code] is None else float(str(values[i.code]))
            for i in instrument.scored_items
        ]
        for _, values in responses_
    ]
    totals = score_totals(instrument, matrix)
    assert totals.tolist() == [score_response(instrument, values).total for _, values in responses_]


def test_score_totals_marks_too_many_blanks_as_nan() -> None:
    matrix = np.array([[1, 1, 1, np.nan, np.nan, np.nan, 1, 1, 1], [1] * 9], dtype=float)
    totals = score_totals(INSTRUMENTS["phq9"], matrix)
    assert math.isnan(totals[0]) and totals[1] == 9
