#!/usr/bin/env bash
# Installs the Debian packages the scale-out test starts for itself (PostgreSQL, nginx).
# Idempotent: does nothing when both are there. Needs root (or sudo) to install.
set -euo pipefail
have_pg() { ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; }
have_nginx() { command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; }
if have_pg && have_nginx; then
  echo "test services: PostgreSQL and nginx already installed"
  exit 0
fi
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# nginx-light is enough for proxy_pass/upstream; postgresql brings initdb and pg_isready.
$SUDO apt-get install -y -qq --no-install-recommends postgresql nginx-light >/dev/null
# Debian starts the packaged services on install; the tests run their own instances.
$SUDO sh -c 'service nginx stop; service postgresql stop' >/dev/null 2>&1 || true
have_pg && have_nginx
echo "test services: installed PostgreSQL and nginx"
