from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VoiceConfig(AppConfig):
    name = "alliance.voice"
    verbose_name = _("The client's voice")

    def ready(self) -> None:
        from alliance.audit.records import portal_state_register, record_kind_register
        from alliance.care.hooks import hook_register
        from alliance.portal import visits
        from alliance.portal.hooks import hook_register as portal_hook_register
        from alliance.voice import forms, selectors, services
        from alliance.voice.models import AgendaItem

        # Care's "add a goal" page, a layer down, starts from the client's hopes through this;
        # feedback's series and the portal (below voice too) read the baseline through these.
        hook_register("goal_start_text", selectors.goal_start_text)
        hook_register("episode_baseline", selectors.episode_baseline)
        hook_register("baselines", selectors.baselines)
        # The portal's form, below voice, carries the client's words and stores them with these.
        portal_hook_register("words_fields_add", forms.add_words_fields)
        portal_hook_register("words_of", forms.words_of)
        portal_hook_register("invitation_answer_with_words", services.invitation_answer_with_words)
        # What the audit log (a layer down) records looks at; the progress page shown after
        # the form keeps its invitation where the portal's thank-you page does.
        record_kind_register("agenda_item", AgendaItem, "session__episode__client_id")
        portal_state_register("voice:client_progress", visits.done_invitation_id)
