#!/usr/bin/env bash
# Installs what Eventdesk needs on Debian/Ubuntu: Tauri's system packages (apt), the npm
# packages (npm ci) and, with --e2e, what the tests need besides: Xvfb, WebKitWebDriver,
# Alertmanager (the sources' tests start their own), strace (the durability test watches the
# tool's syncs and acks with it) and tauri-driver in .tools/. Safe to run
# again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

TAURI_DRIVER_VERSION=2.1.0
PACKAGES=(libwebkit2gtk-4.1-dev build-essential curl wget file libxdo-dev libssl-dev
  libayatana-appindicator3-dev librsvg2-dev)
E2E_PACKAGES=(xvfb xauth webkit2gtk-driver imagemagick dbus prometheus-alertmanager strace)

e2e=false
[ "${1:-}" = "--e2e" ] && e2e=true
$e2e && PACKAGES+=("${E2E_PACKAGES[@]}")

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi

if ! command -v cargo >/dev/null; then
  echo "setup: Rust is missing. Install it with rustup (https://rustup.rs), then run this again." >&2
  exit 1
fi
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' 2>/dev/null; then
  echo "setup: Node.js 20.19 or newer is needed (found: $(node --version 2>/dev/null || echo none))." >&2
  exit 1
fi

# npm ci only when package-lock.json changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

if $e2e && ! .tools/bin/tauri-driver --help >/dev/null 2>&1; then
  cargo install tauri-driver --version "$TAURI_DRIVER_VERSION" --locked --root .tools
fi
