"""Reads for the clinician's pages. Every query starts from ``alliance.access``."""

from django.db.models import Count, F, Min, OuterRef, Prefetch, Q, QuerySet, Subquery

from alliance import access
from alliance.accounts.models import User
from alliance.care.models import CareTeamMember, Episode, Session
from alliance.feedback.models import Alert
from alliance.measures.models import Rater, Response


def _latest_total(measure_field: str) -> Subquery:
    latest = Response.objects.filter(
        session__episode=OuterRef("pk"), instrument=OuterRef(measure_field), rater=Rater.CLIENT
    ).order_by("-session__number", "-answered_at")
    return Subquery(latest.values("total")[:1])


def caseload(user: User) -> QuerySet[Episode]:
    """The user's active episodes (where they are on the care team), most in need first: the
    open alert with the highest priority decides, then the oldest episode."""
    open_alerts = Q(alerts__acknowledged_at__isnull=True)
    return (
        access.visible_episodes(user)
        .filter(ended_on__isnull=True, care_team__member=user)
        .select_related("client", "team")
        .annotate(
            open_alert_count=Count("alerts", filter=open_alerts, distinct=True),
            top_priority=Min("alerts__priority", filter=open_alerts),
            latest_outcome=_latest_total("outcome_measure"),
            latest_alliance=_latest_total("alliance_measure"),
        )
        # Clients without open alerts come last, whatever the database's default for NULLs.
        .order_by(F("top_priority").asc(nulls_last=True), "started_on", "pk")
    )


def episode_detail(user: User, episode_id: int) -> Episode:
    """One episode the user may see, with its care team, sessions, responses and alerts loaded
    in a fixed number of queries. Raises Episode.DoesNotExist when it is not visible."""
    return (
        access.visible_episodes(user)
        .select_related("client", "team")
        .prefetch_related(
            Prefetch("care_team", queryset=CareTeamMember.objects.select_related("member")),
            Prefetch(
                "sessions",
                queryset=Session.objects.order_by("number").prefetch_related(
                    Prefetch("responses", queryset=Response.objects.order_by("instrument"))
                ),
            ),
            Prefetch(
                "alerts",
                queryset=Alert.objects.select_related("session", "acknowledged_by").order_by(
                    "acknowledged_at", "priority", "-session__number"
                ),
            ),
        )
        .get(pk=episode_id)
    )


def session_detail(user: User, session_id: int) -> Session:
    return (
        access.visible_sessions(user)
        .select_related("episode__client")
        .prefetch_related("attended_by", "responses__rater_user")
        .get(pk=session_id)
    )
