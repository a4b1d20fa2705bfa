"""The health check for load balancers: one query, a plain answer, nothing revealed."""

from unittest import mock

import pytest
from django.db import DatabaseError, connection
from django.test import Client as Browser
from django.test.utils import CaptureQueriesContext


@pytest.mark.django_db
def test_it_answers_ok_with_one_query_and_no_cookies() -> None:
    with CaptureQueriesContext(connection) as queries:
        response = Browser().get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert len(queries) == 1
    assert not response.cookies
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_it_answers_503_and_says_nothing_more_when_the_database_does_not_answer(
    caplog: pytest.LogCaptureFixture,
) -> None:
    broken = mock.patch.object(connection, "cursor", side_effect=DatabaseError("secret detail"))
    with broken:
        response = Browser().get("/healthz")
    assert response.status_code == 503
    assert response.content == b"unavailable\n"
    assert "secret detail" in caplog.text  # for the operator, in the log only


@pytest.mark.django_db
def test_it_refuses_anything_but_get() -> None:
    assert Browser().post("/healthz").status_code == 405
