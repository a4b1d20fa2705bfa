"""portal.hooks: the portal's form reaches voice, which sits above it, through these."""

from alliance.portal import hooks
from alliance.voice import forms, services


def test_voice_registers_the_forms_words_at_start_up() -> None:
    assert hooks.HOOKS.registered == {
        "words_fields_add": forms.add_words_fields,
        "words_of": forms.words_of,
        "invitation_answer_with_words": services.invitation_answer_with_words,
    }
