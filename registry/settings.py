"""Settings for the registry, every value from the environment.

Development works with no environment at all (SQLite, tasks in-process, mail on the
console). Production (``DEBUG`` off) refuses to start without the values it needs.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=False)
# The quick start runs with DEBUG on; anything else is treated as production.
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY is required when DEBUG is off")
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is required when DEBUG is off")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Behind a reverse proxy that passes the public host name in X-Forwarded-Host rather than
# in Host. Only with a proxy that sets (or strips) the header: anyone can write it.
USE_X_FORWARDED_HOST = env_bool("USE_X_FORWARDED_HOST", default=False)

INSTALLED_APPS = [
    # First, so that its createsuperuser (refused: a password alone must never make an
    # administrator) replaces django.contrib.auth's.
    "accounts",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Django's form templates, for FORM_RENDERER below.
    "django.forms",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "guardian",
    "phonenumber_field",
    "django_countries",
    # The task outbox (registry/outbox): infrastructure, no app of ours below it.
    "registry.outbox",
    "organizations",
    "communications",
    "billing",
    "gdpr",
]

MIDDLEWARE = [
    # First: one log line per request, with the id the other lines of the request carry.
    "registry.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Load balancers' probes: answered before sessions, the host check and CSRF.
    "registry.health.HealthCheckMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages of personal data: no browser or proxy keeps them (static files above excepted).
    "registry.middleware.NoStoreMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The signed-in user is the actor of the audit entries a request writes.
    "gdpr.middleware.AuditActorMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "registry.outbox.middleware.DelayedWorkMiddleware",
    # A cache or private storage that is down: a 503 page saying so (registry/outages.py).
    "registry.outages.OutageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.ThrottledUserSessionsMiddleware",
    "accounts.middleware.StaffMFAMiddleware",
]

ROOT_URLCONF = "registry.urls"
WSGI_APPLICATION = "registry.wsgi.application"
ASGI_APPLICATION = "registry.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            # Cheaper {% url %}, labels and dates for the rows of long lists.
            "libraries": {"listing": "registry.listing", "fragments": "registry.fragments"},
        },
    },
]

# Forms render through the templates above, so that templates/django/forms/ can replace
# Django's widget templates (a select's options written inline, not included one by one);
# inputs, selects and text areas are written in Python with the same markup while their
# templates are those (registry/form_renderer.py).
FORM_RENDERER = "registry.form_renderer.FormRenderer"

# --- Database -------------------------------------------------------------------------
# Unset: a SQLite file for the quick start. Set: PostgreSQL through psycopg 3 and its pool.
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    _db = dj_database_url.parse(DATABASE_URL, conn_max_age=0)
    if _db["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_URL must point to PostgreSQL (postgres://...)")
    # A database host that does not answer fails the connection in seconds, not after the
    # operating system's TCP timeout (minutes); a value in DATABASE_URL's query wins.
    _db.setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 5)
    )
    # PostgreSQL's JIT compiles a query whose estimated cost is high: the erasure's lookups
    # (OR'ed subqueries over small tables, estimated at a million) spent 4-5 s each in LLVM
    # for a few milliseconds of work. OLTP pages gain nothing from it. DATABASE_JIT=true
    # (or "options" in DATABASE_URL's query) leaves the server's own setting.
    if not env_bool("DATABASE_JIT", default=False):
        _db["OPTIONS"].setdefault("options", "-c jit=off")
    # Prepared statements, for the few queries that ask for them (registry/prepared.py: the
    # admin-rights check of every organization page, whose planning cost PostgreSQL ten
    # times its running, and the member and payments lists' rows). Django turns them off
    # for every connection, for the sake of
    # transaction-pooling proxies; the ORM's own queries bind on the client and are never
    # prepared either way. Behind such a proxy without prepared-statement support,
    # DATABASE_PREPARED_STATEMENTS=false.
    if env_bool("DATABASE_PREPARED_STATEMENTS", default=True):
        _db["OPTIONS"].setdefault("prepare_threshold", 2)
    # The Celery worker sets DATABASE_POOL=false: its prefork children close the pool
    # after every task, so pooling there only costs reconnects.
    if env_bool("DATABASE_POOL", default=True):
        from psycopg_pool import ConnectionPool

        _db.setdefault("OPTIONS", {})["pool"] = {
            "min_size": env_int("DATABASE_POOL_MIN_SIZE", 1),
            "max_size": env_int("DATABASE_POOL_MAX_SIZE", 10),
            "timeout": env_int("DATABASE_POOL_TIMEOUT", 10),
            # A connection the server closed (PostgreSQL restarted, a failover, an idle
            # timeout) is replaced before a request gets it, instead of failing that
            # request: one round trip per checkout.
            "check": ConnectionPool.check_connection,
        }
    else:
        # The worker: a connection is checked before each task reuses it (Django closes
        # it after every task anyway while CONN_MAX_AGE is 0; this covers a longer age).
        _db["CONN_HEALTH_CHECKS"] = True
    DATABASES = {"default": _db}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------
# allauth's rate limits count in this cache; it must be shared between processes in
# production, so Redis is required there.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "registry"),
            # A Redis that stops answering fails a request in seconds instead of holding
            # the web process until the server's own timeout.
            "OPTIONS": {
                "socket_connect_timeout": env_int("REDIS_CONNECT_TIMEOUT", 2),
                "socket_timeout": env_int("REDIS_SOCKET_TIMEOUT", 5),
            },
        }
    }
else:
    if not DEBUG and not env_bool("ALLOW_LOCAL_CACHE", default=False):
        raise ImproperlyConfigured(
            "REDIS_URL is required when DEBUG is off: rate limits need a shared cache"
        )
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Sessions stay in the database, not in this cache: a cache that is down must not sign
# everybody out (it only stops sign-ins, registry/outages.py).
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- Authentication -------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:my_data"

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "gdpr.forms.SignupNoticeForm"
ACCOUNT_FORMS = {"signup": "accounts.forms.SignupForm"}
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = False
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
# Confirming the address in the browser that signed up finishes that sign-in and returns
# to where the person was going (e.g. an invitation).
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_CHANGE_EMAIL = False
ACCOUNT_MAX_EMAIL_ADDRESSES = 5
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# Rate limits stay on everywhere, tests included (tests clear the cache instead).
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
}

# Behind reverse proxies every request arrives from the proxy's address: the rate limits
# would count everyone as one client, and the sign-in history and download log would name
# the proxy. allauth takes the client from X-Forwarded-For, counting this many trusted
# proxies from the right, or from a header the proxy sets (e.g. X-Real-IP); the same
# address is recorded everywhere (accounts.client_ip). With neither, the header is ignored:
# anyone can write it.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if ALLAUTH_TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more")
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env_str("TRUSTED_CLIENT_IP_HEADER") or None

MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = False
# allauth's security-key forms leave the key's name unlabelled (English "Name").
MFA_FORMS = {
    "add_webauthn": "accounts.forms.AddSecurityKeyForm",
    "edit_webauthn": "accounts.forms.EditSecurityKeyForm",
}
MFA_TOTP_ISSUER = env_str("MFA_TOTP_ISSUER", "Ilmailurekisteri")
# WebAuthn needs HTTPS; on the plain-HTTP quick start browsers only allow it on localhost.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG

USERSESSIONS_TRACK_ACTIVITY = True

# guardian would otherwise put an "AnonymousUser" row in the user table, where it would
# show up in member lists and exports.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# --- Internationalisation -------------------------------------------------------------
LANGUAGE_CODE = "fi"
LANGUAGES = [("fi", _("Finnish")), ("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates as the pages write them (5.12.2026 14:05) in every language: registry/formats.
FORMAT_MODULE_PATH = ["registry.formats"]
TIME_ZONE = "Europe/Helsinki"
USE_I18N = True
USE_TZ = True
PHONENUMBER_DEFAULT_REGION = "FI"
PHONENUMBER_DB_FORMAT = "E164"
PHONENUMBER_DEFAULT_FORMAT = "INTERNATIONAL"
COUNTRIES_FIRST = ["FI", "SE", "EE", "NO"]

# --- Static files ---------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
PRIVATE_MEDIA_ROOT = Path(env_str("PRIVATE_MEDIA_ROOT", str(BASE_DIR / "private")))
# Attachments, letters and exports: never served by URL, only through views that check who
# is asking (registry/downloads.py). A local folder by default; with a bucket named, a
# private bucket on S3-compatible object storage that every node shares.
PRIVATE_STORAGE_BUCKET = env_str("PRIVATE_STORAGE_BUCKET")
if PRIVATE_STORAGE_BUCKET:
    _endpoint_url = env_str("PRIVATE_STORAGE_ENDPOINT_URL")
    _private_storage_options = {
        "bucket_name": PRIVATE_STORAGE_BUCKET,
        "endpoint_url": _endpoint_url or None,
        "region_name": env_str("PRIVATE_STORAGE_REGION") or None,
        # Unset: boto3's own chain (AWS_* variables, an instance or pod role).
        "access_key": env_str("PRIVATE_STORAGE_ACCESS_KEY_ID") or None,
        "secret_key": env_str("PRIVATE_STORAGE_SECRET_ACCESS_KEY") or None,
        "location": env_str("PRIVATE_STORAGE_PREFIX").strip("/"),
        # MinIO and most self-hosted servers know buckets by path, AWS by host name.
        "addressing_style": env_str(
            "PRIVATE_STORAGE_ADDRESSING_STYLE", "path" if _endpoint_url else "virtual"
        ),
        "object_parameters": {},
        "connect_timeout": env_int("PRIVATE_STORAGE_CONNECT_TIMEOUT", 5),
        "read_timeout": env_int("PRIVATE_STORAGE_READ_TIMEOUT", 30),
    }
    _encryption = env_str("PRIVATE_STORAGE_ENCRYPTION")
    if _encryption not in ("", "AES256", "aws:kms"):
        raise ImproperlyConfigured(
            f"PRIVATE_STORAGE_ENCRYPTION must be AES256 or aws:kms, got {_encryption!r}"
        )
    if _encryption:
        _private_storage_options["object_parameters"]["ServerSideEncryption"] = _encryption
    if env_str("PRIVATE_STORAGE_KMS_KEY_ID"):
        if _encryption != "aws:kms":
            raise ImproperlyConfigured(
                "PRIVATE_STORAGE_KMS_KEY_ID needs PRIVATE_STORAGE_ENCRYPTION=aws:kms"
            )
        _private_storage_options["object_parameters"]["SSEKMSKeyId"] = env_str(
            "PRIVATE_STORAGE_KMS_KEY_ID"
        )
    _private_storage = {
        "BACKEND": "registry.storage.PrivateS3Storage",
        "OPTIONS": _private_storage_options,
    }
else:
    _private_storage = {
        "BACKEND": "registry.storage.PrivateFileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT)},
    }
# stream: through the web process, in chunks; redirect: to a link to the object that works
# for PRIVATE_STORAGE_SIGNED_URL_SECONDS (object storage only), after the same checks.
PRIVATE_STORAGE_DOWNLOAD = env_str("PRIVATE_STORAGE_DOWNLOAD", "stream")
if PRIVATE_STORAGE_DOWNLOAD not in ("stream", "redirect"):
    raise ImproperlyConfigured(
        f"PRIVATE_STORAGE_DOWNLOAD must be stream or redirect, got {PRIVATE_STORAGE_DOWNLOAD!r}"
    )
PRIVATE_STORAGE_SIGNED_URL_SECONDS = env_int("PRIVATE_STORAGE_SIGNED_URL_SECONDS", 60)
if not 1 <= PRIVATE_STORAGE_SIGNED_URL_SECONDS <= 3600:
    raise ImproperlyConfigured("PRIVATE_STORAGE_SIGNED_URL_SECONDS must be 1 to 3600")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": _private_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# In development whitenoise serves straight from the app folders (no collectstatic).
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))

# --- Email ----------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Ilmailurekisteri <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
_email_host = env_str("EMAIL_HOST")
if _email_host:
    _mailer = {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": _email_host,
            "port": env_int("EMAIL_PORT", 587),
            "username": env_str("EMAIL_HOST_USER"),
            "password": env_str("EMAIL_HOST_PASSWORD"),
            "use_tls": env_bool("EMAIL_USE_TLS", default=True),
            "timeout": 20,
        },
    }
elif env_str("EMAIL_FILE_PATH"):
    _mailer = {
        "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "OPTIONS": {"file_path": env_str("EMAIL_FILE_PATH")},
    }
    # Django's deployment check counts the file backend as development-only (mail.E001);
    # here it is chosen on purpose: another program sends the files, or nothing should be
    # sent (a staging copy). Silenced only on this branch, so SMTP stays checked.
    SILENCED_SYSTEM_CHECKS = ["mail.E001"]
elif DEBUG:
    # Headers and the text decoded, so the links in it can be pasted as they are.
    _mailer = {"BACKEND": "registry.mail.ReadableConsoleEmailBackend"}
else:
    raise ImproperlyConfigured("EMAIL_HOST (or EMAIL_FILE_PATH) is required when DEBUG is off")
MAILERS = {"default": _mailer}

# --- Celery ---------------------------------------------------------------------------
# Unset broker: tasks run in-process, which is what the quick start wants.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 25 * 60)
# Above the longest task, or Redis hands a running task to a second worker.
# Redis broker: a message whose worker died without acknowledging it comes back only after
# the visibility timeout; RabbitMQ redelivers at once. The timeout must stay above the
# longest task (CELERY_TASK_TIME_LIMIT), or Redis hands a task that is still running to a
# second worker: lowering it trades faster recovery for duplicate runs. Lower the time
# limit (the timeout follows it) rather than the margin (README, "When something is down").
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_TASK_TIME_LIMIT + 600,
    # A Redis broker host that does not answer fails a publish in seconds; the outbox
    # (registry/outbox) keeps the task and sends it later.
    "socket_connect_timeout": env_int("CELERY_BROKER_CONNECT_TIMEOUT", 2),
}
# The same for AMQP (RabbitMQ): a web request waits seconds, not the default retries.
CELERY_BROKER_CONNECTION_TIMEOUT = env_int("CELERY_BROKER_CONNECT_TIMEOUT", 2)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker that loses the broker's connection stops its running late-acknowledged tasks:
# the broker redelivers them, and the same work would otherwise run twice at once.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_TIMEZONE = TIME_ZONE
# The worker logs through LOGGING below (JSON in production, with the request id of the
# request that enqueued the task), not through a handler of its own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# A static schedule: django-celery-beat does not support this Django version yet.
CELERY_BEAT_SCHEDULE = {
    # Everything past its retention period (gdpr.retention.jobs registry), each run logged.
    "retention-jobs": {
        "task": "gdpr.tasks.run_retention_jobs",
        "schedule": 60 * 60 * 24,
    },
    "mark-overdue-invoices": {
        "task": "billing.tasks.mark_overdue_invoices",
        "schedule": 60 * 60 * 6,
    },
    # Access exports are deleted once their download link expires.
    # Tasks the broker did not take when they were enqueued (registry/outbox).
    "publish-outbox": {
        "task": "outbox.publish_pending",
        "schedule": 60,
    },
    "purge-expired-exports": {
        "task": "gdpr.tasks.purge_expired_exports",
        "schedule": 60 * 60,
    },
}

# The public address of the service, for links in mail sent outside a request (Celery).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000" if DEBUG else "")
if not DEBUG and not SITE_URL:
    raise ImproperlyConfigured("SITE_URL is required when DEBUG is off (links in email)")
INVITATION_VALID_DAYS = env_int("INVITATION_VALID_DAYS", 14)

# Data protection. The key of the keyed hashes that outlive erased people (suppression
# entries, consent proofs). Production needs its own: SECRET_KEY gets rotated after a leak,
# and with it every erased person's marketing ban would silently stop matching.
GDPR_HASH_KEY = env_str("GDPR_HASH_KEY", "")
if not DEBUG and not GDPR_HASH_KEY:
    raise ImproperlyConfigured(
        "GDPR_HASH_KEY is required when DEBUG is off (it keeps erased people's marketing"
        " bans in force; never rotate it). An existing installation sets it to the"
        " SECRET_KEY it has used so far, or the bans it keeps stop matching."
    )
# Days an access/portability export can be downloaded before it is deleted.
DATA_EXPORT_VALID_DAYS = env_int("DATA_EXPORT_VALID_DAYS", 7)
# The controller named in access reports (Art. 15) until the controller saves its details
# in the admin (gdpr.ControllerDetails); read through gdpr.notice.document.controller_contact().
CONTROLLER_NAME = env_str("CONTROLLER_NAME", "Ilmailurekisteri")
CONTROLLER_EMAIL = env_str("CONTROLLER_EMAIL", "tietosuoja@localhost" if DEBUG else "")
CONTROLLER_ADDRESS = env_str("CONTROLLER_ADDRESS", "")
# Years a withdrawn or erased person's consent is kept as proof (general limitation
# period of the Act on the Limitation of Debts 728/2003).
CONSENT_PROOF_YEARS = env_int("CONSENT_PROOF_YEARS", 3)
# Encrypted database backups (manage.py backup / restore, gdpr.backups): days each is
# kept (stated in the privacy notice), the age public keys they are encrypted to, and the
# secret key (or a file holding it) that restores them — needed only where restoring.
BACKUP_RETENTION_DAYS = env_int("BACKUP_RETENTION_DAYS", 35)
BACKUP_AGE_RECIPIENTS = env_str("BACKUP_AGE_RECIPIENTS", "")
BACKUP_AGE_IDENTITY = env_str("BACKUP_AGE_IDENTITY", "")

# How long the login history shown on "My data" is kept.
LOGIN_EVENT_RETENTION_DAYS = env_int("LOGIN_EVENT_RETENTION_DAYS", 90)
# Accounts whose address was never confirmed are deleted after this many days.
UNCONFIRMED_SIGNUP_RETENTION_DAYS = env_int("UNCONFIRMED_SIGNUP_RETENTION_DAYS", 30)
# An ended membership is kept this long for settling it (last invoices, questions).
ENDED_MEMBERSHIP_RETENTION_DAYS = env_int("ENDED_MEMBERSHIP_RETENTION_DAYS", 365)
# Days after its link expired that an invitation nobody accepted (name, address and the
# mail sent to it) is kept, so the admin can still see it and invite again.
UNACCEPTED_INVITATION_RETENTION_DAYS = env_int("UNACCEPTED_INVITATION_RETENTION_DAYS", 30)
# An invoice draft nobody sent is not a voucher: it goes after this many days.
DRAFT_INVOICE_RETENTION_DAYS = env_int("DRAFT_INVOICE_RETENTION_DAYS", 180)
# The daily retention run skips a job done this recently: the same run delivered to two
# workers (or sent again by hand) does each job once.
RETENTION_RERUN_AFTER_MINUTES = env_int("RETENTION_RERUN_AFTER_MINUTES", 60)
# Years a closed privacy request of someone without an account keeps their name, address
# and letter as proof it was handled (the limitation period); then only the facts stay.
PRIVACY_REQUEST_RETENTION_YEARS = env_int("PRIVACY_REQUEST_RETENTION_YEARS", 3)

# --- Security -------------------------------------------------------------------------
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    # TOTP setup shows its QR code as a data: image.
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 24 * 14)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# A load balancer probes the nodes over plain HTTP (registry/health.py).
SECURE_REDIRECT_EXEMPT = [r"^health/"]
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
    if env_bool("SECURE_PROXY_SSL_HEADER", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Logging --------------------------------------------------------------------------
# One line per request (registry.middleware.RequestLogMiddleware) and every other line with
# the request's id: JSON objects in production for a log service, readable lines in
# development. docs/logging.md lists the fields.
LOG_FORMAT = env_str("LOG_FORMAT", "text" if DEBUG else "json")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, got {LOG_FORMAT!r}")
# The client's address in the request line: off, as it is personal data the log service
# would then hold too.
REQUEST_LOG_CLIENT_IP = env_bool("REQUEST_LOG_CLIENT_IP", default=False)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "registry.request_log.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "registry.request_log.JsonFormatter"},
        "text": {"()": "registry.request_log.TextFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # runserver's own line per request repeats registry.request's.
        "django.server": {"level": "WARNING"},
    },
}
