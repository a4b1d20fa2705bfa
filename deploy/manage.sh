#!/bin/sh
# Run a manage.py command with the production environment (docs/deployment.md), e.g.
#   sudo -u alliance /srv/alliance/deploy/manage.sh migrate
# Reads /etc/alliance/alliance.env (or ALLIANCE_ENV_FILE), the file systemd gives the services,
# so a command run by hand sees exactly the settings the running site sees.
set -eu
env_file="${ALLIANCE_ENV_FILE:-/etc/alliance/alliance.env}"
cd "$(dirname "$0")/.."
set -a
. "$env_file"
set +a
exec .venv/bin/python manage.py "$@"
