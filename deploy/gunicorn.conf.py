"""Gunicorn settings for Alliance behind a TLS-terminating reverse proxy (docs/deployment.md).

Start:   gunicorn --config deploy/gunicorn.conf.py
Override any of these on the command line, e.g. ``--bind 127.0.0.1:8001 --workers 3`` (the
command line wins over this file), or with ``GUNICORN_CMD_ARGS``. Alliance's own settings come
from the environment (deploy/alliance.env.example, docs/settings.md), not from this file.
"""

import multiprocessing

wsgi_app = "alliance.wsgi:application"

# The proxy (nginx) talks to gunicorn over a local socket only; never expose gunicorn directly.
bind = ["127.0.0.1:8000"]

# Threads: a request mostly waits on PostgreSQL, so a few threads per process serve more
# clients than extra processes would, for less memory. Two processes per core, capped, so one
# small machine does not open more database connections than PostgreSQL allows by default.
workers = min(multiprocessing.cpu_count() * 2, 8)
worker_class = "gthread"
threads = 4

# A worker silent for this long is restarted; the slowest page (an agency report PDF) takes a
# few seconds, so this is generous. Restarting workers now and then bounds slow memory growth.
timeout = 60
graceful_timeout = 30
keepalive = 5
max_requests = 2000
max_requests_jitter = 200

# Only the local proxy may say the request came in over HTTPS (X-Forwarded-Proto); Django
# trusts the header only with ALLIANCE_BEHIND_PROXY=on.
forwarded_allow_ips = "127.0.0.1,::1"

# Errors to stderr (journald under systemd). No access log here: client answer links carry
# their one-time token in the path, and nginx writes the access log with that part masked.
errorlog = "-"
accesslog = None
loglevel = "info"

# The control socket is not used; without this gunicorn would write one under $HOME.
control_socket_disable = True
