"""Production mode: `satudata check --deploy` is clean, and start-up refuses unsafe settings."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from satudata.lib.security import (
    documented_sample_keys,
    production_problems,
    proxy_ssl_header,
    secret_key_problem,
)

ROOT = Path(__file__).resolve().parent.parent
GOOD_KEY = secrets.token_urlsafe(64)
HOST = "data.nttprov.go.id"


def satudata(*args, env, tmp_path):
    """Run `python -m satudata ARGS` with only `env` as SATUDATA_* configuration."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SATUDATA_", "DJANGO_"))}
    clean.update({"SATUDATA_VAR_DIR": str(tmp_path / "var"), **env})
    return subprocess.run(
        [sys.executable, "-m", "satudata", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "SATUDATA_PRODUCTION": "1",
    "SATUDATA_SECRET_KEY": GOOD_KEY,
    "SATUDATA_ALLOWED_HOSTS": HOST,
}


def test_check_deploy_is_clean_in_production(tmp_path):
    result = satudata(
        "check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION, tmp_path=tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr
    assert not (tmp_path / "var" / "secret_key").exists()  # never a generated key in production


def test_production_turns_on_https_hsts_and_secure_cookies(tmp_path):
    code = (
        "import json; from django.conf import settings as s; print(json.dumps({n: getattr(s, n) "
        "for n in ['SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS',"
        " 'SECURE_HSTS_PRELOAD', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE',"
        " 'SESSION_COOKIE_HTTPONLY', 'CSRF_COOKIE_HTTPONLY', 'SECURE_PROXY_SSL_HEADER',"
        " 'SECURE_CONTENT_TYPE_NOSNIFF', 'X_FRAME_OPTIONS', 'DEBUG', 'WHITENOISE_USE_FINDERS']}"
        " | {'static': s.STORAGES['staticfiles']['BACKEND']}))"
    )
    env = {**PRODUCTION, "SATUDATA_PROXY_SSL_HEADER": "X-Forwarded-Proto"}
    result = satudata("shell", "-c", code, env=env, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values == {
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_HTTPONLY": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "X_FRAME_OPTIONS": "DENY",
        "DEBUG": False,
        # static files: only collectstatic's hashed, compressed copies (cached for a year)
        "WHITENOISE_USE_FINDERS": False,
        "static": "whitenoise.storage.CompressedManifestStaticFilesStorage",
    }


@pytest.mark.parametrize(
    "change, message",
    [
        ({"SATUDATA_SECRET_KEY": ""}, "SATUDATA_SECRET_KEY is not set"),
        ({"SATUDATA_SECRET_KEY": "django-insecure-" + GOOD_KEY}, "sample value"),
        ({"SATUDATA_SECRET_KEY": "ganti-dengan-kunci-acak-" + "x1y2" * 10}, "sample value"),
        ({"SATUDATA_SECRET_KEY": GOOD_KEY[:40]}, "shorter than 50"),
        ({"SATUDATA_ALLOWED_HOSTS": f"{HOST},*"}, "wildcard"),
        ({"SATUDATA_DEBUG": "1"}, "SATUDATA_DEBUG is on"),
    ],
)
def test_production_refuses_to_start_with_unsafe_settings(tmp_path, change, message):
    env = {**PRODUCTION, **change}
    if not env["SATUDATA_SECRET_KEY"]:
        del env["SATUDATA_SECRET_KEY"]
    result = satudata("check", env=env, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "Refusing to start with SATUDATA_PRODUCTION=1" in result.stderr
    assert message in result.stderr
    assert GOOD_KEY[:20] not in result.stderr  # the key itself is never printed


def test_development_needs_no_configuration(tmp_path):
    result = satudata("check", env={}, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert len((tmp_path / "var" / "secret_key").read_text().strip()) >= 50


@pytest.mark.parametrize(
    "key, refused",
    [
        (None, True),
        ("", True),
        ("a" * 60, True),  # too few different characters
        ("changeme-" + GOOD_KEY, True),
        ("CONTOH-" + GOOD_KEY, True),
        ("your-secret-key-" + GOOD_KEY, True),
        (GOOD_KEY[:49], True),
        (GOOD_KEY, False),
    ],
)
def test_secret_key_problem(key, refused):
    assert (secret_key_problem(key) is not None) is refused


def test_a_key_shown_in_the_documentation_is_refused(tmp_path):
    shown = "Qm7s" + secrets.token_hex(30)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "deployment.md").write_text(f"```\nSATUDATA_SECRET_KEY={shown}\n```\n")
    (tmp_path / "README.md").write_text("SATUDATA_SECRET_KEY: '$(openssl rand -base64 48)'\n")
    assert documented_sample_keys(tmp_path) == {shown}
    assert "documentation" in secret_key_problem(shown, tmp_path)
    assert secret_key_problem(GOOD_KEY, tmp_path) is None
    assert secret_key_problem(GOOD_KEY, ROOT) is None  # the real docs hold no usable key


def test_production_problems_need_explicit_hosts():
    ok = dict(secret_key=GOOD_KEY, debug=False, allowed_hosts=[HOST], allowed_hosts_set=True)
    assert production_problems(**ok) == []
    assert production_problems(**{**ok, "allowed_hosts_set": False}) == [
        "SATUDATA_ALLOWED_HOSTS is not set"
    ]


def test_proxy_ssl_header():
    assert proxy_ssl_header("") is None
    assert proxy_ssl_header("X-Forwarded-Proto") == ("HTTP_X_FORWARDED_PROTO", "https")
    assert proxy_ssl_header("X-Forwarded-Ssl=on") == ("HTTP_X_FORWARDED_SSL", "on")
