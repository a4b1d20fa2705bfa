from collections.abc import Iterator

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    """Expected texts are English: a test that switched language (through a request's
    LocaleMiddleware) must not leave the next test in Dutch."""
    with translation.override("en"):
        yield
