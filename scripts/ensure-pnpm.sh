#!/usr/bin/env bash
# Brings the pinned pnpm (a fresh machine has only Node and npm) and installs the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."
want=$(node -p "require('./package.json').packageManager.split('@')[1]")
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null)" != "$want" ]; then
  npm install --global --no-fund --no-audit "pnpm@$want" >/dev/null
fi
# Native addons must build against the installed Node headers: no header download is possible here.
export npm_config_nodedir=${npm_config_nodedir:-/usr}
pnpm install --frozen-lockfile --reporter=append-only
