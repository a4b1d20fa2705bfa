"""Gunicorn with deploy/gunicorn.conf.py serves Alliance under production settings, as nginx
would reach it: the health check, the log-in page over the proxy's HTTPS, a redirect to HTTPS
for plain HTTP, and the static files collectstatic wrote: under hashed names, compressed, cached
for a year (WhiteNoise; nginx may serve the same folder instead, docs/deployment.md)."""

import http.client
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

from alliance.settings import BASE_DIR

HOST = "alliance.example.org"
GUNICORN = Path(sys.executable).parent / "gunicorn"
# The test process's own settings must not leak into the production server.
NOT_INHERITED = (
    "DJANGO_SETTINGS_MODULE",
    "DATABASE_URL",
    "ALLIANCE_SECRET_KEY",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(port: int, path: str, headers: dict[str, str]) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path, headers={"Host": HOST, **headers})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def _wait_until_serving(server: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, "gunicorn exited early"
        try:
            _get(port, "/healthz", {"X-Forwarded-Proto": "https"})
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("gunicorn did not answer within 60 seconds")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    folder = tmp_path_factory.mktemp("gunicorn")
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    env |= {
        "ALLIANCE_ENV": "production",
        "ALLIANCE_SECRET_KEY": secrets.token_urlsafe(50),
        "ALLIANCE_ALLOWED_HOSTS": HOST,
        "ALLIANCE_BEHIND_PROXY": "on",
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "alliance.settings",
        "ALLIANCE_STATIC_ROOT": str(folder / "static"),
    }
    collect = [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"]
    subprocess.run(collect, cwd=BASE_DIR, env=env, check=True, capture_output=True, timeout=300)
    port = _free_port()
    command = [str(GUNICORN), "--config", "deploy/gunicorn.conf.py"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "2"]
    log = (folder / "gunicorn.log").open("wb")
    server = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=log, stderr=log)
    try:
        _wait_until_serving(server, port)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def test_the_health_check_answers_ok(server: int) -> None:
    response = _get(server, "/healthz", {"X-Forwarded-Proto": "https"})
    assert response.status == 200
    assert response.getheader("Cache-Control", "").startswith("max-age=0")


def test_it_serves_the_log_in_page_over_the_proxys_https(server: int) -> None:
    response = _get(server, "/accounts/login/", {"X-Forwarded-Proto": "https"})
    assert response.status == 200
    assert "max-age=31536000" in response.getheader("Strict-Transport-Security", "")
    assert response.getheader("Content-Security-Policy")


def test_plain_http_is_sent_to_https(server: int) -> None:
    response = _get(server, "/accounts/login/", {})
    assert response.status == 301
    assert response.getheader("Location") == f"https://{HOST}/accounts/login/"


def test_an_unknown_host_is_refused(server: int) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", server, timeout=10)
    connection.request("GET", "/healthz", headers={"Host": "evil.example.com"})
    assert connection.getresponse().status == 400
    connection.close()


def test_static_files_are_hashed_compressed_and_cached_for_a_year(server: int) -> None:
    # The log-in page links its style sheets and scripts under names with their content hash, so
    # a browser may keep them for a year: a changed file gets a new name.
    page = _login_page_html(server)
    assets = re.findall(r'(?:href|src)="/static/([^"]+)"', page)
    assert assets, "the log-in page links no static files"
    for asset in assets:
        name, _dot, _suffix = asset.rpartition(".")
        original = re.sub(r"\.[0-9a-f]{12}$", "", name) + "." + _suffix
        assert original != asset, f"{asset} has no content hash in its name"
        assert finders.find(original), f"collectstatic would not find {original}"
        plain = _get(server, f"/static/{asset}", {"X-Forwarded-Proto": "https"})
        assert plain.status == 200
        assert "immutable" in plain.getheader("Cache-Control", "")
        assert "max-age=315360000" in plain.getheader("Cache-Control", "")
        packed = _get(
            server, f"/static/{asset}", {"X-Forwarded-Proto": "https", "Accept-Encoding": "br"}
        )
        assert packed.getheader("Content-Encoding") == "br", asset
        assert int(packed.getheader("Content-Length", "0")) < int(
            plain.getheader("Content-Length", "0")
        )


def _login_page_html(port: int) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request(
        "GET", "/accounts/login/", headers={"Host": HOST, "X-Forwarded-Proto": "https"}
    )
    body = connection.getresponse().read().decode()
    connection.close()
    return body
