#!/usr/bin/env bash
# Run before `npm test`: the admin page's browser test drives Debian's chromium (no browser is downloaded by npm).
# Installs it with apt when it is missing and we may (root); otherwise says what to do.
set -euo pipefail
browser="${PATROL_CHROMIUM:-/usr/bin/chromium}"
[ -x "$browser" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "patrol: installing Debian's chromium for the admin page's browser test (apt-get install chromium)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "patrol: the browser test needs chromium at $browser: run 'sudo apt-get install chromium' or set PATROL_CHROMIUM" >&2
exit 1
