#!/usr/bin/env bash
# Installs the Debian packages uoms needs to build and test. Idempotent: when
# everything is present it only runs dpkg-query and returns within a second.
# `--fuzz` adds clang-19 and its libFuzzer runtime for scripts/fuzz.sh (Debian 12's clang 14
# cannot compile libstdc++'s std::expected).
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libcli11-dev libcurl4-openssl-dev libsqlitecpp-dev libsqlite3-dev
  nlohmann-json3-dev libfmt-dev libtomlplusplus-dev doctest-dev
  libssl-dev libcrypt-dev libcpp-httplib-dev libzstd-dev
  python3 sqlite3 python3-prometheus-client
)
if [ "${1:-}" = "--fuzz" ]; then
  packages+=(clang-19 libclang-rt-19-dev)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "uoms: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
