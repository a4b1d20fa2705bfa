"""The alliance summary of the Baldwin split is a stated choice (its own setting)."""

from __future__ import annotations

import pandas as pd
import pytest

from alliance.science.analysis import AnalysisSettings, _client_alliance


@pytest.fixture
def ratings() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "episode_id": ["e1"] * 5,
            "session": [1, 2, 3, 4, 5],
            "measure": ["srs"] * 5,
            "rater": ["client"] * 5,
            "score": [30.0, 32.0, 34.0, 40.0, 40.0],
        }
    )


def test_the_episode_mean_uses_every_client_alliance_rating(ratings: pd.DataFrame) -> None:
    assert _client_alliance(ratings, ("srs",), "episode_mean")["e1"] == pytest.approx(35.2)


def test_the_early_alliance_uses_sessions_1_to_3(ratings: pd.DataFrame) -> None:
    assert _client_alliance(ratings, ("srs",), "early")["e1"] == pytest.approx(32.0)


def test_another_summary_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match=r"^alliance_summary: must be episode_mean or early"):
        AnalysisSettings(alliance_summary="last")
