import os
from types import SimpleNamespace

import pytest
from hypothesis import settings

from tests.factories import make_clinic

# CI replays the same examples every run, so a red build always means a changed behaviour; a
# developer's run keeps exploring new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture
def clinic(db: None) -> SimpleNamespace:
    """The standing cast of every permission test (see ``tests.factories.make_clinic``)."""
    return SimpleNamespace(**make_clinic())
