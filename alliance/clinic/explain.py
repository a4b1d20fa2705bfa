"""Alerts in plain words: short names, reasons built from the stored evidence, translated advice.

The rules and their numbers live in ``alliance.science.signals``; an alert row stores what fired
and why (``Alert.evidence``). This module only puts those stored numbers into sentences a tired
clinician can read between two sessions, in the user's language. It decides nothing.
"""

import re
from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from django.utils import formats
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext, ngettext
from django.utils.translation import gettext_lazy as _

from alliance.feedback.models import Alert
from alliance.measures import catalogue
from alliance.science.instrument_schema import Text

__all__ = [
    "ADVICE_TEXTS",
    "PATHWAY_NAMES",
    "RULE_NAMES",
    "SEVERITY_ICONS",
    "advice_text",
    "alert_reason",
    "item_label",
    "localized",
    "measure_name",
    "number",
    "pathway_name",
    "rule_name",
]

# Short names shown on the caseload; keys are the science core's rule codes.
RULE_NAMES: Mapping[str, Promise] = {
    "risk_answer": _("Risk answer"),
    "not_on_track": _("Not on track"),
    "reliable_deterioration": _("Reliably worse"),
    "low_alliance": _("Low alliance"),
    "alliance_drop": _("Alliance fell"),
    "rating_discrepancy": _("Ratings differ"),
    "ghosting_risk": _("Missed after a low alliance"),
    "perfect_alliance_streak": _("Always a perfect alliance"),
    "no_outcome_measure": _("No outcome measure"),
}

# The advice of alliance.science.repair.ADVICE by code, marked for translation; a test checks the
# English wording still matches the science core's.
ADVICE_TEXTS: Mapping[str, Promise] = {
    "assess_risk_today": _(
        "A risk question was answered above zero. Assess risk today, following your local protocol."
    ),
    "review_progress": _(
        "The client is below the expected path. Review progress together and agree what to "
        "change; consider consulting a colleague."
    ),
    "review_deterioration": _(
        "Scores are reliably worse than at the start. Ask the client what is not helping and "
        "review the plan together."
    ),
    "renegotiate_goals": _(
        "Revisit the goals with the client, in their own words, and agree what to work on."
    ),
    "renegotiate_task": _("Ask how the new task fits and change it together if it does not."),
    "give_rationale": _(
        "Explain how the approach serves the client's goal, check it makes sense to them, and be "
        "ready to change it together."
    ),
    "metacommunicate": _(
        "Talk about what is happening between you, with curiosity, and own your part."
    ),
    "invite_feedback": _(
        "Ask what would make the sessions more useful, and thank the client for telling you."
    ),
    "check_pseudo_alliance": _(
        "You rated the session much higher than the client did. Invite their feedback and talk "
        "about how the session felt for each of you."
    ),
    "invite_honest_feedback": _(
        "Perfect scores every time can mean it is hard to say what is not working. Invite honest "
        "feedback, even about small things."
    ),
    "reach_out": _(
        "A session was missed after a low or falling alliance score. Reach out soon, kindly, and "
        "invite the client to say what did not work."
    ),
    "record_outcome": _(
        "No outcome measure for several sessions. Ask the client to fill it in at the start of "
        "the next session."
    ),
}

PATHWAY_NAMES: Mapping[str, Promise] = {
    "alliance_building": _(
        "Alliance-building: give a rationale, clarify, validate, invite feedback"
    ),
    "immediate_repair": _("Immediate repair: renegotiate the task or the goal"),
    "expressive_repair": _("Expressive repair: talk about what is happening between you"),
}

# A shape beside the severity's words, so severity never rests on colour alone.
SEVERITY_ICONS: Mapping[str, str] = {"critical": "‼", "high": "▲", "medium": "◆", "low": "●"}


def localized(text: Text | None, fallback: str = "") -> str:
    """The text in the active language, else English, else ``fallback``."""
    if not text:
        return fallback
    language = (get_language() or "en").split("-")[0]
    return text.get(language) or text.get("en") or fallback


def number(value: object, decimals: int = 1) -> str:
    """A score as the user's locale writes it (one decimal by default: 18.5, or 18,5 in Dutch),
    rounded half up as the templates' ``floatformat`` rounds. Django's ``number_format`` cuts a
    float's digits off instead, so 8.1 + 0.7 (8.799999999999999) read "8.7" and an estimate of
    -1.75 read -1.7 in a table but -1.8 in the sentence beside it."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    step = Decimal(1).scaleb(-decimals)
    rounded = Decimal(repr(value)).quantize(step, rounding=ROUND_HALF_UP)
    if -1000 < rounded < 1000:
        # Below a thousand no digit is grouped: the locale's decimal mark is all that changes,
        # and this is ten times quicker than number_format (a caseload writes thousands).
        shown = rounded.copy_abs() if rounded == 0 else rounded  # "0.0", never "-0.0"
        return f"{shown:f}".replace(".", str(formats.get_format("DECIMAL_SEPARATOR")))
    return formats.number_format(rounded, decimal_pos=decimals, use_l10n=True)


def rule_name(rule: str) -> str:
    return str(RULE_NAMES.get(rule, rule.replace("_", " ")))


# Short names clinicians use for the measures; anything else by its file's name.
MEASURE_NAMES: Mapping[str, Promise] = {
    "ors": _("ORS"),
    "srs": _("SRS"),
    "cors": _("Child ORS"),
    "csrs": _("Child SRS"),
    "gsrs": _("Group SRS"),
    "phq9": _("PHQ-9"),
    "gad7": _("GAD-7"),
    "wai_sr": _("WAI-SR"),
    "wai_sr_t": _("WAI-SR, therapist form"),
    "gbo": _("Goal-based outcome"),
}


def measure_name(code: str) -> str:
    """A measure's short name ("PHQ-9") in the user's language."""
    if code in MEASURE_NAMES:
        return str(MEASURE_NAMES[code])
    found = catalogue.instruments().get(code)
    return localized(found.name, code) if found is not None else code


def advice_text(alert: Alert) -> str:
    """The advice in the user's language; the stored English text if the code is unknown."""
    translated = ADVICE_TEXTS.get(alert.advice_code)
    return str(translated) if translated is not None else alert.advice


def pathway_name(pathway: str) -> str:
    return str(PATHWAY_NAMES.get(pathway, pathway.replace("_", " ")))


def _slug(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")


@cache
def _items_by_key() -> dict[str, Text]:
    """Item labels by item code and by the slug of their English label (the alliance evidence
    names items by that slug, e.g. ``goals_and_topics``)."""
    found: dict[str, Text] = {}
    for instrument in catalogue.instruments().values():
        for item in instrument.items:
            found[item.code] = item.label
            found.setdefault(_slug(item.label.get("en", item.code)), item.label)
    return found


def item_label(key: str) -> str:
    """An item's label in the user's language, from its code or its English-label slug."""
    return localized(_items_by_key().get(key), key.replace("_", " "))


def alert_reason(alert: Alert) -> str:
    """Why the alert was raised, in a sentence or two, with the numbers that triggered it."""
    explain = _REASONS.get(alert.rule)
    if explain is None:
        return ", ".join(f"{key} {value}" for key, value in sorted(alert.evidence.items()))
    return explain(alert.evidence)


Evidence = Mapping[str, object]


def _count(value: object) -> int:
    """A count from the evidence (stored as JSON, so it may come back as a float)."""
    return int(value) if isinstance(value, int | float) else 0


def _risk(evidence: Evidence) -> str:
    answers = [
        gettext("“%(item)s” answered %(value)s (an alert above %(threshold)s)")
        % {
            "item": item_label(key),
            "value": number(value, 0),
            "threshold": number(evidence.get(f"{key}_threshold", 0), 0),
        }
        for key, value in sorted(evidence.items())
        if key not in ("session", "date") and not key.endswith("_threshold")
    ]
    return "; ".join(answers) + "."


def _off_track(evidence: Evidence) -> str:
    higher = bool(evidence.get("higher_is_better", True))
    template = (
        gettext("Score %(score)s is below the expected range (its lower edge is %(edge)s).")
        if higher
        else gettext("Score %(score)s is above the expected range (its upper edge is %(edge)s).")
    )
    run = _count(evidence.get("sessions_off_track", 1))
    streak = ngettext(
        "Off track for %(n)d measured session.",
        "Off track for %(n)d measured sessions in a row.",
        run,
    ) % {"n": run}
    values = {"score": number(evidence["score"]), "edge": number(evidence["expected_boundary"])}
    name = "" if not evidence.get("measure") else measure_name(str(evidence["measure"])) + ": "
    return f"{name}{template % values} {streak}"


def _deterioration(evidence: Evidence) -> str:
    text = "" if not evidence.get("measure") else measure_name(str(evidence["measure"])) + ": "
    text += gettext(
        "Score %(score)s is %(worse)s points worse than %(first)s at session %(session)s; "
        "%(change)s points is a reliable change."
    ) % {
        "score": number(evidence["score"]),
        "worse": number(evidence["worsening"]),
        "first": number(evidence["first_score"]),
        "session": evidence["first_session"],
        "change": number(evidence["reliable_change"], 0),
    }
    if evidence.get("in_clinical_range"):
        text += " " + gettext("The score is now in the clinical range.")
    return text


def _low_alliance(evidence: Evidence) -> str:
    """The total against its cutoff, and the line that fired it by name and value: the lowest
    line below the item cutoff, or with only the total low, the lowest line."""
    parts = []
    total, cutoff = evidence.get("alliance"), evidence.get("alliance_cutoff")
    low = [code for code in str(evidence.get("items_below_cutoff") or "").split(",") if code]
    if total is not None and cutoff is not None:
        values = {"total": number(total), "cutoff": number(cutoff, 0)}
        if float(str(total)) <= float(str(cutoff)) + 1e-9:
            parts.append(gettext("Alliance %(total)s, at or below %(cutoff)s.") % values)
        else:
            parts.append(
                gettext("Alliance %(total)s is above %(cutoff)s, but a line is low.") % values
            )
    fired = evidence.get("fired_by_item") or evidence.get("lowest_item")
    if low and evidence.get("item_cutoff") is not None:
        # The line that raised it first, by name and value, then any other low line.
        ordered = ([str(fired)] if fired in low else []) + [c for c in low if c != fired]
        items = ", ".join(
            f"{item_label(code)} {number(evidence.get(f'item_{code}'))}" for code in ordered
        )
        parts.append(
            gettext("Below %(cutoff)s: %(items)s.")
            % {"cutoff": number(evidence["item_cutoff"], 0), "items": items}
        )
    elif fired and evidence.get(f"item_{fired}") is not None:
        parts.append(
            gettext("The lowest line: %(item)s %(value)s.")
            % {"item": item_label(str(fired)), "value": number(evidence[f"item_{fired}"])}
        )
    parts.extend(_low_subscales(evidence))
    return " ".join(parts)


_SUBSCALE_NAMES = {
    "bond": _("Bond"),
    "goal": _("Goal"),
    "task": _("Task"),
}


def _low_subscales(evidence: Evidence) -> list[str]:
    """Each subscale below its cutoff (WAI-SR bond, goal, task), by name, score and cutoff."""
    low = [c for c in str(evidence.get("subscales_below_cutoff") or "").split(",") if c]
    return [
        gettext("%(subscale)s subscale %(value)s, below %(cutoff)s.")
        % {
            "subscale": _SUBSCALE_NAMES.get(code, code.replace("_", " ").capitalize()),
            "value": number(evidence.get(f"subscale_{code}")),
            "cutoff": number(evidence.get(f"subscale_cutoff_{code}")),
        }
        for code in low
    ]


def _alliance_drop(evidence: Evidence) -> str:
    text = gettext(
        "Alliance fell from %(before)s at session %(session)s to %(after)s (%(drop)s points)."
    ) % {
        "before": number(evidence["previous_alliance"]),
        "session": evidence["previous_session"],
        "after": number(evidence["alliance"]),
        "drop": number(evidence["drop"]),
    }
    if evidence.get("new_task_previous_session"):
        text += " " + gettext("A new task was agreed in the session before.")
    elif evidence.get("largest_item_fall"):
        text += " " + gettext("“%(item)s” fell most.") % {
            "item": item_label(str(evidence["largest_item_fall"]))
        }
    return text


def _discrepancy(evidence: Evidence) -> str:
    return gettext(
        "The clinician rated the session %(clinician)s; the client rated it %(client)s "
        "(%(gap)s points apart)."
    ) % {
        "clinician": number(evidence["clinician_alliance"]),
        "client": number(evidence["alliance"]),
        "gap": number(evidence["gap"]),
    }


def _ghosting(evidence: Evidence) -> str:
    missed = (
        gettext("cancelled") if evidence.get("status") == "cancelled" else gettext("not attended")
    )
    return gettext(
        "This session was %(missed)s after an alliance of %(alliance)s at session %(session)s."
    ) % {
        "missed": missed,
        "alliance": number(evidence["last_alliance"]),
        "session": evidence["last_alliance_session"],
    }


def _perfect(evidence: Evidence) -> str:
    run = _count(evidence["streak"])
    return ngettext(
        "%(n)d perfect alliance score since session %(start)s.",
        "%(n)d perfect alliance scores in a row since session %(start)s.",
        run,
    ) % {"n": run, "start": evidence["streak_start"]}


def _no_outcome(evidence: Evidence) -> str:
    run = _count(evidence["sessions_without_outcome"])
    return ngettext(
        "No outcome measure in %(n)d attended session since session %(start)s.",
        "No outcome measure in %(n)d attended sessions in a row since session %(start)s.",
        run,
    ) % {"n": run, "start": evidence["first_session_without_outcome"]}


_REASONS: Mapping[str, Callable[[Evidence], str]] = {
    "risk_answer": _risk,
    "not_on_track": _off_track,
    "reliable_deterioration": _deterioration,
    "low_alliance": _low_alliance,
    "alliance_drop": _alliance_drop,
    "rating_discrepancy": _discrepancy,
    "ghosting_risk": _ghosting,
    "perfect_alliance_streak": _perfect,
    "no_outcome_measure": _no_outcome,
}
