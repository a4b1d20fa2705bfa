"""accounts.signals: a privileged change reaches the audit log, a layer up, or is refused."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from alliance.accounts.models import User
from alliance.accounts.signals import privilege_changed, privilege_changed_send
from alliance.audit import signals as audit_signals
from alliance.audit.models import Action, AuditEvent


@pytest.mark.django_db
def test_the_audit_log_records_a_privileged_change_sent_from_accounts() -> None:
    user = User.objects.create_user("sam", password="a long enough password")
    privilege_changed_send(actor=None, object_kind="user", object_id=user.pk, detail="role")
    privilege_changed_send(
        actor=None, object_kind="user", object_id=user.pk, detail="role", created=True
    )
    events = AuditEvent.objects.order_by("pk").values_list("action", "detail")
    assert list(events) == [(Action.CHANGE, "role"), (Action.CREATE, "role")]


def test_a_privileged_change_nobody_records_is_refused() -> None:
    privilege_changed.disconnect(dispatch_uid="audit_privilege")
    try:
        with pytest.raises(ImproperlyConfigured, match="privileged changes"):
            privilege_changed_send(actor=None, object_kind="user", object_id=1, detail="role")
    finally:
        privilege_changed.connect(audit_signals.privilege_changed, dispatch_uid="audit_privilege")
