#!/usr/bin/env bash
# Makes sure the services the tests need are up, and fails loudly when one cannot be had: no test skips.
# PostgreSQL (127.0.0.1:5432, user postgres) carries the PostgreSQL half of the API suite.
set -euo pipefail
pg_ready() { node -e "
  const s = require('node:net').connect(5432, '127.0.0.1');
  s.on('connect', () => process.exit(0)); s.on('error', () => process.exit(1));" ; }
if ! pg_ready; then
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  fi
  for _ in $(seq 1 30); do pg_ready && break; sleep 1; done
fi
if ! pg_ready; then
  echo "PostgreSQL is not reachable at 127.0.0.1:5432 and could not be started: the PostgreSQL suite needs it." >&2
  exit 1
fi
