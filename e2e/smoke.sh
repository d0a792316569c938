#!/usr/bin/env bash
# Unpacks the .deb built by `npx tauri build --debug --bundles deb` (or the one given) into a
# temp folder with dpkg-deb -x, checks its metadata, runs the unpacked binary's --self-check and
# e2e/smoke.test.mjs against it under Xvfb. Nothing is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
deb=${1:-$(ls -t target/debug/bundle/deb/*.deb | head -1)}
echo "smoke: $deb ($(du -h "$deb" | cut -f1))"
[ "$(dpkg-deb -f "$deb" Package)" = eventdesk ] || { echo "smoke: wrong package name" >&2; exit 1; }
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || { echo "smoke: package version is not $version" >&2; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
dpkg-deb -x "$deb" "$dir"
session=()
command -v dbus-run-session >/dev/null && session=(dbus-run-session --)
# The unpacked copy's own self-check: the window on a temporary database, its first page and a
# pushed change on screen, then exit 0. Its HOME is a temp folder, so nothing of ours is read.
mkdir -p "$dir/home"
HOME="$dir/home" XDG_DATA_HOME="$dir/home/data" XDG_CONFIG_HOME="$dir/home/config"   XDG_CACHE_HOME="$dir/home/cache" LANG=en_US.UTF-8   "${session[@]}" xvfb-run -a -s "-screen 0 1280x800x24"   timeout 180 "$dir/usr/bin/eventdesk" --self-check | tee "$dir/self-check.log"
grep -q '^self-check: passed$' "$dir/self-check.log" || { echo "smoke: the self-check did not pass" >&2; exit 1; }
# It kept everything in its temporary folder: nothing of the app's (logs, the web view's data,
# window state) in the operator's folders.
strays=$(find "$dir/home" -iname '*eventdesk*' | head -5)
[ -z "$strays" ] || { echo "smoke: the self-check wrote into the operator's folders: $strays" >&2; exit 1; }
EVENTDESK_UNPACKED="$dir" EVENTDESK_E2E_APP="$dir/usr/bin/eventdesk" \
  "${session[@]}" xvfb-run -a -s "-screen 0 1280x800x24" node --test --test-concurrency=1 e2e/smoke.test.mjs
