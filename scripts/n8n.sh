#!/usr/bin/env bash
# Installs the n8n of tests/n8n/package.json (1.82.3) from npm into a cache directory outside
# the checkout, once per machine, and prints the path of its `n8n` executable on stdout. Used
# by tests/e2e/test_n8n.py and started in the background by .ci/run; a finished install is
# reused within a second, and a second caller waits for one in progress.
#
# Why these pins: n8n 2.x needs Node 24 while Debian 12 ships Node 18 (the CI image Node 20),
# so 1.82.3; its xlsx dependency points at a tarball outside the npm registry, hence the
# override. Native modules (sqlite3) are compiled here against the installed node headers,
# because their prebuilt binaries and node-gyp's header download come from hosts this
# machine cannot reach.
#
# --no-apt: never call apt-get (.ci/run's background start, which must not take dpkg's lock
# from scripts/deps.sh); a missing Node then fails this run and the test's own call installs it.
#
# Exit 0 with the path, or non-zero with the reason on stderr (the test then skips).
set -euo pipefail

apt=yes
if [ "${1:-}" = "--no-apt" ]; then apt=no; fi

root=$(cd "$(dirname "$0")/.." && pwd)
manifest="$root/tests/n8n/package.json"
dir=${UOMS_N8N_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/uoms-n8n}
bin="$dir/node_modules/.bin/n8n"
mkdir -p "$dir"

# One install at a time per cache directory; later callers wait and then reuse it.
exec 9>"$dir/.lock"
flock 9

stamp="$dir/installed-$(sha256sum "$manifest" | cut -c1-16)"
if [ -x "$bin" ] && [ -f "$stamp" ]; then
  echo "$bin"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
apt_install() {
  if [ "$apt" = no ]; then
    echo "uoms: $* missing and --no-apt given" >&2
    exit 1
  fi
  echo "uoms: installing $*" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    -o DPkg::Lock::Timeout=600 "$@" >/dev/null
}
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  apt_install nodejs npm
fi

major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 18 ] || [ "$major" -gt 22 ]; then
  echo "uoms: n8n 1.82.3 needs Node 18 to 22; this machine has $(node --version)" >&2
  exit 1
fi

# node-gyp compiles against these headers instead of downloading them.
nodedir=""
for d in /usr /usr/local; do
  if [ -f "$d/include/node/node_api.h" ]; then nodedir=$d; break; fi
done
if [ -z "$nodedir" ]; then
  apt_install libnode-dev
  nodedir=/usr
fi
for tool in make g++ python3; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "uoms: $tool is needed to compile n8n's native modules (scripts/deps.sh installs it)" >&2
    exit 1
  fi
done

echo "uoms: installing n8n into $dir (once per machine; several minutes)" >&2
start=$(date +%s)
cp "$manifest" "$dir/package.json"
rm -f "$dir"/installed-*
if ! (cd "$dir" && npm_config_nodedir=$nodedir npm install --omit=dev --no-audit --no-fund \
  --update-notifier=false --fetch-timeout=60000 --fetch-retries=3 --loglevel=error >"$dir/npm-install.log" 2>&1); then
  echo "uoms: npm install failed; the end of $dir/npm-install.log:" >&2
  tail -n 30 "$dir/npm-install.log" >&2
  exit 1
fi
if ! "$bin" --version >/dev/null 2>&1; then
  echo "uoms: $bin --version fails after the install" >&2
  exit 1
fi
echo "$(($(date +%s) - start)) s" >"$stamp"
echo "uoms: n8n installed in $(cat "$stamp")" >&2
echo "$bin"
