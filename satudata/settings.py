"""One settings file, driven by the environment (SATUDATA_*).

Defaults give a working portal on SQLite with files under var/; production sets
SATUDATA_DATABASE_URL, SATUDATA_SECRET_KEY, SATUDATA_DEBUG=0 and SATUDATA_ALLOWED_HOSTS.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from satudata.lib.security import proxy_ssl_header as _proxy_ssl_header

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name, default=None):
    return os.environ.get(f"SATUDATA_{name}", default)


def env_bool(name, default):
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


VAR_DIR = Path(env("VAR_DIR", BASE_DIR / "var"))


# Production mode (docs/operations.md "Production checklist"): the secret key must come from
# the environment, HTTPS is enforced with HSTS, cookies are Secure, and start-up is refused
# when any of that is unsafe (satudata.lib.security.production_problems).
PRODUCTION = env_bool("PRODUCTION", False)


def _secret_key():
    """The key from the environment, or one generated once and kept in var/ (never in git)."""
    if env("SECRET_KEY") or PRODUCTION:  # production never falls back to a generated key
        return env("SECRET_KEY", "")
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
# Earlier keys, separated by spaces, still accepted for signed values and TOTP secrets while
# a rotation settles (docs/security.md "Staff sign-in").
SECRET_KEY_FALLBACKS = env("SECRET_KEY_FALLBACKS", "").split()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = [
    h for h in env("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver").split(",") if h
]
if PRODUCTION:
    from django.core.exceptions import ImproperlyConfigured

    from satudata.lib.security import production_problems

    _problems = production_problems(
        secret_key=SECRET_KEY,
        debug=DEBUG,
        allowed_hosts=ALLOWED_HOSTS,
        allowed_hosts_set=env("ALLOWED_HOSTS") is not None,
        base_dir=BASE_DIR,
    )
    if _problems:
        raise ImproperlyConfigured(
            "Refusing to start with SATUDATA_PRODUCTION=1: " + "; ".join(_problems)
        )
SITE_NAME = env("SITE_NAME", "Satu Data NTT")
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000")
# Seeds the stable UUIDs the CKAN Action API gives datasets, resources, OPDs and topics
# (empty: the host of SITE_URL). Set once; changing it changes every CKAN id.
CKAN_ID_NAMESPACE = env("CKAN_ID_NAMESPACE", "")
# The kode wilayah of the government that runs this portal (53 = Nusa Tenggara Timur).
HOME_REGION = env("HOME_REGION", "53")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "satudata.lib",
    "satudata.regions",
    "satudata.accounts",
    "satudata.catalog",
    "satudata.audit",
    "satudata.ingest",
    "satudata.workflow",
    "satudata.stats",
    "satudata.api",
    "satudata.portal",
    "satudata.notifications",
    "satudata.planning",
    "satudata.signing",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "satudata.lib.security.DownloadSafetyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "satudata.portal.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "satudata.accounts.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "satudata.api.v1.auth.TokenUseAuditMiddleware",
]

ROOT_URLCONF = "satudata.urls"
WSGI_APPLICATION = "satudata.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "satudata.portal.context_processors.site",
                "satudata.notifications.context_processors.inbox",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'satudata.sqlite3'}",
        conn_max_age=int(env("DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the worker write while pages read; synchronous=FULL makes every commit
    # durable before it is acknowledged (nothing acknowledged is ever lost).
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
            " PRAGMA busy_timeout=10000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Staff sign-in (docs/security.md "Staff sign-in"): password policy "bssn" (Peraturan BSSN
# 4/2021, binding on pemda) or "asvs" (OWASP ASVS 5.0); the BSSN maximum password age.
PASSWORD_POLICY = env("PASSWORD_POLICY", "bssn").strip().lower()
PASSWORD_MAX_AGE_DAYS = int(env("PASSWORD_MAX_AGE_DAYS", "180"))
from satudata.accounts.passwords import validators_for  # noqa: E402

AUTH_PASSWORD_VALIDATORS = validators_for(PASSWORD_POLICY)
# TOTP is mandatory for Walidata, Pembina, Pimpinan and Admin (0 only for a local demo).
TWO_FACTOR_ENFORCED = env_bool("TWO_FACTOR_ENFORCED", True)
# Lockout: LOGIN_MAX_FAILURES failures of one name (LOGIN_IP_MAX_FAILURES of one address)
# within LOGIN_FAILURE_WINDOW seconds lock sign-in for LOGIN_LOCKOUT_SECONDS.
LOGIN_MAX_FAILURES = int(env("LOGIN_MAX_FAILURES", "5"))
LOGIN_IP_MAX_FAILURES = int(env("LOGIN_IP_MAX_FAILURES", "50"))
LOGIN_FAILURE_WINDOW = int(env("LOGIN_FAILURE_WINDOW", "900"))
LOGIN_LOCKOUT_SECONDS = int(env("LOGIN_LOCKOUT_SECONDS", "900"))
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:home"

LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", "Asia/Makassar")  # WITA, the time zone of NTT
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every start without it
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Development serves straight from STATICFILES_DIRS, so `make run` needs no collectstatic
# step. Production (docs/operations.md "Production deployment") serves only what
# `collectstatic` wrote (`satudata serve` runs it): hashed, pre-compressed names that WhiteNoise
# sends with a one-year immutable Cache-Control; no finder looks through the source tree.
STATIC_COLLECTED = env_bool("STATIC_COLLECTED", PRODUCTION)
if STATIC_COLLECTED:
    STORAGES["staticfiles"] = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}
WHITENOISE_USE_FINDERS = not STATIC_COLLECTED

# Content-addressed file store (originals, derived files). Keys are SHA-256, never user input.
FILE_STORE_DIR = Path(env("FILE_STORE_DIR", VAR_DIR / "files"))
# Encryption at rest of Terbatas/Tertutup files (satudata.lib.crypto, docs/security.md): the
# master key as base64, else a key file (empty: VAR_DIR/master.key, made on first need); old
# master keys (base64, comma-separated, or a file with one per line) still decrypt until
# `satudata rotate-keys` has re-wrapped every file; where decrypted copies for DuckDB live.
MASTER_KEY = env("MASTER_KEY", "")
MASTER_KEY_FILE = env("MASTER_KEY_FILE", "")
MASTER_KEY_OLD = env("MASTER_KEY_OLD", "")
MASTER_KEY_OLD_FILE = env("MASTER_KEY_OLD_FILE", "")
DECRYPT_TMP_DIR = env("DECRYPT_TMP_DIR", "")
# Where stored files live (docs/operations.md "Production deployment: object storage"):
# "local" (FILE_STORE_DIR) or "s3" (an S3-compatible bucket; credentials from the standard
# AWS_* variables). Objects are `<S3_PREFIX>/files/<sha256>`; readers that need a path (DuckDB)
# get a copy from S3_CACHE_DIR, which is trimmed to S3_CACHE_MAX_BYTES. Addressing style:
# empty = "path" with an endpoint URL (MinIO, Ceph, ...), else botocore's "auto" (AWS).
FILE_STORE = env("FILE_STORE", "local").strip().lower()
S3_BUCKET = env("S3_BUCKET", "")
S3_ENDPOINT_URL = env("S3_ENDPOINT_URL", "")
S3_REGION = env("S3_REGION", "")
S3_PREFIX = env("S3_PREFIX", "")
S3_ADDRESSING_STYLE = env("S3_ADDRESSING_STYLE", "")
S3_CACHE_DIR = Path(env("S3_CACHE_DIR", VAR_DIR / "s3-cache"))
S3_CACHE_MAX_BYTES = int(env("S3_CACHE_MAX_BYTES", str(2 * 1024**3)))
# `satudata backup --encrypt`: the archive key is derived from this passphrase (scrypt) when
# set, else from the master key (HKDF); see docs/operations.md "Backups".
BACKUP_PASSPHRASE = env("BACKUP_PASSPHRASE", "")

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# `satudata serve` (docs/operations.md "Production deployment"): web processes (1 = waitress
# in one process, more = gunicorn), threads per web process (0 = the server's default) and
# background worker processes.
WEB_PROCESSES = int(env("WEB_PROCESSES", "1"))
WEB_THREADS = int(env("WEB_THREADS", "0"))
TASK_WORKERS = int(env("TASK_WORKERS", "1"))

# Guard rails (checked at start-up by satudata.lib.checks).
PREVIEW_ROWS = int(env("PREVIEW_ROWS", "10"))
SEARCH_PAGE_SIZE = int(env("SEARCH_PAGE_SIZE", "20"))
# Datasets per page of the DCAT catalogue (/catalog.ttl|.jsonld|.rdf, Hydra paging).
DCAT_PAGE_SIZE = int(env("DCAT_PAGE_SIZE", "100"))
SEARCH_MAX_QUERY_LENGTH = int(env("SEARCH_MAX_QUERY_LENGTH", "200"))
UPLOAD_MAX_BYTES = int(env("UPLOAD_MAX_BYTES", str(200 * 1024 * 1024)))
# Ed25519 private key that signs release manifests (empty: VAR_DIR/signing.key, made on first need).
SIGNING_KEY_FILE = env("SIGNING_KEY_FILE", "")

# Query engine (satudata.stats.query) and /api/v1: DuckDB over published Parquet.
QUERY_TIME_LIMIT_MS = int(env("QUERY_TIME_LIMIT_MS", "5000"))
QUERY_DEFAULT_PAGE_SIZE = int(env("QUERY_DEFAULT_PAGE_SIZE", "100"))
QUERY_MAX_PAGE_SIZE = int(env("QUERY_MAX_PAGE_SIZE", "1000"))
QUERY_MAX_GROUPS = int(env("QUERY_MAX_GROUPS", "10000"))
QUERY_FACET_SIZE = int(env("QUERY_FACET_SIZE", "30"))
QUERY_THREADS = int(env("QUERY_THREADS", "2"))
QUERY_MEMORY_LIMIT = env("QUERY_MEMORY_LIMIT", "512MB")
QUERY_CACHE_ENTRIES = int(env("QUERY_CACHE_ENTRIES", "2000"))
API_TOKEN_MAX_DAYS = int(env("API_TOKEN_MAX_DAYS", "365"))
# How long package_search keeps a count or facet (0: never; edits invalidate at once anyway).
CKAN_SEARCH_CACHE_SECONDS = int(env("CKAN_SEARCH_CACHE_SECONDS", "300"))
# Audit trail (docs/audit.md): the append-only witness file outside the database ("" = none)
# and the HMAC key of the hash chain ("" = plain SHA-256; keep the key outside the database).
AUDIT_WITNESS_FILE = env("AUDIT_WITNESS_FILE", str(VAR_DIR / "audit-witness.log"))
AUDIT_HMAC_KEY = env("AUDIT_HMAC_KEY", "")
# A non-public version read through a page preview, /api/v1 or CKAN is recorded at most once
# per user, token, version and channel in this many seconds (downloads: every time).
AUDIT_ACCESS_DEDUP_SECONDS = int(env("AUDIT_ACCESS_DEDUP_SECONDS", "3600"))

# Safe output (docs/security.md "Safe output"; satudata.lib.security).
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True  # the token travels in forms; no script reads the cookie
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"  # embeds opt out with satudata.lib.security.embeddable
SECURE_REFERRER_POLICY = "same-origin"
SECURE_SSL_REDIRECT = env_bool("SSL_REDIRECT", PRODUCTION)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
# Behind a TLS-terminating proxy: the header it sets, e.g. "X-Forwarded-Proto" (=https).
SECURE_PROXY_SSL_HEADER = _proxy_ssl_header(env("PROXY_SSL_HEADER", ""))
# Addresses or networks of the reverse proxies whose X-Forwarded-For gives the client's address
# (satudata.lib.proxy, the WSGI application of `satudata serve`), comma-separated; empty: none.
TRUSTED_PROXIES = [p.strip() for p in env("TRUSTED_PROXIES", "").split(",") if p.strip()]
SECURE_HSTS_SECONDS = int(env("HSTS_SECONDS", str(365 * 24 * 3600) if PRODUCTION else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", PRODUCTION)
# django-csp 4: nothing loads from another site; inline scripts and style attributes are
# refused; only satudata.lib.security.embeddable views may be framed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}
CSRF_TRUSTED_ORIGINS = [o for o in env("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "satudata@localhost")
# SMTP (used when SATUDATA_EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend).
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(env("EMAIL_TIMEOUT", "10"))
# The file backend (django.core.mail.backends.filebased.EmailBackend) writes here.
EMAIL_FILE_PATH = Path(env("EMAIL_FILE_PATH", VAR_DIR / "mail"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
}
