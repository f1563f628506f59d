#!/usr/bin/env bash
# Makes sure the services the tests need are up, and fails loudly when one cannot be had: no test skips.
# PostgreSQL (127.0.0.1:5432, user postgres) carries the PostgreSQL half of the API suite; MariaDB
# (127.0.0.1:3306, root with an empty password) the database fixtures of @border0/testing.
set -euo pipefail
port_ready() { node -e "
  const s = require('node:net').connect($1, '127.0.0.1');
  s.on('connect', () => process.exit(0)); s.on('error', () => process.exit(1));" ; }
if ! port_ready 5432; then
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  fi
  for _ in $(seq 1 30); do port_ready 5432 && break; sleep 1; done
fi
if ! port_ready 5432; then
  echo "PostgreSQL is not reachable at 127.0.0.1:5432 and could not be started: the PostgreSQL suite needs it." >&2
  exit 1
fi
if ! port_ready 3306; then
  if [ -x /usr/sbin/mariadbd ]; then
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || true
  fi
  for _ in $(seq 1 30); do port_ready 3306 && break; sleep 1; done
fi
if ! port_ready 3306; then
  echo "MariaDB is not reachable at 127.0.0.1:3306 and could not be started: the MariaDB fixture tests need it." >&2
  exit 1
fi
