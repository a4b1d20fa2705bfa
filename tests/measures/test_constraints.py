"""The data rules of responses hold in the database itself, not only in forms."""

from types import SimpleNamespace

import pytest
from django.db import IntegrityError, transaction

from alliance.measures.models import Response


def _refused(create) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_it_refuses_a_staff_rating_that_does_not_name_the_rater(clinic: SimpleNamespace) -> None:
    _refused(
        lambda: Response.objects.create(
            session=clinic.session,
            instrument="srs",
            rater="clinician",
            method="clinician",
            items={},
            total=30,
            answered_at=clinic.session.starts_at,
            idempotency_key="00000000-0000-0000-0000-000000000001",
        )
    )
