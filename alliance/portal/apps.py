from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "alliance.portal"
    verbose_name = _("Client portal")

    def ready(self) -> None:
        # Installed here rather than in settings.LOGGING, so a site's own logging set-up
        # cannot bring the tokens back into its logs.
        from alliance.audit import records
        from alliance.care.hooks import hook_register
        from alliance.portal import visits
        from alliance.portal.logs import keep_secrets_out_of_logs
        from alliance.portal.models import Invitation
        from alliance.portal.reminders import episode_messages_plan
        from alliance.portal.services import link_invitations

        keep_secrets_out_of_logs()
        # Care, a layer down, plans the reminders through this after each booking change.
        hook_register("episode_messages_plan", episode_messages_plan)
        # What the audit log (a layer down) records looks at: the invitation a page or a
        # link's token opens, and where each page keeps it in the browser session.
        records.record_kind_register("invitation", Invitation, "session__episode__client_id")
        records.hook_register("link_invitations", link_invitations)
        records.portal_state_register("portal:kiosk", visits.kiosk_invitation_id)
        records.portal_state_register("portal:thanks", visits.done_invitation_id)
        records.portal_state_register(
            "portal:tablet", lambda session: (visits.handoff(session) or {}).get("invitation")
        )
