"""Writing the client's words: agenda topics, alliance comments and hopes with the measure they
came with, in the same transaction; the clinician's covered marks; the episode's progress
sharing. Every write is idempotent where a double tap can repeat it."""

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance.accounts.models import User
from alliance.care.models import Episode, Session
from alliance.measures import catalogue
from alliance.measures.models import Method, Response
from alliance.measures.services import answers_scored
from alliance.portal import services as portal_services
from alliance.portal.models import Invitation, Purpose
from alliance.voice.forms import words_problem
from alliance.voice.models import (
    AGENDA_TEXT_LENGTH,
    COMMENT_LENGTH,
    HOPES_LENGTH,
    MAX_AGENDA_ITEMS,
    AgendaItem,
    AgendaItemChange,
    AllianceComment,
    Baseline,
    ClientHopes,
)

__all__ = [
    "agenda_item_mark",
    "agenda_record",
    "baseline_answer",
    "comment_record",
    "episode_sharing_set",
    "hopes_record",
    "invitation_answer_with_words",
    "words_record",
]


def _checked(field: str, label: str, text: str, limit: int) -> str:
    clean = text.strip()
    problem = words_problem(label, clean, limit)
    if problem:
        raise ValidationError({field: problem})
    return clean


def agenda_record(
    *, session: Session, topics: Sequence[str], response: Response | None = None
) -> list[AgendaItem]:
    """Store up to three topics for a session, once: a session that already has its client's
    topics keeps them (a double tap, a second form), and nothing is stored twice. Returns the
    session's agenda items."""
    if len(topics) > MAX_AGENDA_ITEMS:
        raise ValidationError(
            {"agenda": _("Up to %(n)s topics; %(given)s were given.")
             % {"n": MAX_AGENDA_ITEMS, "given": len(topics)}}
        )  # fmt: skip
    clean = [
        _checked(f"voice_agenda_{n}", _("Topic %(n)s") % {"n": n}, text, AGENDA_TEXT_LENGTH)
        for n, text in enumerate(topics, 1)
    ]
    clean = [text for text in clean if text]
    with transaction.atomic():
        Session.objects.select_for_update().get(pk=session.pk)
        existing = list(AgendaItem.objects.filter(session=session))
        if existing or not clean:
            return existing
        return [
            AgendaItem.objects.create(session=session, response=response, position=n, text=text)
            for n, text in enumerate(clean, 1)
        ]


def comment_record(*, response: Response, text: str) -> AllianceComment | None:
    """The client's comment on one alliance response, stored once (a repeat returns it)."""
    clean = _checked("voice_comment", _("Your comment"), text, COMMENT_LENGTH)
    if not clean:
        return None
    comment, _created = AllianceComment.objects.get_or_create(
        response=response, defaults={"session_id": response.session_id, "text": clean}
    )
    return comment


def hopes_record(
    *, episode: Episode, hopes: str, theory: str, response: Response | None = None
) -> ClientHopes | None:
    """The client's hopes and theory of change, stored once per expectancy response."""
    hopes = _checked("voice_hopes", _("What you hope will be different"), hopes, HOPES_LENGTH)
    theory = _checked(
        "voice_theory", _("How you think change happens for you"), theory, HOPES_LENGTH
    )
    if not hopes and not theory:
        return None
    if response is not None:
        found, _created = ClientHopes.objects.get_or_create(
            response=response,
            defaults={"episode": episode, "hopes": hopes, "theory_of_change": theory},
        )
        return found
    return ClientHopes.objects.create(episode=episode, hopes=hopes, theory_of_change=theory)


def words_record(*, response: Response, words: Mapping[str, Any]) -> None:
    """Store the words that came with a response, by the kind of its measure."""
    kind = catalogue.instrument(response.instrument).kind
    session = response.session
    if kind == "outcome" and words.get("topics"):
        agenda_record(session=session, topics=words["topics"], response=response)
    elif kind == "alliance" and words.get("comment"):
        comment_record(response=response, text=words["comment"])
    elif kind == "expectancy" and (words.get("hopes") or words.get("theory")):
        hopes_record(
            episode=session.episode,
            hopes=words.get("hopes", ""),
            theory=words.get("theory", ""),
            response=response,
        )


# Scopes a baseline's stored submission key to its invitation (as ``portal.services`` does).
_BASELINE_KEYS = uuid.UUID("0b5e7d1c-7f0e-4a63-8d1b-3c9a4e2f6a10")


def _first_session_begun(episode: Episode, now: Any) -> bool:
    return (
        Session.objects.filter(episode=episode, number__isnull=False, starts_at__lte=now).exists()
        or Response.everything.filter(session__episode=episode).exists()
    )


def baseline_answer(
    *, invitation: Invitation, measure: str, values: Mapping[str, object], form_key: uuid.UUID
) -> Baseline:
    """Store the client's answer to the baseline link (``Purpose.BASELINE``) as the episode's
    :class:`Baseline`: validated and scored like every response, once. A repeat (a double tap,
    a retry, another baseline link of the same episode) returns the stored baseline and stores
    nothing. Raises ``InvitationClosed`` when the link is used, cancelled or expired, or once
    the first session has begun (then it would not be before treatment)."""
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        episode = Episode.objects.select_for_update().get(pk=locked.session.episode_id)
        found = Baseline.objects.filter(episode=episode).first()
        if found is not None:
            if locked.used_at is None:
                locked.used_at = timezone.now()
                locked.save(update_fields=["used_at"])
            return found
        now = timezone.now()
        if not locked.is_open(now) or _first_session_begun(episode, now):
            raise portal_services.InvitationClosed(locked)
        if measure not in locked.measures:
            raise ValidationError({"measure": _("This form is not part of the invitation.")})
        instrument = catalogue.instrument(measure)
        clean, score = answers_scored(instrument, values, episode.client.age_group)
        baseline = Baseline.objects.create(
            episode=episode,
            invitation=locked,
            instrument=measure,
            method=Method.LINK,
            items=clean,
            total=score.total,
            subscales=dict(score.subscales),
            band=score.band or "",
            prorated=score.prorated,
            answered_at=now,
            idempotency_key=uuid.uuid5(_BASELINE_KEYS, f"{locked.pk}:{measure}:{form_key}"),
        )
        locked.used_at = now
        locked.save(update_fields=["used_at"])
    return baseline


def invitation_answer_with_words(
    *,
    invitation: Invitation,
    measure: str,
    values: Mapping[str, object],
    form_key: uuid.UUID,
    words: Mapping[str, Any],
    again: str = "",
) -> Response | None:
    """``portal.services.invitation_answer`` and the words given with it, in one transaction:
    a refused word stores no answer, and a closed (used or expired) invitation stores neither.
    ``again`` is the client's choice on a measure already answered (``portal.services``).
    A baseline link stores the episode's :class:`Baseline` instead (no words: no session yet).
    """
    if invitation.purpose == Purpose.BASELINE:
        baseline_answer(invitation=invitation, measure=measure, values=values, form_key=form_key)
        return None
    with transaction.atomic():
        response = portal_services.invitation_answer(
            invitation=invitation, measure=measure, values=values, form_key=form_key, again=again
        )
        words_record(response=response, words=words)
    return response


@transaction.atomic
def agenda_item_mark(*, item: AgendaItem, covered: bool, by: User) -> AgendaItem:
    """Mark a topic covered or not; each change is kept in ``AgendaItemChange``. Marking it as
    it already is changes nothing (a double tap)."""
    locked = AgendaItem.objects.select_for_update().get(pk=item.pk)
    if locked.is_covered == covered:
        return locked
    locked.covered_at = timezone.now() if covered else None
    locked.covered_by = by if covered else None
    locked.save(update_fields=["covered_at", "covered_by"])
    AgendaItemChange.objects.create(item=locked, covered=covered, changed_by=by)
    return locked


@transaction.atomic
def episode_sharing_set(*, episode: Episode, share: bool) -> Episode:
    """Let the client see their progress page (with the team's consent), or stop it."""
    locked = Episode.objects.select_for_update().get(pk=episode.pk)
    if locked.share_progress_with_client != share:
        locked.share_progress_with_client = share
        locked.save(update_fields=["share_progress_with_client"])
    return locked
