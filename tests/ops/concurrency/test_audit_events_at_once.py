"""Many requests write audit events at the same moment: the chain stays one line, in id order,
with no event chained to the same predecessor as another."""

from types import SimpleNamespace

import pytest
from django.db import connection

from alliance.audit.models import Action, AuditEvent, Via
from alliance.audit.services import audit_record
from alliance.audit.verify import audit_chain_verify
from tests.ops.concurrency.conftest import at_once, postgresql_only

pytestmark = [postgresql_only, pytest.mark.django_db(transaction=True)]
WRITERS = 8


def test_events_written_at_once_form_one_chain(clinic: SimpleNamespace) -> None:
    def write() -> int:
        for _ in range(5):
            audit_record(
                actor=clinic.clinician, action=Action.VIEW, organisation=clinic.org, via=Via.PAGE
            )
        return 5

    assert at_once(*[write for _ in range(WRITERS)]) == [5] * WRITERS
    report = audit_chain_verify(connection)
    assert report.broken is None, report.reason
    assert report.events == AuditEvent.objects.count() >= 5 * WRITERS
    previous = list(AuditEvent.objects.values_list("previous_hash", flat=True))
    assert len(set(previous)) == len(previous)
