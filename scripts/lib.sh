# Shell helpers shared by the test, screenshot and benchmark scripts.

apt_install() {
  # Installs Debian packages when we are root (CI and the dev machines); otherwise says how.
  if [ "$(id -u)" -ne 0 ]; then
    echo "Perlu paket sistem: $*. Pasang dengan: sudo apt-get install -y $*" >&2
    return 1
  fi
  if [ -z "${APT_UPDATED:-}" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

find_chromium() {
  for c in chromium chromium-browser google-chrome; do
    if command -v "$c" >/dev/null 2>&1; then command -v "$c"; return 0; fi
  done
  return 1
}

ensure_chromium() {
  if ! find_chromium >/dev/null; then
    echo "== installing Debian chromium (headless browser for page checks)"
    apt_install chromium fonts-dejavu-core
  fi
  CHROMIUM=$(find_chromium)
  export SATUDATA_TEST_CHROMIUM="$CHROMIUM"
}

ensure_gettext() {
  if ! command -v msgfmt >/dev/null 2>&1; then
    echo "== installing Debian gettext (checks the translation catalogue)"
    apt_install gettext
  fi
}

find_pg_bin() {
  if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v pg_ctl)")"; return 0
  fi
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -n "$d" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
  return 1
}

ensure_postgres() {
  if ! find_pg_bin >/dev/null; then
    echo "== installing Debian postgresql (server binaries for the test run)"
    apt_install postgresql
  fi
  PG_BIN=$(find_pg_bin)
}

pg_as() {
  # PostgreSQL refuses to run as root: as root, run its tools as the postgres user.
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_postgres() {
  PG_DIR=$(mktemp -d /tmp/satudata-pg.XXXXXX)
  chmod 755 "$PG_DIR"
  [ "$(id -u)" -eq 0 ] && chown postgres "$PG_DIR"
  PG_PORT=${PG_PORT:-$(( 20000 + RANDOM % 20000 ))}
  pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U satudata -E UTF8 --locale=C.UTF-8 >/dev/null
  pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w -t 60 \
    -o "-k $PG_DIR -p $PG_PORT -c listen_addresses='' -c fsync=off -c full_page_writes=off" start >/dev/null
  pg_as "$PG_BIN/createdb" -h "$PG_DIR" -p "$PG_PORT" -U satudata satudata
  PG_URL="postgres://satudata@/satudata?host=$PG_DIR&port=$PG_PORT"
  echo "   PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on socket $PG_DIR port $PG_PORT"
}

stop_postgres() {
  if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR/data" ]; then
    pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
  fi
}
