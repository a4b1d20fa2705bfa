"""The language the client's side of the portal speaks: the one the client chose with the
form's buttons during this visit, else the client's preferred language (recorded at intake),
else the browser's (``LocaleMiddleware``: the cookie, then Accept-Language) or, on a tablet, the
clinician's.

The switch is kept in the visit, never on the clinician: a client changing the tablet's language
leaves the clinician's own language as it was."""

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from alliance.accounts.language import offered, use
from alliance.portal import visits
from alliance.portal.models import Invitation


def visit_language(request: HttpRequest, invitation: Invitation) -> str:
    """The language for this client's pages, by the order above."""
    chosen = offered(visits.language_chosen(request.session))
    preferred = offered(invitation.session.episode.client.preferred_language)
    return chosen or preferred or get_language() or "en"


def speak_to(request: HttpRequest, invitation: Invitation) -> None:
    """Make the rest of this request (the page, its dates and numbers) the client's language."""
    use(request, visit_language(request, invitation))


@require_POST
def language(request: HttpRequest) -> HttpResponse:
    chosen = offered(request.POST.get("language"))
    if chosen:
        visits.language_choose(request.session, chosen)
    if visits.handoff(request.session) is None:
        # The client's own phone or a kiosk: the cookie too, for the pages outside a visit.
        return set_language(request)
    wanted = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return HttpResponseRedirect(wanted if safe else reverse("portal:tablet"))
