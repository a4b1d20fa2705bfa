"""Property-based run of the REST API against its own OpenAPI schema (schemathesis): whatever
the input, no server error, and every documented answer matches its schema."""

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.django_db

# Fetching the schema needs no database: it is built from the routes.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.fixture(autouse=True)
def _one_connection_for_the_test() -> Iterator[None]:
    """Called straight through WSGI, Django would close the test's database connection at the
    end of each request; Django's own test client stops that the same way."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_keeps_to_its_schema(case: Any, cast: SimpleNamespace) -> None:
    # The generated headers may include a Host, which Django refuses (DisallowedHost, a 400
    # page) before the API is reached: which hosts a deployment answers is ALLOWED_HOSTS's
    # concern (tests/security), not the API's schema, so the request names the test server.
    case.call_and_validate(
        headers={"Authorization": f"Bearer {cast.secrets['clinician']}", "Host": "testserver"},
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
