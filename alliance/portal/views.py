"""The client portal: the three ways to answer (tablet hand-off, link, kiosk code), the form,
the thank-you page, and the clinician's buttons that start each way."""

import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from alliance.accounts.lockout import client_address
from alliance.accounts.models import Membership, User
from alliance.audit.models import Action, Via
from alliance.audit.services import audit_record
from alliance.brakes.services import brake_clear, brake_take
from alliance.care.models import Session
from alliance.measures import catalogue
from alliance.portal import charts, hooks, reminders, selectors, services, visits
from alliance.portal.forms import InviteForm, KioskCodeForm, MeasureForm, UnlockForm
from alliance.portal.language import speak_to
from alliance.portal.models import Channel, Invitation, Purpose
from alliance.portal.questions import measure_page
from alliance.portal.wording import in_language
from alliance.web import signed_in_user

# An error report (the administrators' e-mail) shows no posted answers or codes.
ANSWERS_ARE_PRIVATE = sensitive_post_parameters()


def _invitation(pk: int | None) -> Invitation | None:
    if pk is None:
        return None
    return (
        Invitation.objects.select_related("session__episode__client", "about_member")
        .filter(pk=pk)
        .first()
    )


def _nothing_here(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/nothing_here.html", status=404)


def _closed(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    return render(request, "portal/closed.html", {"invitation": invitation}, status=410)


# The form: one measure per screen, shared by the three ways to answer.


def _answer(request: HttpRequest, invitation: Invitation, form_url: str) -> HttpResponse:
    """Show the next measure of the invitation, or store the answers posted to it."""
    measure = services.invitation_next_measure(invitation)
    posted = request.POST.get("measure", "") if request.method == "POST" else ""
    if posted and posted in invitation.measures and posted != measure:
        # The same form sent again (a double tap, a reload, or another tab whose answers were
        # stored a moment after this request found the link open): it is already stored. When
        # it was the last form, the client is thanked, as the first sender was.
        return _finished(request, invitation) if measure is None else redirect(form_url)
    speak_to(request, invitation)
    if measure is None:
        return _finished(request, invitation)
    if not invitation.is_open():
        return _closed(request, invitation)
    instrument = catalogue.instrument(measure)
    language = get_language() or settings.LANGUAGE_CODE
    # Before treatment there is no session yet to bring topics to.
    words = "" if invitation.purpose == Purpose.BASELINE else instrument.kind
    if request.method != "POST":
        form = MeasureForm(instrument, language, initial={"form_key": uuid.uuid4()})
        return _form_page(request, invitation, hooks.words_fields_add(form, words), measure)
    posted_form = hooks.words_fields_add(MeasureForm(instrument, language, request.POST), words)
    return _store(request, invitation, posted_form, form_url)


def _store(
    request: HttpRequest, invitation: Invitation, form: MeasureForm, form_url: str
) -> HttpResponse:
    measure = form.instrument.code
    if form.is_valid():
        try:
            # The client's optional words (agenda, comment, hopes) are stored with the answers.
            hooks.invitation_answer_with_words(
                invitation=invitation,
                measure=measure,
                values=form.answers(),
                form_key=form.cleaned_data["form_key"],
                words=hooks.words_of(form),
                again=request.POST.get("again", ""),
            )
        except services.InvitationClosed as closed:
            return _closed(request, closed.invitation)
        except services.AlreadyAnswered:
            return _already_answered(request, invitation, form)
        except ValidationError as error:
            _attach(form, error)
        else:
            if services.invitation_next_measure(invitation) is None:
                return _finished(request, invitation)
            return redirect(form_url)
    return _form_page(request, invitation, form, measure, status=400)


def _already_answered(
    request: HttpRequest, invitation: Invitation, form: MeasureForm
) -> HttpResponse:
    """The client answered this measure earlier in the session: nothing was stored. The page
    says so and offers to answer again (the new answers, sent back as they were, replace the
    earlier ones as a new version) or to keep the earlier answers."""
    measure = form.instrument.code
    answers = [
        (name, request.POST[name])
        for name in [*form.fields, "measure"]
        if name in request.POST and name != "again"
    ]
    context = {
        "invitation": invitation,
        "name": in_language(form.instrument.name),
        "answers": answers,
        "step": invitation.measures.index(measure) + 1,
        "steps": len(invitation.measures),
        **_crisis(invitation),
    }
    return render(request, "portal/already_answered.html", context, status=409)


def _attach(form: MeasureForm, error: ValidationError) -> None:
    fields = set(form.fields)
    for field, problems in getattr(error, "error_dict", {"__all__": error.error_list}).items():
        for problem in problems:
            form.add_error(field if field in fields else None, problem)


def _form_page(
    request: HttpRequest, invitation: Invitation, form: MeasureForm, measure: str, status: int = 200
) -> HttpResponse:
    page = measure_page(form.instrument, form, get_language() or settings.LANGUAGE_CODE)
    context = {
        "invitation": invitation,
        "page": page,
        "form": form,
        "step": invitation.measures.index(measure) + 1,
        "steps": len(invitation.measures),
        "errors": [q for q in page.questions if q.error],
        "other_errors": form.non_field_errors(),
        "about_team": invitation.session.episode.setting == "day_programme",
        "client_name": selectors.client_first_name(invitation),
        **_crisis(invitation),
    }
    return render(request, "portal/measure.html", context, status=status)


def _crisis(invitation: Invitation) -> dict[str, object]:
    # After a risk answer (PHQ-9 item 9 above 0) the client sees the site's crisis information on
    # every page that follows, on every channel: the next form and the thank-you page.
    return {
        "crisis": selectors.invitation_has_risk_answer(invitation),
        "crisis_text": settings.ALLIANCE.get("CRISIS_TEXT", ""),
    }


def _finished(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    visits.done_set(request.session, invitation.pk)
    if invitation.channel == Channel.KIOSK:
        visits.kiosk_end(request.session)
    return redirect("portal:thanks")


@never_cache
def thanks(request: HttpRequest) -> HttpResponse:
    invitation = _invitation(visits.done_invitation_id(request.session))
    if invitation is None:
        return _nothing_here(request)
    speak_to(request, invitation)
    progress = None
    # A waiting-room kiosk is a shared screen: the chart is shown only on the client's own
    # phone or on the tablet in the room with their clinician.
    if invitation.channel != Channel.KIOSK:
        progress = selectors.client_progress(invitation.session.episode)
    context = {
        "invitation": invitation,
        "progress": progress,
        "spec": charts.progress_spec(progress) if progress else None,
        **_crisis(invitation),
    }
    return render(request, "portal/thanks.html", context)


# Link by e-mail or text message.


@never_cache
@ANSWERS_ARE_PRIVATE
def link(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = services.invitation_by_token(token, address=_client_address(request))
    except services.TooManyWrongSecrets:
        return render(request, "portal/too_many_links.html", status=429)
    except services.InvitationNotFound:
        return _nothing_here(request)
    except services.InvitationClosed as closed:
        if _resent_last_form(request, closed.invitation):
            return _finished(request, closed.invitation)
        speak_to(request, closed.invitation)
        return _closed(request, closed.invitation)
    return _answer(request, invitation, request.path)


# How long after a link's last form a repeat of it is a double tap (or a retry) and says thanks.
DOUBLE_TAP = dt.timedelta(minutes=10)


def _resent_last_form(request: HttpRequest, invitation: Invitation) -> bool:
    """A double tap on the last form arrives just after the link is used: it was stored, say
    thanks. Only then: the thank-you page (and the progress page it leads to) shows the
    client's scores, so a used token replayed later, a cancelled link (sent to a wrong address,
    then resent) or a baseline another link gave opens nothing."""
    posted = request.POST.get("measure", "") if request.method == "POST" else ""
    used = invitation.used_at
    if not posted or used is None or invitation.cancelled_at is not None:
        return False
    if timezone.now() - used > DOUBLE_TAP:
        return False
    return posted in services.invitation_answered(invitation, through_it=True)


# Waiting-room kiosk.


def _client_address(request: HttpRequest) -> str:
    # The same address the log-in lockout counts by: behind the site's proxy, the one the proxy
    # saw, so one person guessing does not pause everyone who comes through it.
    return client_address(request)


@never_cache
@ANSWERS_ARE_PRIVATE
def kiosk(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and "leave" in request.POST:
        # The next person at the kiosk must see nothing of this one.
        visits.kiosk_end(request.session)
        visits.done_clear(request.session)
        return redirect("portal:kiosk")
    invitation = _invitation(visits.kiosk_invitation_id(request.session))
    if invitation is not None:
        if invitation.is_open() or _resent_last_form(request, invitation):
            return _answer(request, invitation, reverse("portal:kiosk"))
        visits.kiosk_end(request.session)
    response = _kiosk_code(request)
    if request.user.is_authenticated and kiosk_device(request) is None:
        _mark_kiosk(response, uuid.uuid4().hex)
    return response


def _kiosk_code(request: HttpRequest) -> HttpResponse:
    form = KioskCodeForm(request.POST if request.method == "POST" else None)
    if not form.is_bound:
        return render(request, "portal/kiosk.html", {"form": form})
    if not form.is_valid():
        # Text that cannot be a code (a wrong length, a letter codes never have) is no guess.
        return render(request, "portal/kiosk.html", {"form": form}, status=400)
    try:
        invitation = services.invitation_by_kiosk_code(
            form.cleaned_data["code"],
            address=_client_address(request),
            device=kiosk_device(request),
        )
    except (
        services.TooManyWrongSecrets,
        services.InvitationNotFound,
        services.InvitationClosed,
    ) as no:
        message, status = _kiosk_refusal(no)
        form.add_error("code", message)
        return render(request, "portal/kiosk.html", {"form": form}, status=status)
    visits.kiosk_start(request.session, invitation.pk)
    return redirect("portal:kiosk")


# Each kiosk is known by a signed cookie, set when a member of staff opens the kiosk page on it,
# so that its wrong codes pause that kiosk and not every kiosk behind the clinic's address.
KIOSK_DEVICE_COOKIE = "alliance_kiosk"
_KIOSK_DEVICE_SALT = "alliance.portal.kiosk-device"
_KIOSK_DEVICE_DAYS = 400


def kiosk_device(request: HttpRequest) -> str | None:
    """The kiosk this browser is, from its signed cookie; None for any other browser."""
    device = request.get_signed_cookie(KIOSK_DEVICE_COOKIE, default=None, salt=_KIOSK_DEVICE_SALT)
    return str(device) if device else None


def _mark_kiosk(response: HttpResponse, device: str) -> HttpResponse:
    response.set_signed_cookie(
        KIOSK_DEVICE_COOKIE,
        device,
        salt=_KIOSK_DEVICE_SALT,
        max_age=_KIOSK_DEVICE_DAYS * 24 * 3600,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


@never_cache
@login_required
def kiosk_staff(request: HttpRequest) -> HttpResponse:
    """For staff at a kiosk: make this browser a kiosk, or lift its pause after wrong codes.
    Either way the member of staff is logged out, so the waiting room reaches no staff page."""
    device = kiosk_device(request)
    address = _client_address(request)
    if request.method != "POST":
        context = {
            "is_kiosk": device is not None,
            "paused": services.kiosk_is_locked(address, device),
        }
        return render(request, "portal/kiosk_staff.html", context)
    device = device or uuid.uuid4().hex
    paused = services.kiosk_unlock(address, device)
    _kiosk_audit(request, paused)
    logout(request)
    if paused:
        messages.success(request, _("The kiosk is unlocked and ready for the next client."))
    return _mark_kiosk(redirect("portal:kiosk"), device)


def _kiosk_audit(request: HttpRequest, paused: bool) -> None:
    user = signed_in_user(request)
    membership = Membership.objects.filter(user=user).select_related("organisation").first()
    audit_record(
        actor=user,
        action=Action.CHANGE,
        organisation=membership.organisation if membership else None,
        via=Via.PAGE,
        object_kind="kiosk",
        address=_client_address(request),
        detail="kiosk unlocked after wrong codes" if paused else "kiosk started",
    )


def _kiosk_refusal(refusal: Exception) -> tuple[str, int]:
    if isinstance(refusal, services.TooManyWrongSecrets):
        return _(
            "Too many codes did not work. Please wait a few minutes, or ask at reception."
        ), 429
    if isinstance(refusal, services.InvitationClosed):
        return _("This code has expired or was already used. Ask at reception for a new one."), 400
    return _("That code does not work. Check it and try again."), 400


# Tablet hand-off.


@never_cache
@ANSWERS_ARE_PRIVATE
@login_required
def tablet(request: HttpRequest) -> HttpResponse:
    state = visits.handoff(request.session)
    invitation = _invitation(state["invitation"]) if state else None
    if invitation is None:
        return _nothing_here(request)
    return _answer(request, invitation, reverse("portal:tablet"))


@never_cache
@login_required
def tablet_return(request: HttpRequest) -> HttpResponse:
    state = visits.handoff(request.session)
    if state is None:
        return redirect("clinic:caseload")
    form = UnlockForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        # Counted before the password is checked, so many tries sent at once are not all tried.
        limit = services.handoff_unlock_limit(request.user.pk, state)
        ticket = brake_take(limit)
        if ticket.allowed and request.user.check_password(form.cleaned_data["password"]):
            brake_clear(limit)
            return _take_back(request, state)
        if not ticket.allowed or ticket.last:
            # Someone may be guessing: end the session; only a full log-in opens it again.
            logout(request)
            return redirect(settings.LOGIN_URL)
        form.add_error("password", _("That password is not right. Try again."))
    return render(
        request, "portal/tablet_return.html", {"form": form}, status=400 if form.errors else 200
    )


def _take_back(request: HttpRequest, state: dict[str, object]) -> HttpResponse:
    invitation = _invitation(int(str(state["invitation"])))
    visits.handoff_end(request.session)
    request.session.cycle_key()
    if invitation is None:
        return redirect("clinic:caseload")
    return redirect("clinic:session", invitation.session_id)


# The clinician's side: start a hand-off, send a link, make a kiosk code.


@login_required
@require_POST
def invite(request: HttpRequest, session_id: int) -> HttpResponse:
    try:
        session = selectors.session_for_inviting(signed_in_user(request), session_id)
    except Session.DoesNotExist:
        raise Http404 from None
    episode = session.episode
    choices = selectors.invite_choices(session)
    form = InviteForm(
        request.POST,
        allowed_measures=choices.allowed,
        due_measures=choices.due,
        members=selectors.care_team_users(episode),
    )
    back = reverse("clinic:session", args=[session.pk])
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return _history_aware(request, redirect(back))
    data = form.cleaned_data | {
        "chosen": selectors.in_answering_order(form.cleaned_data["chosen"], choices)
    }
    return _history_aware(request, _invite(request, session, data, back))


def _history_aware(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """The hand-off button's script (alliance/static/alliance/history.js) asks for the next
    address as data instead of a redirect, and goes there with ``location.replace()``: the
    session page is then no longer in the browser's history behind the client's form."""
    if request.headers.get("X-Alliance-History") == "replace" and response.status_code == 302:
        return JsonResponse({"location": response["Location"]})
    return response


def _invite(
    request: HttpRequest, session: Session, data: dict[str, Any], back: str
) -> HttpResponse:
    channel: str = data["channel"]
    by = signed_in_user(request)
    measures = [str(code) for code in data["chosen"]]
    about: User | None = data["about_member"]
    try:
        if channel == Channel.LINK:
            invitation = services.invitation_send_link(
                session=session,
                measures=measures,
                created_by=by,
                about_member=about,
                link_for=lambda token: request.build_absolute_uri(
                    reverse("portal:link", args=[token])
                ),
            )
            messages.success(request, _link_sent_message(invitation))
            return redirect(back)
        invitation, secret = services.invitation_create(
            session=session, measures=measures, channel=channel, created_by=by, about_member=about
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(back)
    if channel == Channel.TABLET:
        visits.handoff_start(request.session, invitation.pk)
        return redirect("portal:tablet")
    visits.kiosk_code_keep(request.session, invitation.pk, secret)
    return redirect("portal:kiosk_code", invitation.pk)


def _link_sent_message(invitation: Invitation) -> str:
    if invitation.delivery == "email":
        return _("The link was sent to the client by e-mail.")
    return _("The link was sent to the client by text message.")


@never_cache
@login_required
def kiosk_code(request: HttpRequest, invitation_id: int) -> HttpResponse:
    try:
        invitation = selectors.invitation_for_creator(signed_in_user(request), invitation_id)
    except Invitation.DoesNotExist:
        raise Http404 from None
    code = visits.kiosk_code_take(request.session, invitation.pk)
    context = {
        "invitation": invitation,
        "code": services.code_display(code) if code else "",
        "minutes": services.whole_setting("KIOSK_MINUTES"),
    }
    return render(request, "portal/kiosk_code.html", context)


# The session page's links outstanding: resend or cancel one (portal/_session_links.html).


def _link_for_care_team(request: HttpRequest, invitation_id: int) -> Invitation:
    try:
        return selectors.invitation_for_care_team(signed_in_user(request), invitation_id)
    except Invitation.DoesNotExist:
        raise Http404 from None


@login_required
@require_POST
def link_resend(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = _link_for_care_team(request, invitation_id)
    back = reverse("clinic:session", args=[invitation.session_id])
    try:
        fresh = reminders.invitation_resend(
            invitation=invitation,
            by=signed_in_user(request),
            link_for=lambda token: request.build_absolute_uri(reverse("portal:link", args=[token])),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _link_sent_message(fresh))
    return redirect(back)


@login_required
@require_POST
def link_cancel(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = _link_for_care_team(request, invitation_id)
    if reminders.invitation_cancel(invitation=invitation, by=signed_in_user(request)):
        messages.success(request, _("The link was cancelled; it no longer opens the form."))
    else:
        messages.info(request, _("This link was already answered or cancelled."))
    return redirect("clinic:session", invitation.session_id)
