"""The health check for load balancers and monitoring: is this app server able to serve?

It answers ``ok`` when the database answers a trivial query, and ``unavailable`` (503) when it
does not. It needs no log-in and says nothing else: no version, no host names, no error text,
so it can be reached from outside without revealing anything about the site.
"""

import logging

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


def database_answers() -> bool:
    """True when the default database answers ``SELECT 1``."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        # The cause goes to the log for the operator, never to the (anonymous) caller.
        logger.exception("Health check: the database did not answer.")
        return False


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    if database_answers():
        return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")
    return HttpResponse("unavailable\n", status=503, content_type="text/plain; charset=utf-8")
