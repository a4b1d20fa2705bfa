"""The 3RS marker and strategy lists, the repair pathways and the episode summaries.

Expected lists: Eubanks, Muran & Safran (2015), Rupture Resolution Rating System (3RS) manual, as
quoted in shared/REFERENCES.md "Ruptures" (seven withdrawal and seven confrontation markers, ten
resolution strategies); the three pathways and the two extra alliance-building moves from
DOMAIN.md "Ruptures and their repair" (after Safran & Muran 2000).
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from alliance.science.repair import repair_for
from alliance.science.ruptures import (
    EXPERIENCES,
    MARKERS,
    PATHWAY_LABELS,
    PATHWAYS,
    RESOLUTIONS,
    STRATEGIES,
    TASK_OUTCOMES,
    RecordedRupture,
    check_experiences,
    check_markers,
    check_strategies,
    rupture_kind,
    strategies_by_pathway,
    summarise_ruptures,
    task_adherence,
)

WITHDRAWAL = [code for code, marker in MARKERS.items() if marker.kind == "withdrawal"]
CONFRONTATION = [code for code, marker in MARKERS.items() if marker.kind == "confrontation"]

marker_sets = st.lists(st.sampled_from(list(MARKERS)), min_size=1, unique=True)
strategy_sets = st.lists(st.sampled_from(list(STRATEGIES)), unique=True)
ruptures = st.builds(
    RecordedRupture, marker_sets, strategy_sets, st.sampled_from(list(RESOLUTIONS))
)


def test_every_marker_is_withdrawal_or_confrontation() -> None:
    assert {marker.kind for marker in MARKERS.values()} == {"withdrawal", "confrontation"}
    assert len(WITHDRAWAL) == 7 and len(CONFRONTATION) == 7


def test_the_withdrawal_markers_are_the_3rs_list_in_its_order() -> None:
    labels = [MARKERS[code].label for code in WITHDRAWAL]
    assert labels == [
        "Denial",
        "Minimal response",
        "Abstract communication",
        "Avoidant storytelling or shifting topic",
        "Deferential and appeasing",
        "Content/affect split",
        "Self-criticism or hopelessness",
    ]


def test_the_confrontation_markers_cover_the_clinician_the_tasks_the_parameters_and_progress() -> (
    None
):
    labels = " | ".join(MARKERS[code].label for code in CONFRONTATION)
    for part in ("about the clinician", "intervention", "activities", "parameters", "progress"):
        assert part in labels
    assert "control or pressure" in labels and "Defending oneself" in labels


def test_every_strategy_is_in_exactly_one_of_the_three_pathways() -> None:
    grouped = strategies_by_pathway(STRATEGIES)
    assert set(grouped) == set(PATHWAYS) == set(PATHWAY_LABELS)
    flat = [code for codes in grouped.values() for code in codes]
    assert sorted(flat) == sorted(STRATEGIES)
    assert all(grouped[pathway] for pathway in PATHWAYS)


def test_the_pathways_group_the_strategies_as_domain_md_describes() -> None:
    grouped = strategies_by_pathway(STRATEGIES)
    assert set(grouped["alliance_building"]) == {
        "clarify_misunderstanding",
        "give_rationale",
        "validate_feelings",
        "invite_feedback",
    }
    assert set(grouped["immediate_repair"]) == {"change_task_or_goal", "redirect_or_refocus"}
    assert len(grouped["expressive_repair"]) == 6


def test_ten_strategies_come_from_the_3rs_and_two_from_safran_and_muran() -> None:
    sources = [strategy.source for strategy in STRATEGIES.values()]
    assert sources.count("3rs") == 10 and sources.count("safran_muran_2000") == 2


@pytest.mark.parametrize(
    ("aspect", "strategy"),
    [
        ("goals", "change_task_or_goal"),
        ("relationship", "invite_discussion"),
        ("approach", "give_rationale"),
        ("overall", "invite_feedback"),
    ],
)
def test_the_alert_advice_and_the_strategy_lists_name_the_same_pathway(
    aspect: str, strategy: str
) -> None:
    _, pathway = repair_for(aspect)  # type: ignore[arg-type]
    assert STRATEGIES[strategy].pathway == pathway


def test_codes_are_unique_lowercase_words_across_all_lists() -> None:
    codes = [*MARKERS, *STRATEGIES, *EXPERIENCES]
    assert len(codes) == len(set(codes))
    assert all(code.replace("_", "").isalpha() and code.islower() for code in codes)


def test_the_clinicians_experiences_are_the_short_list_with_warmth() -> None:
    assert list(EXPERIENCES) == [
        "anxiety",
        "frustration_anger",
        "boredom",
        "hopelessness",
        "self_doubt",
        "shame",
        "warmth",
    ]


def test_it_refuses_a_rupture_without_markers_naming_the_allowed_codes() -> None:
    with pytest.raises(ValueError, match=r"markers: choose at least one of denial, "):
        check_markers([])


def test_it_refuses_an_unknown_marker_naming_it() -> None:
    with pytest.raises(ValueError, match=r"markers: unknown 'silence'; allowed: denial"):
        check_markers(["denial", "silence"])


def test_it_refuses_the_same_strategy_twice() -> None:
    with pytest.raises(ValueError, match="strategies: each code at most once"):
        check_strategies(["invite_feedback", "invite_feedback"])


def test_it_refuses_an_unknown_experience() -> None:
    with pytest.raises(ValueError, match="experiences: unknown 'joy'"):
        check_experiences(["joy"])


def test_no_strategy_and_no_experience_are_allowed() -> None:
    assert check_strategies([]) == () and check_experiences([]) == ()


@given(marker_sets, st.randoms())
def test_the_stored_order_does_not_depend_on_the_order_chosen(codes: list[str], rng) -> None:  # type: ignore[no-untyped-def]
    shuffled = list(codes)
    rng.shuffle(shuffled)
    assert check_markers(shuffled) == check_markers(codes)
    assert sorted(check_markers(codes)) == sorted(codes)


@given(marker_sets)
def test_the_kind_follows_the_markers(codes: list[str]) -> None:
    kinds = {MARKERS[code].kind for code in codes}
    expected = "both" if len(kinds) == 2 else kinds.pop()
    assert rupture_kind(codes) == expected


@given(strategy_sets)
def test_grouping_by_pathway_keeps_every_strategy_once(codes: list[str]) -> None:
    grouped = strategies_by_pathway(codes)
    flat = [code for group in grouped.values() for code in group]
    assert sorted(flat) == sorted(codes)
    for pathway, group in grouped.items():
        assert all(STRATEGIES[code].pathway == pathway for code in group)


@given(st.lists(ruptures, max_size=12))
def test_the_summary_counts_add_up(rows: list[RecordedRupture]) -> None:
    summary = summarise_ruptures(rows)
    assert summary.count == len(rows)
    assert sum(summary.by_kind.values()) == len(rows)
    assert sum(summary.by_resolution.values()) == len(rows)
    assert all(0 <= used <= len(rows) for used in summary.by_pathway.values())
    if rows:
        resolved = sum(r.resolution == "resolved" for r in rows)
        assert summary.share_resolved == resolved / len(rows)
        assert summary.share_unresolved is not None
        assert summary.share_resolved + summary.share_unresolved <= 1
    else:
        assert summary.share_resolved is None and summary.share_unresolved is None


def test_a_rupture_repaired_two_ways_counts_once_per_pathway() -> None:
    summary = summarise_ruptures(
        [
            RecordedRupture(
                ["minimal_response", "complaints_about_progress"],
                ["invite_discussion", "acknowledge_contribution", "change_task_or_goal"],
                "partly_resolved",
            )
        ]
    )
    assert summary.by_kind == {"withdrawal": 0, "confrontation": 0, "both": 1}
    assert summary.by_pathway == {
        "alliance_building": 0,
        "immediate_repair": 1,
        "expressive_repair": 1,
    }
    assert summary.share_resolved == 0 and summary.share_unresolved == 0


def test_the_summary_refuses_an_unknown_resolution() -> None:
    with pytest.raises(ValueError, match="resolution: must be one of resolved, partly_resolved"):
        summarise_ruptures([RecordedRupture(["denial"], [], "fixed")])  # type: ignore[arg-type]


@given(st.lists(st.sampled_from([*TASK_OUTCOMES, "not_reviewed", None])))
def test_adherence_shares_add_to_one_over_the_reviewed_tasks(outcomes: list[str | None]) -> None:
    adherence = task_adherence(outcomes)
    reviewed = [o for o in outcomes if o in TASK_OUTCOMES]
    assert adherence.reviewed == len(reviewed)
    assert sum(adherence.counts.values()) == len(reviewed)
    if reviewed:
        assert adherence.shares is not None
        assert sum(adherence.shares.values()) == pytest.approx(1.0)
    else:
        assert adherence.shares is None


def test_adherence_of_three_done_one_partly_and_one_not_done() -> None:
    adherence = task_adherence(["done", "partly", "done", "not_done", "done"])
    assert adherence.shares == {"done": 0.6, "partly": 0.2, "not_done": 0.2}


def test_adherence_refuses_an_unknown_outcome() -> None:
    with pytest.raises(ValueError, match="outcome: must be one of done, partly, not_done"):
        task_adherence(["finished"])
