# Shared by deploy/ha and deploy/backup: which PostgreSQL binaries, and as whom the server runs.
# shellcheck shell=bash

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}   # the server's major version: a backup restores only there
PG_SERVER_USER=${PG_SERVER_USER:-$(id -un)}     # owns a restored data directory and runs its server
if [ "$PG_SERVER_USER" = root ]; then PG_SERVER_USER=postgres; fi  # PostgreSQL refuses to run as root
AS_PG=()                                        # prefix of a command run as PG_SERVER_USER (pg_ctl, patroni)
if [ "$(id -u)" = 0 ]; then
  AS_PG=(runuser -u "$PG_SERVER_USER" --)
elif [ "$PG_SERVER_USER" != "$(id -un)" ]; then
  echo "PG_SERVER_USER=$PG_SERVER_USER: only root may run the server as another user" >&2
  exit 1
fi

say() { printf '%s  %s\n' "$(date -u +%T)" "$*" >&2; }
