from types import SimpleNamespace

import pytest

from tests.factories import make_clinic


@pytest.fixture
def clinic(db: None) -> SimpleNamespace:
    """The standing cast of every permission test (see ``tests.factories.make_clinic``)."""
    return SimpleNamespace(**make_clinic())
