#!/usr/bin/env bash
# Builds the release installers for this machine: .deb and .rpm on Linux (see README.md for
# AppImage, Windows and macOS). Prints where they are and how big.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npx tauri build --bundles deb,rpm "$@"
ls -l target/release/bundle/deb/*.deb target/release/bundle/rpm/*.rpm target/release/eventdesk
