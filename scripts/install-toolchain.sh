#!/usr/bin/env bash
# Installs the guest toolchain (clang-19, lld-19) with apt-get when it is missing: Debian 12 or newer, as root or
# through password-less sudo. Used by guest/build.sh and by the test runner (scripts/test.mjs); exits non-zero,
# with a message, when it cannot install.
set -euo pipefail
if command -v clang-19 >/dev/null 2>&1 && command -v ld.lld-19 >/dev/null 2>&1; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "clang-19/lld-19 are missing and there is no apt-get: install them by hand" >&2
  exit 1
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  sudo=(sudo -n)
fi
echo "Installing clang-19 and lld-19 with apt-get..." >&2
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends clang-19 lld-19
