"""Settings of the portal, every deployment knob read from the environment.

With no environment at all the portal runs for a developer: SQLite file under ``var/``,
Celery tasks run eagerly in the web process, e-mails printed on the console, debug on.
A deployment sets ``DJANGO_DEBUG=false`` and must then give ``DJANGO_SECRET_KEY`` and
``DJANGO_ALLOWED_HOSTS``; ``DATABASE_URL`` and ``CELERY_BROKER_URL`` point at PostgreSQL
and Redis.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from portal.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("DJANGO_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DJANGO_DEBUG", True)

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if SECRET_KEY is None:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off")
    SECRET_KEY = "django-insecure-development-only-key-never-used-in-production"

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"] if DEBUG else []
)
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set when DJANGO_DEBUG is off")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "csp",
    "portal",
    "calls",
    "partners",
    "applications",
    "review",
    "reporting",
    "audit",
    "portal.accounts",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Keeps where each request comes from for the audit log; records refused accesses.
    "audit.middleware.AuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "portal.accounts.middleware.AbsoluteSessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "portal.security.PermissionsPolicyMiddleware",
    # Last: turns a login refused for too many failures into its answer (429).
    "axes.middleware.AxesMiddleware",
]

if not DEBUG:
    # A deployment serves its collected static files through gunicorn; in debug,
    # runserver and the tests serve them from the apps' and the project's folders.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
ASGI_APPLICATION = "portal.asgi.application"

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
                "portal.context_processors.portal",
            ],
        },
    },
]

# Widgets are rendered with the project's templates, so that templates/django/forms/ can
# override Django's (a select's options are written in one loop, not one include each).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# Database: DATABASE_URL (postgres://user:pass@host:5432/name), else a SQLite file.
# A deployment keeps each worker's connection open (opening one cost an autosave 33 ms of
# its 74 ms: README, "How it holds up"); the health check replaces one that a restart of
# PostgreSQL broke. runserver opens a thread per request, so debug does not keep them.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0 if DEBUG else 600),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite creates the file, not its folder: a fresh clone has no var/ yet.
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
# The portal's queries are short: PostgreSQL's JIT compiler, triggered by the cost estimates
# of the queue's per-dossier totals, took longer to compile than to run them (bench/README.md,
# officers' queue). DATABASE_JIT=on gives it back.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    if not env_bool("DATABASE_JIT", False):
        _options["options"] = "-c jit=off"
    # Parameters bound by the server, and a statement run five times on a connection
    # prepared there: PostgreSQL plans the pages' joins once per connection instead of on
    # every request (a dossier's access check went from 9.3 to 6.3 ms). Behind PgBouncer in
    # transaction mode, set DATABASE_SERVER_SIDE_BINDING=false.
    if env_bool("DATABASE_SERVER_SIDE_BINDING", True):
        _options["server_side_binding"] = True
        _options["prepare_threshold"] = env_int("DATABASE_PREPARE_THRESHOLD", 5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "portal.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
# Login throttling (django-axes, portal/accounts/lockout.py): failures are counted in the
# database, shared by every web process. LOGIN_FAILURES_PER_ADDRESS failures for one
# address (e-mail) from one IP, or LOGIN_FAILURES_PER_ACCOUNT for one address from any IP,
# lock it for LOGIN_LOCKOUT_MINUTES after the last failure, even with the right password
# (HTTP 429). A password reset or staff (/compte/blocages/) unlocks it.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "portal.accounts.lockout.PortalAxesHandler"
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURES_PER_ADDRESS", 5)
LOGIN_FAILURES_PER_ACCOUNT = env_int("LOGIN_FAILURES_PER_ACCOUNT", 20)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"]
AXES_USERNAME_CALLABLE = "portal.accounts.lockout.attempted_email"
AXES_CLIENT_IP_CALLABLE = "portal.network.client_address"  # TRUSTED_PROXY_COUNT
AXES_LOCKOUT_CALLABLE = "portal.accounts.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False
# Each dossier's pages refuse an upload larger than its call's limit (Call.max_attachment_mb);
# requests larger than this are refused before they are read.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Larger files go to a temporary file of at most UPLOAD_MAX_MB (a call's highest limit);
# beyond it bytes are counted, not written, and the upload is refused with its real size.
UPLOAD_MAX_MB = 100
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "applications.uploads.CappedTemporaryFileUploadHandler",
]

# Internationalisation: French first, Dutch and English.
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("nl", _("Nederlands")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["portal.formats"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# Static and uploaded files. Uploads live outside the web root, under var/.
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(VAR_DIR / "staticfiles")))
MEDIA_URL = "media/"  # never routed: files leave only through the permission-checked views
MEDIA_ROOT = Path(env_str("DJANGO_MEDIA_ROOT", str(VAR_DIR / "media")))
for _served in (STATIC_ROOT, *STATICFILES_DIRS):
    if MEDIA_ROOT.resolve().is_relative_to(Path(_served).resolve()) or Path(
        _served
    ).resolve().is_relative_to(MEDIA_ROOT.resolve()):
        raise ImproperlyConfigured(
            f"DJANGO_MEDIA_ROOT ({MEDIA_ROOT}) must be outside the static files ({_served})"
        )
# Antivirus (portal/antivirus.py): clamd at "host:port" or "unix:/path"; unset, no scan.
# Once set, an upload without a verdict within CLAMD_TIMEOUT seconds is refused.
CLAMD_ADDRESS = env_str("CLAMD_ADDRESS")
CLAMD_TIMEOUT = env_int("CLAMD_TIMEOUT", 30)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# E-mail: console by default, SMTP when EMAIL_HOST is given.
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str(
    "DEFAULT_FROM_EMAIL", "Portail des fonds européens <noreply@localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: a broker URL makes tasks go to workers; without one they run eagerly in-process.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", CELERY_BROKER_URL)
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_RESULT_EXPIRES = 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Documents (reporting.tasks.render_document): soft and hard time limits, retries of a
# transient error with an exponential backoff (seconds: 5, 10, 20...).
# The queue the renders are sent to (workers: ``celery worker -Q documents,celery``), so
# that PDF workers can be scaled apart from the rest.
DOCUMENTS_QUEUE = env_str("DOCUMENTS_QUEUE", "documents")
DOCUMENTS_SOFT_TIME_LIMIT = env_int("DOCUMENTS_SOFT_TIME_LIMIT", 120)
DOCUMENTS_TIME_LIMIT = env_int("DOCUMENTS_TIME_LIMIT", 150)
DOCUMENTS_MAX_RETRIES = env_int("DOCUMENTS_MAX_RETRIES", 5)
DOCUMENTS_RETRY_BACKOFF = env_int("DOCUMENTS_RETRY_BACKOFF", 5)
# A document pending this long (its message never reached the broker, or was lost) is sent
# again by beat's sweep, ``reporting.requeue_stalled_documents``.
DOCUMENTS_STALLED_AFTER = env_int("DOCUMENTS_STALLED_AFTER", 180)
CELERY_BEAT_SCHEDULE = {
    "requeue-stalled-documents": {
        "task": "reporting.requeue_stalled_documents",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
}
# A task taken by a worker that dies unacknowledged goes back to the queue after this delay
# (Redis). It must exceed the longest task plus its retry countdown, or a task still
# running would be delivered twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 600),
    # How often a worker looks for such abandoned tasks (Kombu's defaults: every 10th
    # sweep, a sweep every 10 s).
    "unacked_restore_interval": env_int("CELERY_UNACKED_RESTORE_INTERVAL", 10),
    "unacked_restore_throttle": env_int("CELERY_UNACKED_RESTORE_THROTTLE", 10),
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = CELERY_BROKER_TRANSPORT_OPTIONS
# One task at a time per process, and a fresh process after this many tasks: WeasyPrint's
# memory grows with the documents it lays out.
CELERY_WORKER_MAX_TASKS_PER_CHILD = env_int("CELERY_WORKER_MAX_TASKS_PER_CHILD", 50)
CELERY_WORKER_SEND_TASK_EVENTS = True
CELERY_TASK_SEND_SENT_EVENT = True


# The API (/api/v1/, portal/api/): tokens or the session; one error shape; page numbers or
# a cursor; throttling per anonymous address, per user, and stricter on the token endpoint.
# A rate is "<number>/<second|minute|hour|day>"; a malformed one fails at start-up.
def _throttle_rate(name: str, default: str) -> str:
    rate = env_str(name, default)
    number, _slash, period = rate.partition("/")
    if not number.isdigit() or period not in {"second", "minute", "hour", "day"}:
        raise ImproperlyConfigured(f"{name}={rate!r} is not a rate such as 60/minute")
    return rate


REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First, so that a request without credentials is a 401 with WWW-Authenticate.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "portal.api.pagination.PortalPagination",
    "PAGE_SIZE": env_int("API_PAGE_SIZE", 50),
    "EXCEPTION_HANDLER": "portal.api.exceptions.api_exception_handler",
    # JSON only: DRF's browsable pages (a second, unstyled UI with inline styles that the
    # Content-Security-Policy forbids) are left out; /api/v1/docs/ documents the API.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_THROTTLE_CLASSES": [
        "portal.api.throttling.AnonymousThrottle",
        "portal.api.throttling.UserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": _throttle_rate("API_THROTTLE_ANON", "120/minute"),
        "user": _throttle_rate("API_THROTTLE_USER", "600/minute"),
        "auth_token": _throttle_rate("API_THROTTLE_AUTH_TOKEN", "10/minute"),
    },
    "DEFAULT_SCHEMA_CLASS": "portal.api.schema.PortalAutoSchema",
    "COERCE_DECIMAL_TO_STRING": True,
    "DATETIME_FORMAT": "iso-8601",
    "DATE_FORMAT": "iso-8601",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Portail des fonds européens — API",
    "DESCRIPTION": (
        "API REST du portail des fonds européens (FSE+, Interreg France-Wallonie-Vlaanderen, "
        "Erasmus+) : fonds, programmes, autorités, appels à projets et liste publique des "
        "opérations, en lecture libre et anonyme. Jeton : POST /api/v1/auth/token/, puis "
        "l'en-tête « Authorization: Token <jeton> ». Listes paginées par numéro de page "
        "(?page=, ?page_size= jusqu'à 100) ou par curseur (?cursor=) pour synchroniser. "
        "Montants en chaînes à deux décimales, dates en ISO 8601. Une seule forme d'erreur : "
        "code, message, errors.\n\n"
        "REST API of the European funds portal (ESF+, Interreg France-Wallonia-Flanders, "
        "Erasmus+): funds, programmes, authorities, calls for projects and the public list of "
        "operations, readable by anyone without an account. Token: POST /api/v1/auth/token/, "
        "then the header « Authorization: Token <token> ». Lists are paginated by page "
        "number (?page=, ?page_size= up to 100) or by cursor (?cursor=) to synchronise. "
        "Amounts are strings with two decimals, dates ISO 8601. One error shape: code, "
        "message, errors."
    ),
    "VERSION": "1.0.0",
    "SERVERS": [{"url": env_str("API_SERVER_URL", "/"), "description": "Portail"}],
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "COMPONENT_SPLIT_REQUEST": True,
    # One name for each set of choices several resources share (else a hashed name).
    "ENUM_NAME_OVERRIDES": {
        "PartnerRoleEnum": "partners.choices.PartnerRole",
        "MembershipRoleEnum": "partners.choices.MembershipRole",
        "RuleStatusEnum": "calls.eligibility.engine.Status",
        "FrozenVerdictEnum": "applications.choices.FrozenVerdict",
    },
}

# How many reverse proxies stand in front of the portal, each appending to X-Forwarded-For:
# 0 (the default) believes only REMOTE_ADDR; N takes the address the outermost proxy saw.
# One answer for the audit log, the login lockout, the sessions and the API's throttles
# (portal/network.py).
TRUSTED_PROXY_COUNT = env_int("DJANGO_TRUSTED_PROXY_COUNT", 0)

# Behind a TLS-terminating proxy in a deployment.
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts, styles, fonts and images from the portal
# only; no inline script, no inline style (htmx's indicator <style> is turned off in
# base.html), no plugin, no framing, forms posted to the portal only. No page needs a
# nonce: the portal's scripts are static files (static/js/portal.js, htmx).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# Permissions-Policy (portal.security): browser features the portal never uses, off for
# its pages and any page they might frame.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}
# A form refused for its CSRF token: a page that says to reload it (templates/403_csrf.html).
CSRF_FAILURE_VIEW = "portal.security.csrf_failure"
SESSION_COOKIE_HTTPONLY = True
# An idle session ends after two hours; a signed-in person's requests (an autosave too)
# extend it, writing the session again at most once a minute (SESSION_REFRESH_SECONDS,
# portal.accounts.middleware) rather than on every request. Pages warn five minutes
# before the end and offer to stay connected (static/js/portal.js).
SESSION_COOKIE_AGE = env_int("DJANGO_SESSION_IDLE_SECONDS", 2 * 60 * 60)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_REFRESH_SECONDS = env_int("DJANGO_SESSION_REFRESH_SECONDS", 60)
SESSION_EXPIRY_WARNING_SECONDS = 5 * 60
# Whatever the activity, a session ends this long after logging in (portal.accounts.middleware).
SESSION_ABSOLUTE_SECONDS = env_int("DJANGO_SESSION_ABSOLUTE_SECONDS", 12 * 60 * 60)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    # django-axes: its failures and lockouts (WARNING), not a line for every login.
    "loggers": {"axes": {"level": env_str("AXES_LOG_LEVEL", "WARNING")}},
}
