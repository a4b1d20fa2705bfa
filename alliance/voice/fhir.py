"""The client's words and the preference scores in FHIR (issue 19, point 7).

A QuestionnaireResponse carries, after the measure's own items:

- the words given with it, as ``valueString`` items (``agenda-1`` .. ``agenda-3`` with the
  outcome measure, ``comment`` with the alliance measure, ``hopes`` and ``theory-of-change``
  with the expectancy measure), only for a reader on the client's care team;
- for the preference (C-NIP) and expectancy (CEQ) measures, the scale scores as read-only
  ``valueDecimal`` items (``score-td_cd`` ...), and for the C-NIP the strong preferences as
  ``valueCoding`` items (``strong-preference``), so it is a scored QuestionnaireResponse.

The Questionnaire of each measure declares the same items.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from alliance import access
from alliance.accounts.models import User
from alliance.measures.models import Response
from alliance.science.instruments import Instrument
from alliance.science.preferences import ceq_scores, cnip_scales
from alliance.voice.models import AgendaItem, AllianceComment, ClientHopes

POLES = "urn:alliance:cnip-pole"
_WORDS = {
    "outcome": [(f"agenda-{n}", f"Topic {n} the client wants to talk about") for n in (1, 2, 3)],
    "alliance": [("comment", "Anything the client would like their clinician to know")],
    "expectancy": [
        ("hopes", "What the client hopes will be different"),
        ("theory-of-change", "How the client thinks change happens for them"),
    ],
}
_SCORES = {
    "cnip": [
        ("td_cd", "Therapist (+) vs client (-) directiveness"),
        ("ei_er", "Emotional intensity (+) vs reserve (-)"),
        ("pao_pro", "Past (+) vs present (-) orientation"),
        ("ws_fc", "Warm support (+) vs focused challenge (-)"),
    ],
    "ceq": [("credibility", "Credibility (3-27)"), ("expectancy", "Expectancy (3-27)")],
}


def questionnaire_items(instrument: Instrument) -> list[dict[str, Any]]:
    """The extra items a measure's Questionnaire declares."""
    items: list[dict[str, Any]] = [
        {"linkId": link, "text": text, "type": "string", "required": False}
        for link, text in _WORDS.get(instrument.kind, [])
    ]
    items += [
        {"linkId": f"score-{code}", "text": text, "type": "decimal", "readOnly": True}
        for code, text in _SCORES.get(instrument.code, [])
    ]
    if instrument.code == "cnip":
        items.append(
            {"linkId": "strong-preference", "text": "Strong preferences", "type": "choice",
             "repeats": True, "readOnly": True}
        )  # fmt: skip
    return items


def _string(link: str, text: str) -> dict[str, Any]:
    return {"linkId": link, "answer": [{"valueString": text}]}


def _words(response: Response, kind: str) -> list[dict[str, Any]]:
    if kind == "outcome":
        items = AgendaItem.objects.filter(response=response).order_by("position")
        return [_string(f"agenda-{item.position}", item.text) for item in items]
    if kind == "alliance":
        comment = AllianceComment.objects.filter(response=response).first()
        return [_string("comment", comment.text)] if comment else []
    if kind == "expectancy":
        hopes = ClientHopes.objects.filter(response=response).first()
        if hopes is None:
            return []
        found = [("hopes", hopes.hopes), ("theory-of-change", hopes.theory_of_change)]
        return [_string(link, text) for link, text in found if text]
    return []


def _scores(response: Response) -> list[dict[str, Any]]:
    values = {k: float(v) for k, v in response.items.items() if v is not None}
    if response.instrument == "cnip":
        scales = cnip_scales(values)
        items = [
            {"linkId": f"score-{s.code}", "answer": [{"valueDecimal": s.score}]} for s in scales
        ]
        poles = [{"valueCoding": {"system": POLES, "code": s.pole}} for s in scales if s.pole]
        if poles:
            items.append({"linkId": "strong-preference", "answer": poles})
        return items
    if response.instrument == "ceq":
        scores = ceq_scores(values)
        return [
            {"linkId": "score-credibility", "answer": [{"valueDecimal": scores.credibility}]},
            {"linkId": "score-expectancy", "answer": [{"valueDecimal": scores.expectancy}]},
        ]
    return []


def response_items(response: Response, instrument: Instrument, user: User) -> list[dict[str, Any]]:
    """The extra items of one QuestionnaireResponse for this reader."""
    items = _scores(response)
    if access.may_read_client_words(user, response.session.episode):
        items = _words(response, instrument.kind) + items
    return items


def voice_link_ids() -> frozenset[str]:
    """The linkIds added here; an EHR may send the word items back, the scores are ignored."""
    links = {link for words in _WORDS.values() for link, _text in words}
    links |= {f"score-{code}" for scores in _SCORES.values() for code, _text in scores}
    return frozenset(links | {"strong-preference"})


def words_from_items(items: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The client's words in a posted QuestionnaireResponse's items (``valueString``)."""
    text: dict[str, str] = {}
    for entry in items:
        link = str(entry.get("linkId"))
        answers = entry.get("answer") or []
        if link in voice_link_ids() and answers and isinstance(answers[0], dict):
            value = answers[0].get("valueString")
            if isinstance(value, str):
                text[link] = value
    return {
        "topics": [text[f"agenda-{n}"] for n in (1, 2, 3) if text.get(f"agenda-{n}")],
        "comment": text.get("comment", ""),
        "hopes": text.get("hopes", ""),
        "theory": text.get("theory-of-change", ""),
    }
