#!/usr/bin/env bash
# Installs the Debian packages the browser tests need, when missing: apache2 and
# libapache2-mod-auth-openidc (the identity-aware proxy) and chromium (the browser; the tests
# never download one). Used by e2e/setup.sh and e2e/create-app/setup.sh.
set -euo pipefail
missing=()
[ -x /usr/sbin/apache2 ] || missing+=(apache2)
[ -f /usr/lib/apache2/modules/mod_auth_openidc.so ] || missing+=(libapache2-mod-auth-openidc)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ ${#missing[@]} -gt 0 ] || exit 0
echo "== installing Debian packages: ${missing[*]}"
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
# Keep Debian's apache2 service from starting on port 80: the tests start their own.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
