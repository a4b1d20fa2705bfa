"""The same idempotency key recorded twice at the same moment (an importer's retry racing its
first try) stores one response with one version; both callers get that response back."""

import uuid
from types import SimpleNamespace

import pytest

from alliance.measures.models import Method, Response, ResponseVersion
from alliance.measures.services import response_record
from tests.ops.concurrency.conftest import ROUNDS, at_once, postgresql_only

pytestmark = [postgresql_only, pytest.mark.django_db(transaction=True)]

ORS = {"ors_1": 4.5, "ors_2": 6, "ors_3": 5.2, "ors_4": 3.3}


def test_two_records_with_one_key_at_once_store_one_response(clinic: SimpleNamespace) -> None:
    for round_number in range(ROUNDS):
        key = uuid.uuid4()

        def record(key: uuid.UUID = key) -> Response:
            return response_record(
                session=clinic.session,
                instrument_code="ors",
                values=ORS,
                method=Method.IMPORT,
                idempotency_key=key,
            )

        first, second = at_once(record, record)
        assert isinstance(first, Response) and isinstance(second, Response), (first, second)
        assert first.pk == second.pk, f"round {round_number}"
    assert Response.objects.count() == ROUNDS
    assert ResponseVersion.objects.count() == ROUNDS
