"""Keeping link tokens and clinical data out of the logs.

Django logs the path of every refused or failed request ("Bad Request: /rate/l/<token>/"), and
a link's path is its secret: whoever reads the log could open the client's form. One filter
writes such paths as ``/rate/l/…/`` and drops the request from the record, so an error e-mail to
the administrators carries neither the token nor the client's answers.

At DEBUG, Django's template engine logs each variable it cannot find with a traceback whose
message is the whole template context: on a client's page, their scores and chart data. The
other filter keeps the line (which variable, which template) and drops the traceback.
"""

import functools
import logging
import re

from django.urls import reverse

# The loggers that write a request's path: refused and failed requests, CSRF refusals, and the
# development server's access log.
PATH_LOGGERS = ("django.request", "django.security.csrf", "django.server")
TEMPLATE_LOGGER = "django.template"
HIDDEN = "…"


@functools.cache
def _link_path() -> tuple[str, re.Pattern[str]]:
    prefix = reverse("portal:link", args=["x"]).removesuffix("x/")
    return prefix, re.compile(re.escape(prefix) + r"[^/\s\"']+")


class HideLinkTokens(logging.Filter):
    """Rewrites a record that names a link's path; lets every record through."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            prefix, token_path = _link_path()
        except Exception:
            # A filter must never make logging fail. When the URLs cannot load, no link opens,
            # so there is no token to hide.
            return True
        hidden, found = token_path.subn(prefix + HIDDEN, record.getMessage())
        if found:
            record.msg, record.args = hidden, ()
            if hasattr(record, "request"):
                record.request = None
        return True


class NoTemplateContext(logging.Filter):
    """Drops the traceback, and with it the template context, from a template engine record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info, record.exc_text = None, None
        return True


def _install(logger_name: str, kind: type[logging.Filter]) -> None:
    logger = logging.getLogger(logger_name)
    if not any(isinstance(existing, kind) for existing in logger.filters):
        logger.addFilter(kind())


def keep_secrets_out_of_logs() -> None:
    """Install the filters on their loggers (once, from the app's ``ready``)."""
    for name in PATH_LOGGERS:
        _install(name, HideLinkTokens)
    _install(TEMPLATE_LOGGER, NoTemplateContext)
