"""Gunicorn with deploy/gunicorn.conf.py serves Alliance under production settings, as nginx
would reach it: the health check, the log-in page over the proxy's HTTPS, a redirect to HTTPS
for plain HTTP, and no static files (nginx serves those from STATIC_ROOT)."""

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
    }
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


def test_static_files_are_left_to_nginx(server: int) -> None:
    # The log-in page's own style sheets and scripts: collectstatic will find each of them, and
    # gunicorn does not serve them (nginx does, from STATIC_ROOT; deploy/nginx-alliance.conf).
    page = _login_page_html(server)
    assets = re.findall(r'(?:href|src)="/static/([^"]+)"', page)
    assert assets, "the log-in page links no static files"
    for asset in assets:
        assert finders.find(asset), f"collectstatic would not find {asset}"
    response = _get(server, f"/static/{assets[0]}", {"X-Forwarded-Proto": "https"})
    assert response.status == 404


def _login_page_html(port: int) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request(
        "GET", "/accounts/login/", headers={"Host": HOST, "X-Forwarded-Proto": "https"}
    )
    body = connection.getresponse().read().decode()
    connection.close()
    return body
