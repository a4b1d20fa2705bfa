"""Simulated clients and clinicians for the load test (run by bench/bench_load.py).

Clients open their answer link, send the ORS and then the SRS, and see the thank-you page, the
way a client does from an e-mail. Clinicians log in once, then open their caseload, a client's
page, and acknowledge an open alert there when there is one. Every form is fetched first and
its CSRF token posted back, as a browser does. A check failing (a wrong page, a form sent back
with errors) counts as a failure, so "0 failures" means every answer was stored.

Environment: LOAD_TOKENS_FILE (one link token a line, each used once), LOAD_CLINICIANS (comma-
separated log-in names), LOAD_PASSWORD, and LOAD_RESULT_FILE, where the final figures are written
as JSON when locust stops (its CSV files can miss the last seconds of a run).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
from pathlib import Path

from locust import HttpUser, between, events, task
from locust.env import Environment
from locust.exception import StopUser

TOKENS = iter(Path(os.environ["LOAD_TOKENS_FILE"]).read_text().split())
CLINICIANS = itertools.cycle(os.environ["LOAD_CLINICIANS"].split(","))
PASSWORD = os.environ["LOAD_PASSWORD"]

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
FORM_KEY = re.compile(r'name="form_key" value="([^"]+)"')
MEASURE = re.compile(r'name="measure" value="([^"]+)"')
EPISODE = re.compile(r'href="(/episodes/\d+/)"')
ALERT = re.compile(r'action="(/feedback/alerts/\d+/acknowledge/)"')


RUN: dict[str, Environment] = {}


@events.init.add_listener
def _remember(environment: Environment, **_kwargs: object) -> None:
    RUN["environment"] = environment


@events.quit.add_listener
def _write_result(**_kwargs: object) -> None:
    stats, runner = RUN["environment"].stats, RUN["environment"].runner
    rows = [*sorted(stats.entries.values(), key=lambda row: row.name), stats.total]
    result = {
        "requests": [
            {
                "name": "overall" if row is stats.total else row.name,
                "count": row.num_requests,
                "failures": row.num_failures,
                "p50": row.get_response_time_percentile(0.5),
                "p95": row.get_response_time_percentile(0.95),
                "per_second": row.total_rps,
            }
            for row in rows
        ],
        "failures": [
            f"{error.occurrences} x {error.method} {error.name}: {error.error}"
            for error in stats.errors.values()
        ],
        # A simulated user that crashed (a bug here, or a page it could not read) is an error too.
        "exceptions": [
            f"{entry['count']} x {entry['msg']}"
            for entry in (runner.exceptions.values() if runner else [])
        ],
    }
    Path(os.environ["LOAD_RESULT_FILE"]).write_text(json.dumps(result, indent=2))


def _found(pattern: re.Pattern[str], body: str) -> str | None:
    match = pattern.search(body)
    return match.group(1) if match else None


def _answers(measure: str) -> dict[str, str]:
    # A point on each 0-10 line, with one decimal as the slider gives.
    return {f"{measure}_{n}": f"{random.uniform(0, 10):.1f}" for n in range(1, 5)}


class Client(HttpUser):
    """A client answering by link: ORS at the start of the session, SRS at the end."""

    weight = 1
    wait_time = between(1, 3)

    @task
    def answer_by_link(self) -> None:
        token = next(TOKENS, None)
        if token is None:
            raise StopUser  # all links used; bench_load.py makes more than a run needs
        link = f"/rate/l/{token}/"
        page = self._page(link, "client: open link", expect_measure="ors")
        if page is None:
            return
        page = self._send(link, page, "ors", "client: send ORS", expect_measure="srs")
        if page is None:
            return
        self._send(link, page, "srs", "client: send SRS", expect_url="/rate/thanks/")

    def _page(self, url: str, name: str, *, expect_measure: str) -> str | None:
        with self.client.get(url, name=name, catch_response=True) as response:
            if response.status_code != 200 or _found(MEASURE, response.text) != expect_measure:
                response.failure(f"expected the {expect_measure} form, got {response.status_code}")
                return None
            return response.text

    def _send(
        self,
        url: str,
        page: str,
        measure: str,
        name: str,
        *,
        expect_measure: str = "",
        expect_url: str = "",
    ) -> str | None:
        data = {
            "csrfmiddlewaretoken": _found(CSRF, page) or "",
            "measure": measure,
            "form_key": _found(FORM_KEY, page) or "",
            **_answers(measure),
        }
        with self.client.post(url, data=data, name=name, catch_response=True) as response:
            arrived = response.status_code == 200 and (
                _found(MEASURE, response.text) == expect_measure
                if expect_measure
                else response.url.endswith(expect_url)
            )
            if not arrived:
                response.failure(f"{measure} not stored: {response.status_code} {response.url}")
                return None
            return response.text


class Clinician(HttpUser):
    """A clinician between sessions: caseload, a client's page, an alert acknowledged."""

    weight = 1
    wait_time = between(1, 3)

    def on_start(self) -> None:
        username = next(CLINICIANS)
        form = self.client.get("/accounts/login/", name="clinician: log-in page")
        data = {
            "csrfmiddlewaretoken": _found(CSRF, form.text) or "",
            "username": username,
            "password": PASSWORD,
        }
        with self.client.post(
            "/accounts/login/", data=data, name="clinician: log in", catch_response=True
        ) as response:
            if "/accounts/login/" in response.url:
                response.failure(f"{username} could not log in")
                raise StopUser

    @task
    def look_after_a_client(self) -> None:
        with self.client.get("/caseload/", name="clinician: caseload", catch_response=True) as r:
            episodes = EPISODE.findall(r.text) if r.status_code == 200 else []
            if not episodes:
                r.failure(f"no caseload: {r.status_code} {r.url}")
                return
        episode = random.choice(episodes)
        with self.client.get(episode, name="clinician: client page", catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"client page: {r.status_code}")
                return
            page = r.text
        alerts = ALERT.findall(page)
        if alerts:
            data = {"csrfmiddlewaretoken": _found(CSRF, page) or "", "note": "", "next": episode}
            # As the page's button does it: an htmx request, answered with the alert's card.
            with self.client.post(
                random.choice(alerts),
                data=data,
                headers={"HX-Request": "true"},
                name="clinician: acknowledge alert",
                catch_response=True,
            ) as r:
                # A client's rating can withdraw the alert between the page and the click; the
                # designed answer is 404 with HX-Refresh, which makes the browser reload the
                # page. Anything else (a 500 included) is a failure.
                withdrawn = r.status_code == 404 and r.headers.get("HX-Refresh") == "true"
                if withdrawn:
                    r.success()
                elif r.status_code != 200 or 'class="acknowledged"' not in r.text:
                    r.failure(f"acknowledge: {r.status_code} {r.url}")


class Probe(HttpUser):
    """Only the health check: the baseline run, chosen by name on locust's command line."""

    wait_time = between(1, 3)

    @task
    def health(self) -> None:
        self.client.get("/healthz", name="baseline: health check")


class LoadProbe(HttpUser):
    """One user checking /healthz all through the load run: the floor under the same load."""

    fixed_count = 1
    wait_time = between(0.5, 1)

    @task
    def health(self) -> None:
        self.client.get("/healthz", name="health check under load")
