#!/usr/bin/env bash
# Set-up shared by `npm run demo`, `npm test` and `npm run bench`: whatever a fresh machine lacks is
# installed or started here, and each step says what it does.
set -euo pipefail
cd "$(dirname "$0")/.."

# `bootstrap.sh tests` also installs what the test suite needs beyond the demo: Debian's Chromium and a Japanese
# font (the report test drives the browser; playwright-core's own download cannot work offline), LibreOffice Calc
# and poppler's tools (the progress-table test prints the workbook to PDF and counts its pages) and a Compose parser
# (the tests check that docker-compose.yml parses). As root with apt it installs them; otherwise it stops before the
# tests with the command to run.
if [ "${1:-}" = "tests" ]; then
  missing=()
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-calc-nogui)
  command -v pdfinfo >/dev/null 2>&1 || missing+=(poppler-utils)
  [ -n "$(fc-list :lang=ja 2>/dev/null)" ] || missing+=(fonts-ipafont-gothic)
  if ! docker compose version >/dev/null 2>&1 && ! command -v docker-compose >/dev/null 2>&1; then missing+=(docker-compose); fi
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
      echo "bootstrap: installing what the tests need: ${missing[*]}…"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
      echo "bootstrap: the tests need ${missing[*]}; install them first: sudo apt-get install -y ${missing[*]}" >&2
      exit 1
    fi
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "bootstrap: installing Node modules (npm ci)…"
  npm ci --no-audit --no-fund
fi

echo "bootstrap: compiling TypeScript…"
# npm run build also makes dist/cli/main.js executable: `npx ebpm` runs the package's own bin file directly.
npm run build --silent

# Go builds the Temporal CLI on first use; Debian-style installs keep it outside the default PATH.
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then export PATH="$PATH:/usr/local/go/bin"; fi

# No server and no DATABASE_URL: install PostgreSQL (as root with apt), with trust auth on 127.0.0.1 as the tests expect.
if ! command -v psql >/dev/null 2>&1 && ! command -v pg_ctlcluster >/dev/null 2>&1 && [ -z "${DATABASE_URL:-}" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "bootstrap: installing PostgreSQL (no server and no DATABASE_URL)…"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    sed -i 's/^\(host\s\+all\s\+all\s\+127.0.0.1\/32\s\+\)\S\+/\1trust/' /etc/postgresql/*/main/pg_hba.conf
  else
    echo "bootstrap: no PostgreSQL here; install it (sudo apt-get install -y postgresql) or set DATABASE_URL" >&2
    exit 1
  fi
fi

# A local DATABASE_URL (or none, which means the local default) needs the local server running.
case "${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/ebpm}" in
  *@127.0.0.1*|*@localhost*|*@/*)
    if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -q -h 127.0.0.1 -p 5432; then
      if command -v pg_ctlcluster >/dev/null 2>&1; then
        echo "bootstrap: starting the local PostgreSQL cluster…"
        pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n 1)" main start
      else
        echo "bootstrap: PostgreSQL is not answering on 127.0.0.1:5432; start it or set DATABASE_URL" >&2
      fi
    fi
    ;;
esac

# Without TEMPORAL_ADDRESS the scripts start a dev server from the Temporal CLI: build it once if missing.
if [ -z "${TEMPORAL_ADDRESS:-}" ]; then
  node dist/cli/main.js temporal install
fi
