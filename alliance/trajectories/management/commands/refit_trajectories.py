"""Show the expected-trajectory model in use for each measure, and queue refits.

    manage.py refit_trajectories                       # every organisation and measure
    manage.py refit_trajectories --organisation "Riverside Counselling" --measure ors --preview
    manage.py refit_trajectories --measure ors --refit # queue a refit (db_worker runs it)
    manage.py refit_trajectories --activate 12         # put fit 12 in use (or restore it)

See docs/trajectories.md.
"""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from alliance.accounts.models import Organisation
from alliance.clinic.explain import number
from alliance.console.commands import LocalisedCommand, gettext_lazy
from alliance.feedback import selectors, services
from alliance.feedback.models import FitStatus, TrajectoryFit
from alliance.formats import local
from alliance.science.trajectories import TrajectoryModel, default_model
from alliance.trajectories.preview import preview_rows


class Command(LocalisedCommand):
    help = gettext_lazy(
        "Show the expected-trajectory model in use for each measure; queue or preview a refit."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--organisation", help=gettext_lazy("Name or id (default: every organisation).")
        )
        parser.add_argument(
            "--measure",
            choices=selectors.TRAJECTORY_MEASURES,
            help=gettext_lazy("One measure (default: every measure with an expected trajectory)."),
        )
        parser.add_argument(
            "--preview",
            action="store_true",
            help=gettext_lazy(
                "Fit now on the closed episodes (not stored) and show how the paths would change."
            ),
        )
        parser.add_argument(
            "--refit",
            action="store_true",
            help=gettext_lazy("Queue a refit for the background worker."),
        )
        parser.add_argument(
            "--activate",
            type=int,
            metavar="FIT_ID",
            help=gettext_lazy("Put a finished fit in use."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["activate"] is not None:
            self._activate(options["activate"])
            return
        measures = [options["measure"]] if options["measure"] else selectors.TRAJECTORY_MEASURES
        for organisation in self._organisations(options["organisation"]):
            self.stdout.write(self.style.MIGRATE_HEADING(organisation.name))
            for row in selectors.measure_trajectories(organisation, measures):
                self._show(organisation, row, preview=options["preview"])
                if options["refit"]:
                    self._refit(organisation, row.measure)

    def _organisations(self, wanted: str | None) -> QuerySet[Organisation]:
        found = Organisation.objects.order_by("name")
        if wanted:
            by = {"pk": int(wanted)} if wanted.isdigit() else {"name": wanted}
            found = found.filter(**by)
            if not found.exists():
                raise CommandError(_("organisation: no organisation %(name)r.") % {"name": wanted})
        return found

    def _show(
        self, organisation: Organisation, row: selectors.MeasureTrajectory, *, preview: bool
    ) -> None:
        out = self.stdout.write
        if row.active:
            out(
                "  "
                + ngettext(
                    "%(measure)s: local fit %(fit)s, %(count)d episode",
                    "%(measure)s: local fit %(fit)s, %(count)d episodes",
                    row.active.n_episodes,
                )
                % {"measure": row.measure, "fit": row.active.pk, "count": row.active.n_episodes}
            )
        else:
            out("  " + _("%(measure)s: provisional default") % {"measure": row.measure})
        data = row.data
        out(
            "    "
            + _(
                "data: %(episodes)d closed episodes, %(ratings)d ratings (a local fit needs "
                "%(needed)d, %(per_episode)s ratings each on average)"
            )
            % {
                "episodes": data.n_episodes,
                "ratings": data.n_ratings,
                "needed": data.min_episodes,
                "per_episode": number(
                    data.min_ratings_per_episode,
                    0 if float(data.min_ratings_per_episode).is_integer() else 1,
                ),
            }
        )
        if not data.enough:
            out("    " + services.refusal_message(data))
        for fit in row.fits:
            used = " " + _("(in use)") if fit.is_active else ""
            when = local(fit.requested_at, "SHORT_DATETIME_FORMAT")
            out(
                "    "
                + _("fit %(fit)s: %(status)s%(used)s, %(when)s %(message)s")
                % {
                    "fit": fit.pk,
                    "status": fit.get_status_display(),
                    "used": used,
                    "when": when,
                    "message": fit.message,
                }
            )
        if preview and data.enough:
            current = (
                TrajectoryModel.from_json(row.active.model_json)
                if row.active
                else default_model(row.measure)
            )
            candidate, _fitted = services.local_model_fit(organisation.pk, row.measure)
            self._preview(current, candidate)

    def _preview(self, current: TrajectoryModel, candidate: TrajectoryModel) -> None:
        heading = [
            (_("intake"), 6),
            (_("session"), 7),
            (_("in use (range)"), 23),
            (_("candidate (range)"), 23),
            (_("change"), 6),
        ]
        self.stdout.write("    " + "  ".join(word.ljust(width) for word, width in heading).rstrip())
        for r in preview_rows(current, candidate):
            now, then = r.current, r.candidate
            self.stdout.write(
                f"    {number(r.intake, 0):>6}  {r.session:>7}  "
                f"{number(now[0]):>5} ({number(now[1])}-{number(now[2])})".ljust(40)
                + f"{number(then[0]):>5} ({number(then[1])}-{number(then[2])})".ljust(24)
                + f"{number(r.change):>6}"
            )

    def _refit(self, organisation: Organisation, measure: str) -> None:
        try:
            fit = services.trajectory_refit_request(
                organisation=organisation, measure=measure, by=None
            )
        except services.RefitRefused as refusal:
            self.stdout.write(
                self.style.WARNING("    " + _("refit refused: %(reason)s") % {"reason": refusal})
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                "    "
                + _("refit queued as fit %(fit)s (%(status)s)")
                % {"fit": fit.pk, "status": fit.get_status_display()}
            )
        )

    def _activate(self, fit_id: int) -> None:
        fit = TrajectoryFit.objects.filter(pk=fit_id, status=FitStatus.DONE).first()
        if fit is None:
            raise CommandError(_("activate: no finished fit %(fit)s.") % {"fit": fit_id})
        services.trajectory_fit_activate(fit=fit)
        self.stdout.write(
            self.style.SUCCESS(
                _("fit %(fit)s is now in use for %(measure)s")
                % {"fit": fit.pk, "measure": fit.measure}
            )
        )
