"""The audit log page's filters: stored references in the reader's words (audit/words.py)."""

from django import template

from alliance.audit.models import AuditEvent
from alliance.audit.words import record_words, stored_words

register = template.Library()


@register.filter
def record(event: AuditEvent) -> str:
    return record_words(event.object_kind, event.object_id)


@register.filter
def stored(text: str) -> str:
    return stored_words(text)
