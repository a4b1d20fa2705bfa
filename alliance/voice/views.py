"""The care team's side of the client's words (marking topics covered, inviting the intake
measures, sharing progress) and the client's own progress page.

Staff views translate HTTP to a service call; who may do what is ``alliance.access``. The
client's page is reached only from the browser that has just answered a link (the portal's
``visits``), shows only that invitation's client, and only while the link has not expired and
the team and clinician allow it.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from alliance import access
from alliance.care.models import Episode, Session
from alliance.portal import selectors as portal_selectors
from alliance.portal import services as portal_services
from alliance.portal import visits
from alliance.portal.models import Channel, Invitation
from alliance.voice import progress, services
from alliance.voice.models import AgendaItem
from alliance.web import signed_in_user

INTAKE_MEASURES = ("cnip", "ceq")


@require_POST
@login_required
def agenda_item_covered(request: HttpRequest, item_id: int) -> HttpResponse:
    user = signed_in_user(request)
    item = (
        AgendaItem.objects.filter(session__in=access.client_words_sessions(user), pk=item_id)
        .select_related("session")
        .first()
    )
    if item is None:
        raise Http404
    covered = request.POST.get("covered") == "1"
    services.agenda_item_mark(item=item, covered=covered, by=user)
    return redirect(reverse("clinic:session", args=[item.session_id]) + "#client-agenda")


@require_POST
@login_required
def episode_sharing(request: HttpRequest, episode_id: int) -> HttpResponse:
    user = signed_in_user(request)
    episode = access.visible_episodes(user).filter(pk=episode_id).first()
    if episode is None:
        raise Http404
    if not access.is_on_care_team(user, episode):
        raise PermissionDenied(_("Only the client's care team can change what the client sees."))
    share = request.POST.get("share")
    if share not in ("0", "1"):
        messages.error(request, _("share: choose 1 (show) or 0 (stop showing)."))
    else:
        services.episode_sharing_set(episode=episode, share=share == "1")
        messages.success(request, _("Saved."))
    return redirect(reverse("clinic:episode", args=[episode.pk]) + "#client-voice")


def _intake_session(request: HttpRequest, session_id: int) -> Session:
    try:
        return portal_selectors.session_for_inviting(signed_in_user(request), session_id)
    except Session.DoesNotExist:
        raise Http404 from None


def _history_aware(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    # As portal.views: the hand-off button's script asks for the next address as data.
    if request.headers.get("X-Alliance-History") == "replace" and response.status_code == 302:
        return JsonResponse({"location": response["Location"]})
    return response


@require_POST
@login_required
def intake_invite(request: HttpRequest, session_id: int) -> HttpResponse:
    """Offer the preference (C-NIP) and expectancy (CEQ) measures, with the client's hopes, by
    tablet, link or kiosk code, as the portal offers the session's measures."""
    session = _intake_session(request, session_id)
    back = reverse("clinic:session", args=[session.pk])
    channel = request.POST.get("channel", "")
    by = signed_in_user(request)
    try:
        if channel == Channel.LINK:
            portal_services.invitation_send_link(
                session=session,
                measures=list(INTAKE_MEASURES),
                created_by=by,
                link_for=lambda token: request.build_absolute_uri(
                    reverse("portal:link", args=[token])
                ),
            )
            messages.success(request, _("The link was sent to the client."))
            return redirect(back)
        invitation, secret = portal_services.invitation_create(
            session=session, measures=list(INTAKE_MEASURES), channel=channel, created_by=by
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(back)
    if channel == Channel.TABLET:
        visits.handoff_start(request.session, invitation.pk)
        return _history_aware(request, redirect("portal:tablet"))
    visits.kiosk_code_keep(request.session, invitation.pk, secret)
    return redirect("portal:kiosk_code", invitation.pk)


# The client's own progress page.


def _progress_invitation(request: HttpRequest) -> Invitation | None:
    pk = visits.done_invitation_id(request.session)
    if pk is None:
        return None
    invitation = Invitation.objects.select_related("session__episode__client").filter(pk=pk).first()
    if invitation is None or invitation.channel != Channel.LINK:
        return None  # a kiosk or a handed-over tablet is no place for a progress page
    if invitation.expires_at <= timezone.now() or invitation.cancelled_at is not None:
        return None  # after the link expires or is cancelled, its progress page closes with it
    if not access.client_may_see_progress(invitation.session.episode):
        return None
    return invitation


@never_cache
@require_GET
def client_progress(request: HttpRequest) -> HttpResponse:
    invitation = _progress_invitation(request)
    if invitation is None:
        return render(request, "portal/nothing_here.html", status=404)
    episode = invitation.session.episode
    summary = progress.client_summary(episode, portal_selectors.client_first_name(invitation))
    context = {
        "summary": summary,
        "spec": progress.summary_spec(summary),
        "printable": request.GET.get("print") == "1",
    }
    return render(request, "voice/client_progress.html", context)


@require_GET
@login_required
def progress_summary(request: HttpRequest, episode_id: int) -> HttpResponse:
    """The printable, client-friendly summary the clinician hands over or sends."""
    user = signed_in_user(request)
    episode: Episode | None = access.visible_episodes(user).filter(pk=episode_id).first()
    if episode is None or not access.is_on_care_team(user, episode):
        raise Http404
    words = episode.client.display_name.split()
    first = words[0] if words and words[0].casefold() != episode.client.code.casefold() else ""
    summary = progress.client_summary(episode, first)
    context = {"summary": summary, "spec": progress.summary_spec(summary), "printable": True}
    return render(request, "voice/client_progress.html", context)
