from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "alliance.audit"
    verbose_name = _("Audit log")

    def ready(self) -> None:
        from django.contrib.auth import signals as auth_signals
        from django.db.backends.signals import connection_created

        from alliance.accounts.signals import privilege_changed
        from alliance.audit import database, signals

        connection_created.connect(database.register_functions, dispatch_uid="audit_sqlite")
        auth_signals.user_logged_in.connect(signals.logged_in, dispatch_uid="audit_log_in")
        auth_signals.user_logged_out.connect(signals.logged_out, dispatch_uid="audit_log_out")
        auth_signals.user_login_failed.connect(signals.login_failed, dispatch_uid="audit_failed")
        privilege_changed.connect(signals.privilege_changed, dispatch_uid="audit_privilege")
