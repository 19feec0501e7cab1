#!/usr/bin/env bash
# Installs promptfoo (pinned) into <repo>/.e2e/promptfoo with Node 24 (promptfoo needs Node >= 22.22), for
# the promptfoo evaluator and its integration test. Node 24 comes from scripts/e2e/setup.sh (installed first
# when missing). Idempotent: an install of this version is kept. Prints the time it took.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=e2e/env.sh
source "$ROOT/scripts/e2e/env.sh"
PROMPTFOO_VERSION="0.123.1"
PROMPTFOO_DIR="$E2E_DIR/promptfoo"
MARKER="$PROMPTFOO_DIR/.installed-$PROMPTFOO_VERSION"
start=$SECONDS

mkdir -p "$E2E_DIR" "$TMPDIR" "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME"

if ! node24_present; then
  # Only the Node step of scripts/e2e/setup.sh is needed here, not code-server.
  echo "[promptfoo] Node $NODE24_VERSION missing: installing it"
  install_node24
fi

if [ -f "$MARKER" ] && [ -f "$PROMPTFOO_DIR/node_modules/promptfoo/package.json" ]; then
  echo "[promptfoo] promptfoo $PROMPTFOO_VERSION present in $PROMPTFOO_DIR: skipped (${SECONDS}s)"
  exit 0
fi

echo "[promptfoo] installing promptfoo $PROMPTFOO_VERSION into $PROMPTFOO_DIR with node $("$NODE24_DIR/bin/node" --version) ..."
rm -rf "$PROMPTFOO_DIR"
mkdir -p "$PROMPTFOO_DIR"
# Own package.json so npm does not walk up to the project's.
printf '{ "name": "e2e-promptfoo", "private": true }\n' >"$PROMPTFOO_DIR/package.json"
(
  cd "$PROMPTFOO_DIR"
  # Node 24 first on PATH: npm (its shebang is `env node`) and any native module build run under it.
  # --omit=optional: promptfoo's optional providers (Codex, Claude Agent SDK, Playwright, AWS, Azure, …)
  # are 1.7 GB of the 2 GB a full install takes; its Node API and assertions need none of them.
  PATH="$NODE24_DIR/bin:$PATH" npm_config_nodedir="$NODE24_DIR" \
    npm install --no-audit --no-fund --no-save --loglevel=error --omit=optional "promptfoo@$PROMPTFOO_VERSION" </dev/null
)
# Proves the install loads under Node 24 (native modules included) before it is marked done.
(cd "$PROMPTFOO_DIR" && "$NODE24_DIR/bin/node" -e 'require("promptfoo"); console.log("[promptfoo] loads: ok")')
touch "$MARKER"
echo "[promptfoo] promptfoo $PROMPTFOO_VERSION ready in $((SECONDS - start))s, $(du -sh "$PROMPTFOO_DIR" | cut -f1) on disk"
