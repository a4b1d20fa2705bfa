#!/bin/sh
# Back up the Alliance database with pg_dump (docs/deployment.md, "Backups").
#   DATABASE_URL=postgres://... BACKUP_DIR=/var/backups/alliance [KEEP_DAYS=35] deploy/backup.sh
# Writes BACKUP_DIR/alliance-<UTC time>.dump (pg_dump's custom format, compressed), checks that
# pg_restore can read it, deletes dumps older than KEEP_DAYS, and prints the new file's path.
# tests/ops/deploy/test_backup_restore.py runs this script and restores what it writes.
set -eu
: "${DATABASE_URL:?Set DATABASE_URL, e.g. postgres://alliance@127.0.0.1:5432/alliance}"
: "${BACKUP_DIR:?Set BACKUP_DIR, the folder for the dumps}"
KEEP_DAYS="${KEEP_DAYS:-35}"

# The dumps hold clinical data: readable by their owner only.
umask 077
mkdir -p "$BACKUP_DIR"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
partial="$BACKUP_DIR/.alliance-$stamp.dump.partial"
final="$BACKUP_DIR/alliance-$stamp.dump"

pg_dump --format=custom --no-owner --no-privileges --file "$partial" "$DATABASE_URL"
# A dump pg_restore cannot list is no backup; a half-written file never gets the final name.
pg_restore --list "$partial" >/dev/null
mv "$partial" "$final"
find "$BACKUP_DIR" -maxdepth 1 -name 'alliance-*.dump' -mtime +"$KEEP_DAYS" -delete
echo "$final"
