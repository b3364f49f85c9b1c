#!/usr/bin/env bash
# Screenshots of the main pages with the NTT demo, in headless Chromium (JavaScript off),
# at desktop and phone widths: `make screenshots`, then look at screenshots/*.png.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_chromium
export SATUDATA_VAR_DIR=${SATUDATA_VAR_DIR:-$(mktemp -d /tmp/satudata-shots.XXXXXX)}
PORT=${PORT:-8765}
BIN=.venv/bin
$BIN/satudata migrate -v0 --noinput
$BIN/satudata demo >/dev/null
$BIN/satudata serve --port "$PORT" --no-worker >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
mkdir -p screenshots
$BIN/python - "$PORT" <<'PY'
import sys
import django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satudata.settings")
django.setup()
from satudata.catalog.models import Dataset
from satudata.lib.browser import screenshot
base = f"http://127.0.0.1:{sys.argv[1]}"
dataset = Dataset.objects.visible_to(None).filter(title__icontains="miskin").first() or Dataset.objects.visible_to(None).first()
from satudata.stats.models import Indicator
indicator = next(iter(Indicator.objects.filter(is_key=True).order_by("pk").visible_to(None)), None)
pages = {"beranda": "/", "pencarian": "/dataset/?q=kemiskinan", "dataset": dataset.get_absolute_url(),
         "organisasi": "/organisasi/", "topik": "/topik/", "jadwal-rilis": "/jadwal-rilis/",
         "indikator-utama": "/indikator/"}
if indicator is not None:
    pages["indikator"] = indicator.get_absolute_url()
for name, path in pages.items():
    for width, height in ((1280, 1800), (390, 2400)):
        out = f"screenshots/{name}-{width}.png"
        screenshot(base + path, out, width=width, height=height)
        print(out)
PY
