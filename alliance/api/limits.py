"""Reading a JSON request body safely, for the REST API and FHIR (docs/api.md, "Limits").

Python's ``json.loads`` trusts its input: a body of many megabytes is read whole, JSON nested
tens of thousands deep ends in ``RecursionError``, and a 400-digit number becomes an ``int`` that
no ``float()`` can hold. Here the body is refused before it is parsed when it is larger than
``API_MAX_BODY_BYTES`` (413) or nested deeper than ``API_MAX_JSON_DEPTH`` (400), and a number
longer than ``MAX_NUMBER_CHARACTERS``, or one that is not finite, is refused while parsing (400).
"""

import json
import math
import re
from itertools import accumulate
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest

# Far more than any real answer (a score, a year) and well below Python's 4,300-digit limit for
# turning text into a whole number.
MAX_NUMBER_CHARACTERS = 32

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


class BodyRefused(ValueError):
    """The body cannot be taken; ``status`` is 413 (too large) or 400, ``code`` a FHIR issue
    type (too-long, structure, invalid)."""

    def __init__(self, message: str, *, status: int = 400, code: str = "invalid") -> None:
        super().__init__(message)
        self.status, self.code = status, code


def _limit(name: str, default: int) -> int:
    return int(settings.ALLIANCE.get(name, default))


def max_body_bytes() -> int:
    return _limit("API_MAX_BODY_BYTES", 1_048_576)


def max_json_depth() -> int:
    return _limit("API_MAX_JSON_DEPTH", 32)


def too_large() -> BodyRefused:
    return BodyRefused(
        f"The body is larger than {max_body_bytes()} bytes, the most this server takes.",
        status=413,
        code="too-long",
    )


def declared_length_check(request: HttpRequest) -> None:
    """``BodyRefused`` (413) when the request says its body is over the limit, before a byte
    of it is read."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except (TypeError, ValueError):
        declared = 0
    if declared > max_body_bytes():
        raise too_large()


def body_bytes(request: HttpRequest) -> bytes:
    """The request's body, or ``BodyRefused`` (413) when it is over the limit. A declared
    Content-Length over the limit is refused before a byte is read."""
    limit = max_body_bytes()
    declared_length_check(request)
    try:
        body = request.body
    except RequestDataTooBig:  # over Django's DATA_UPLOAD_MAX_MEMORY_SIZE
        raise too_large() from None
    if len(body) > limit:
        raise too_large()
    return body


def json_depth(text: str) -> int:
    """How deeply the arrays and objects of ``text`` nest, counted without recursion (string
    contents do not count)."""
    brackets = _BRACKET.findall(_STRING.sub("", text))
    return max(accumulate(1 if b in "[{" else -1 for b in brackets), default=0)


def _number_too_long(text: str) -> BodyRefused:
    return BodyRefused(
        f"A number in the body has {len(text)} characters; numbers may have at most "
        f"{MAX_NUMBER_CHARACTERS}.",
        code="too-long",
    )


def _whole(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARACTERS:
        raise _number_too_long(text)
    return int(text)


def _decimal(text: str) -> float:
    if len(text) > MAX_NUMBER_CHARACTERS:
        raise _number_too_long(text)
    value = float(text)
    if not math.isfinite(value):
        raise BodyRefused(f"The number {text} is too large.", code="invalid")
    return value


def _constant(name: str) -> float:
    raise BodyRefused(f"{name} is not a JSON number; send a number.", code="invalid")


def parse_json(body: bytes | str) -> Any:
    """The JSON ``body`` as Python values, or ``BodyRefused`` (400) naming what is wrong."""
    try:
        text = body.decode("utf-8") if isinstance(body, bytes) else body
    except UnicodeDecodeError:
        raise BodyRefused("The body is not UTF-8 text.") from None
    depth, limit = json_depth(text), max_json_depth()
    if depth > limit:
        raise BodyRefused(
            f"The body nests arrays and objects {depth} deep; at most {limit} is taken.",
            code="structure",
        )
    try:
        return json.loads(text, parse_int=_whole, parse_float=_decimal, parse_constant=_constant)
    except BodyRefused:
        raise
    except RecursionError:  # cannot happen below the depth limit; a refusal if it does
        raise BodyRefused("The body nests too deeply.", code="structure") from None
    except ValueError:
        raise BodyRefused("The body is not JSON.") from None


def read_json(request: HttpRequest) -> Any:
    """The request's JSON body, within the limits, or ``BodyRefused``."""
    return parse_json(body_bytes(request))
