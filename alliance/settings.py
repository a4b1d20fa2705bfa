"""Settings for Alliance, read from the environment through strict helpers.

Safe by default: DEBUG is off and a SECRET_KEY is required unless ``ALLIANCE_ENV`` is ``demo`` or
``test`` (set by ``make demo`` and the test settings). SQLite unless ``DATABASE_URL`` says
otherwise.
"""

import json
import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
ENVIRONMENTS = ("production", "demo", "test")


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"Set the environment variable {name}.")
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off", ""):
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}."
    )


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}; got {value}.")
    return value


def env_float(name: str, default: float, *, minimum: float, maximum: float) -> float:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number; got {raw!r}.") from None
    if not minimum <= value <= maximum:
        raise ImproperlyConfigured(f"{name} must be between {minimum} and {maximum}; got {value}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    return default if raw is None else [part.strip() for part in raw.split(",") if part.strip()]


ALLIANCE_ENV = env_str("ALLIANCE_ENV", "production")
if ALLIANCE_ENV not in ENVIRONMENTS:
    raise ImproperlyConfigured(f"ALLIANCE_ENV must be one of {', '.join(ENVIRONMENTS)}.")
IS_DEVELOPMENT = ALLIANCE_ENV in ("demo", "test")

DEBUG = env_bool("ALLIANCE_DEBUG", ALLIANCE_ENV == "demo")
# A fixed key is acceptable only for the throw-away demo and test databases.
SECRET_KEY = env_str(
    "ALLIANCE_SECRET_KEY", "insecure-demo-and-test-key-only" if IS_DEVELOPMENT else None
)
ALLOWED_HOSTS = env_list(
    "ALLIANCE_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"] if IS_DEVELOPMENT else []
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "alliance.accounts",
    "alliance.care",
    "alliance.measures",
    "alliance.feedback",
    "alliance.trajectories",
    "alliance.clinic",
    "alliance.supervision",
    "alliance.portal",
    "alliance.voice",
    "alliance.reports",
    "alliance.api",
    "alliance.audit",
    "alliance.demo",
    "django_tasks_db",
    # Two-factor log-in (authenticator apps, backup codes) and log-in lockout: docs/security.md.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The logged-in user's own language (accounts.User.language) over the browser's.
    "alliance.accounts.language.UserLanguageMiddleware",
    # Cache-Control: no-store on every authenticated answer, so after a tablet hand-off the
    # Back button asks the server (and meets the hand-off lock) instead of showing staff pages
    # from the browser's cache. Right after authentication: it knows the user, and every answer
    # below it (views, downloads, the lock's and two-factor's redirects, API, FHIR) passes it.
    "alliance.no_store.NoStoreMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Before the hand-off lock: a session that needs its two-factor code reaches no staff page.
    "alliance.accounts.middleware.TwoFactorMiddleware",
    "alliance.portal.middleware.HandoffLockMiddleware",
    # Turns a refused log-in into the lockout page (429).
    "axes.middleware.AxesMiddleware",
    # Last, so it sees the user however they authenticated (session, token).
    "alliance.audit.middleware.AuditMiddleware",
]

ROOT_URLCONF = "alliance.urls"
WSGI_APPLICATION = "alliance.wsgi.application"
ASGI_APPLICATION = "alliance.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "alliance" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("ALLIANCE_DB_CONN_MAX_AGE", 60),
        # A kept connection is checked before each request reuses it, so after the database
        # restarts the next client's form is stored, not refused (tests/ops/faults).
        conn_health_checks=True,
    )
}
# A PostgreSQL streaming replica for reports, research exports and refits (alliance/replica.py);
# unset: everything reads from DATABASE_URL.
_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
if _REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        _REPLICA_URL,
        conn_max_age=env_int("ALLIANCE_DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
    # The test runner makes no database for it: in tests it is the same database as default.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["alliance.replica.ReplicaRouter"]
# Behind PgBouncer in transaction pooling a server-side cursor cannot outlive its transaction's
# server connection: Django then fetches .iterator() results client-side (docs/deployment.md).
if env_bool("ALLIANCE_DB_BEHIND_PGBOUNCER", False):
    for _database in DATABASES.values():
        _database["DISABLE_SERVER_SIDE_CURSORS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the demo server read while a loader writes; a busy timeout avoids spurious locks.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "clinic:caseload"
LOGOUT_REDIRECT_URL = "login"
# django-axes first: it refuses a locked-out user name before the password is even checked.
# The password check takes a ticket in the database before checking, so log-ins sent at the same
# moment cannot all slip under axes's limit (alliance/brakes/login.py).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "alliance.brakes.login.BrakedModelBackend",
]
# Lockout (docs/security.md): counted per user name *and* address, so one person's typos do not
# lock out a whole clinic behind one address, and a stranger cannot lock a named clinician out
# from elsewhere. Every refused try restarts the cool-off.
AXES_FAILURE_LIMIT = env_int("ALLIANCE_LOGIN_FAILURES", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("ALLIANCE_LOGIN_LOCKOUT_MINUTES", 30, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "alliance.accounts.lockout.locked_out"
AXES_CLIENT_IP_CALLABLE = "alliance.accounts.lockout.client_address"
AXES_HTTP_RESPONSE_CODE = 429
# No start-up banner: it would precede the output of every `alliance` command.
AXES_VERBOSE = False
# The name authenticator apps show next to the six-digit code.
OTP_TOTP_ISSUER = env_str("ALLIANCE_TWO_FACTOR_ISSUER", "Alliance")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # 12 characters at least (docs/security.md); common passwords are refused whatever their length.
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {
            "min_length": env_int("ALLIANCE_PASSWORD_MIN_LENGTH", 12, minimum=12),
        },
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Argon2 first (OWASP's first choice for password storage); older hashes still verify and are
# upgraded at the next log-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
if ALLIANCE_ENV == "test":
    # Hashing is deliberately slow; tests log in hundreds of times.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("nl", _("Dutch")), ("de", _("German"))]
# Our catalogue first (makemessages writes it); then the words of Django's own admin and forms
# that the installed Django's Dutch and German catalogues lack, kept by hand where makemessages
# never writes (docs/translating.md, tests/translations/test_django_words.py).
LOCALE_PATHS = [BASE_DIR / "alliance" / "locale", BASE_DIR / "alliance" / "locale_django"]
# Dates, times and numbers by the reader's language: alliance/formats/<language>/formats.py.
FORMAT_MODULE_PATH = ["alliance.formats"]
TIME_ZONE = env_str("ALLIANCE_TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("ALLIANCE_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "alliance" / "static"]
# In production `manage.py collectstatic` writes every file under a name with its content hash,
# gzip and Brotli copies beside it, and WhiteNoise serves them with a year's Cache-Control, so a
# repeat visit loads no script again; the demo and the tests serve the files as they are.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if IS_DEVELOPMENT
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

SESSION_COOKIE_AGE = env_int("ALLIANCE_SESSION_SECONDS", 60 * 60 * 8, minimum=60)
# The session ends after this long without a request, not only at the end of the day.
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not IS_DEVELOPMENT
CSRF_COOKIE_SECURE = not IS_DEVELOPMENT
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Behind a TLS-terminating proxy in production (docs/settings.md): HTTPS only, and browsers told
# to keep it that way.
SECURE_SSL_REDIRECT = env_bool("ALLIANCE_SSL_REDIRECT", not IS_DEVELOPMENT)
SECURE_HSTS_SECONDS = env_int("ALLIANCE_HSTS_SECONDS", 0 if IS_DEVELOPMENT else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not IS_DEVELOPMENT
SECURE_HSTS_PRELOAD = env_bool("ALLIANCE_HSTS_PRELOAD", not IS_DEVELOPMENT)
ALLIANCE_BEHIND_PROXY = env_bool("ALLIANCE_BEHIND_PROXY", False)
if ALLIANCE_BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
# Error reports never carry what a form said: goals, notes and answers are clinical.
DEFAULT_EXCEPTION_REPORTER_FILTER = "alliance.error_reports.NoClinicalDataFilter"
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "frame-ancestors": ["'none'"],
}

DEFAULT_FROM_EMAIL = env_str("ALLIANCE_FROM_EMAIL", "alliance@localhost")
EMAIL_BACKEND_PATH = env_str(
    "ALLIANCE_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if IS_DEVELOPMENT
    else "django.core.mail.backends.smtp.EmailBackend",
)
MAILERS: dict[str, dict[str, object]] = {"default": {"BACKEND": EMAIL_BACKEND_PATH}}
if EMAIL_BACKEND_PATH.endswith("smtp.EmailBackend"):
    # Django 6.1's SMTP mailer refuses to start without a host: every part comes from the
    # environment (docs/deployment.md), STARTTLS on by default.
    MAILERS["default"]["OPTIONS"] = {
        "host": env_str("ALLIANCE_EMAIL_HOST", "localhost"),
        "port": env_int("ALLIANCE_EMAIL_PORT", 587, minimum=1),
        "username": env_str("ALLIANCE_EMAIL_USER", ""),
        "password": env_str("ALLIANCE_EMAIL_PASSWORD", ""),
        "use_tls": env_bool("ALLIANCE_EMAIL_USE_TLS", True),
        "timeout": env_int("ALLIANCE_EMAIL_TIMEOUT_SECONDS", 10, minimum=1),
    }

# Clinical settings. Each default is documented in docs/settings.md with its source.
# Alliance's own settings (docs/settings.md); the values differ in type from key to key.
ALLIANCE: dict[str, Any] = {
    # Administrators see clinical detail only when on the care team unless this is on.
    "ADMIN_SEES_CLINICAL_DATA": env_bool("ALLIANCE_ADMIN_SEES_CLINICAL_DATA", False),
    # A folder of site-supplied licensed item wording (e.g. WAI-SR); never committed.
    "SITE_ITEM_TEXT_DIR": Path(env_str("ALLIANCE_SITE_ITEM_TEXT_DIR", str(BASE_DIR / "local"))),
    # The expected band: from this percentile of comparable clients to its mirror image
    # (docs/science/trajectories.md). Below the band is "not on track".
    "BAND_PERCENTILE": env_float("ALLIANCE_BAND_PERCENTILE", 25.0, minimum=1.0, maximum=49.0),
    # Alert thresholds: names and defaults of alliance.science.signals.SignalSettings, each with
    # its source in docs/science/signals.md.
    "ALERTS": {
        # The alliance cutoffs come from the instrument files and ALLIANCE["THRESHOLDS"] below.
        "alliance_drop": env_float("ALLIANCE_SRS_DROP", 1.0, minimum=0.1, maximum=40),
        "rating_discrepancy": env_float("ALLIANCE_RATING_GAP", 4.0, minimum=0.1, maximum=40),
        "perfect_streak": env_int("ALLIANCE_PERFECT_STREAK", 3, minimum=2),
        "missing_outcome_streak": env_int("ALLIANCE_MISSING_OUTCOME_STREAK", 3, minimum=1),
    },
    # Open episodes with no attended session for longer than this close as "ghosted".
    "GHOSTED_AFTER_DAYS": env_int("ALLIANCE_GHOSTED_AFTER_DAYS", 60, minimum=1),
    # Client portal (docs/portal.md). A link sent by e-mail or text works once, for this long.
    "LINK_HOURS": env_int("ALLIANCE_LINK_HOURS", 72, minimum=1),
    # A kiosk code works once, for this long; short because it is only 6 characters.
    "KIOSK_MINUTES": env_int("ALLIANCE_KIOSK_MINUTES", 30, minimum=1),
    # After this many wrong kiosk codes from one address within the window, refuse for a while.
    "KIOSK_ATTEMPTS": env_int("ALLIANCE_KIOSK_ATTEMPTS", 5, minimum=1),
    "KIOSK_WINDOW_MINUTES": env_int("ALLIANCE_KIOSK_WINDOW_MINUTES", 15, minimum=1),
    # After this many unknown link tokens from one address within the window, ask it to wait
    # (open links still open). Higher than the kiosk's: clients may share one address.
    "LINK_ATTEMPTS": env_int("ALLIANCE_LINK_ATTEMPTS", 20, minimum=1),
    "LINK_WINDOW_MINUTES": env_int("ALLIANCE_LINK_WINDOW_MINUTES", 15, minimum=1),
    # A tablet hand-off form stays open this long; the tablet stays locked until a password.
    "HANDOFF_MINUTES": env_int("ALLIANCE_HANDOFF_MINUTES", 60, minimum=1),
    # Wrong passwords allowed when taking a tablet back before it logs out completely.
    "HANDOFF_UNLOCK_ATTEMPTS": env_int("ALLIANCE_HANDOFF_UNLOCK_ATTEMPTS", 5, minimum=1),
    # Fewest episodes before a clinician's adjusted outcome is shown (docs/science/therapists.md).
    "MIN_CASELOAD": env_int("ALLIANCE_MIN_CASELOAD", 10, minimum=1),
    # Where text messages go: a class in alliance.portal.sms or a site's own backend.
    "SMS_BACKEND": env_str(
        "ALLIANCE_SMS_BACKEND",
        {
            "test": "alliance.portal.sms.LocmemBackend",
            "demo": "alliance.portal.sms.ConsoleBackend",
        }.get(ALLIANCE_ENV, "alliance.portal.sms.DisabledBackend"),
    ),
    # A clinic fits its own expected trajectories from this many closed episodes with this
    # many ratings each on average (docs/science/trajectories.md, docs/trajectories.md).
    "TRAJECTORY_MIN_EPISODES": env_int("ALLIANCE_TRAJECTORY_MIN_EPISODES", 300, minimum=30),
    "TRAJECTORY_MIN_RATINGS_PER_EPISODE": env_int(
        "ALLIANCE_TRAJECTORY_MIN_RATINGS_PER_EPISODE", 3, minimum=3
    ),
}

# ---- Client portal: crisis information after a risk answer (docs/portal.md) ----------------
# Markup in a plain-text setting: an HTML tag, comment or doctype, a character reference, or a
# Markdown link or bold.
PLAIN_TEXT_MARKUP = re.compile(
    r"<\s*[/!?]?\s*[A-Za-z]|<!--"  # <b>, </p>, <!doctype>, <!-- -->
    r"|&(?:#[0-9]+|#[xX][0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]*);"  # &amp; &#39; &#x27;
    r"|\[[^\]\n]*\]\([^)\n]*\)"  # [text](address)
    r"|\*\*|__"  # **bold**, __bold__
)


def env_plain_text(name: str, default: str) -> str:
    """A plain-text setting shown to clients as written; ``\\n`` in the value starts a new
    line. Markup is refused (the page shows text, never HTML) with a message naming the
    variable."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    text = raw.replace("\\n", "\n").strip()
    if PLAIN_TEXT_MARKUP.search(text):
        raise ImproperlyConfigured(
            f"{name} must be plain text, without markup (HTML tags, character references such "
            f"as &amp;, Markdown links or bold): write the words and numbers as they should "
            f"appear; got {raw!r}."
        )
    return text


# Shown to a client right after a risk answer (PHQ-9 item 9 above 0), with the site's phone
# numbers. Empty: a kind default, in the client's language, to speak to the clinician now and
# call the local emergency number.
ALLIANCE["CRISIS_TEXT"] = env_plain_text("ALLIANCE_CRISIS_TEXT", "")
# ---- end of client portal crisis information ---------------------------------------------------

# --- Intervals and clinician estimates (issue 18; docs/settings.md) ---------------------------
ALLIANCE.update(
    {
        # Coverage of every interval shown around a clinical estimate (clinician effects, a local
        # expected path against the default): 0.95 by convention, 0.99 for a stricter site.
        "INTERVAL_LEVEL": env_float("ALLIANCE_INTERVAL_LEVEL", 0.95, minimum=0.5, maximum=0.999),
        # Clinician estimates use closed episodes only: an open episode's last score is from
        # treatment still under way, not an outcome (docs/science/therapists.md).
        "CLINICIAN_CLOSED_EPISODES_ONLY": env_bool("ALLIANCE_CLINICIAN_CLOSED_EPISODES_ONLY", True),
    }
)

# --- Alert thresholds per instrument and risk notifications (docs/settings.md) ---------------
# A site's override of an instrument file's thresholds, per instrument code, as JSON:
# ALLIANCE_THRESHOLDS='{"srs": {"total": 35, "item": 8.5}, "phq9": {"reliable_change": 5}}'
# (keys "total", "item", "reliable_change"). ALLIANCE_SRS_CUTOFF and ALLIANCE_SRS_ITEM_CUTOFF
# stay as aliases of the SRS's "total" and "item". An unknown instrument or a value off its
# scale stops the start-up with a message naming it (alliance.feedback.apps).
ALLIANCE["THRESHOLDS"] = json.loads(env_str("ALLIANCE_THRESHOLDS", "{}"))
for _alias, _key, _top in (
    ("ALLIANCE_SRS_CUTOFF", "total", 40),
    ("ALLIANCE_SRS_ITEM_CUTOFF", "item", 10),
):
    if _alias in os.environ:
        ALLIANCE["THRESHOLDS"].setdefault("srs", {})[_key] = env_float(
            _alias, 0.0, minimum=0, maximum=_top
        )
# A risk answer e-mails the care team and the team's supervisors at once, and the supervisors
# again when nobody has acknowledged it after this many hours.
ALLIANCE["RISK_ESCALATE_AFTER_HOURS"] = env_int("ALLIANCE_RISK_ESCALATE_AFTER_HOURS", 4, minimum=1)
# The address staff open Alliance at, for links in e-mails sent by the background worker.
ALLIANCE["SITE_URL"] = env_str("ALLIANCE_SITE_URL", "http://localhost:8000")
# The base of FHIR canonical URLs (Questionnaire.url) and identifier systems: stable whatever
# Host header a request came with, and the same after an export is restored (docs/api.md).
ALLIANCE["FHIR_CANONICAL_URL"] = env_str(
    "ALLIANCE_FHIR_CANONICAL_URL", ALLIANCE["SITE_URL"].rstrip("/") + "/fhir/"
)


def env_reminder_before(name: str, default: str) -> str | int:
    """When a reminder goes before a booked session: "evening" (18:00 the day before, in the
    site's time zone) or a whole number of hours from 1 to 168."""
    raw = os.environ.get(name, default).strip().lower()
    if raw == "evening":
        return raw
    try:
        hours = int(raw)
    except ValueError:
        hours = 0
    if not 1 <= hours <= 168:
        raise ImproperlyConfigured(
            f"{name} must be 'evening' or a whole number of hours from 1 to 168; got {raw!r}."
        )
    return hours


# Reminders with the links to the measures due (docs/portal.md, "Reminders"), sent by the
# worker this long before a booked session to clients who agreed to e-mail or text messages.
ALLIANCE["REMINDER_BEFORE"] = env_reminder_before("ALLIANCE_REMINDER_BEFORE", "evening")

# Background tasks (docs/trajectories.md): stored in the database, run by `manage.py db_worker`.
# Tests run each task at once, in the same process.
TASKS = {
    "default": {
        "BACKEND": "django.tasks.backends.immediate.ImmediateBackend"
        if ALLIANCE_ENV == "test"
        else "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("ALLIANCE_LOG_LEVEL", "INFO")},
}

# --- Import submission keys (issue 13) -----------------------------------------------------
# The secret the research-CSV import derives its submission keys with (HMAC-SHA256), so no one
# can compute an import's key and read or pre-empt the rating (docs/transfer.md). Defaults to
# SECRET_KEY; set it apart to rotate SECRET_KEY freely (a re-run stays idempotent either way).
IMPORT_KEY_SECRET = env_str("ALLIANCE_IMPORT_KEY_SECRET", SECRET_KEY)

# Privileged changes (docs/security.md, "Privileged changes"). The most dangerous ones ask for
# the password (and two-factor code) again unless it was typed within this many minutes.
ALLIANCE["REAUTHENTICATE_MINUTES"] = env_int("ALLIANCE_REAUTHENTICATE_MINUTES", 10, minimum=1)
# On: a site with a single administrator may give themselves a clinical role (audited). Off
# (the default): another administrator must grant it.
ALLIANCE["SINGLE_ADMINISTRATOR"] = env_bool("ALLIANCE_SINGLE_ADMINISTRATOR", False)

# --- Request limits for the REST API and FHIR (issue 13; docs/api.md "Limits") ---------------
# A JSON body over API_MAX_BODY_BYTES is refused with 413 before it is parsed, one nested deeper
# than API_MAX_JSON_DEPTH with 400 (Python's parser recurses: tens of thousands of brackets were
# a server error), and a FHIR QuestionnaireResponse whose items nest deeper than
# FHIR_MAX_ITEM_DEPTH with 422. Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) stays the ceiling
# for every other request; a larger body is answered 413 on the API too.
ALLIANCE["API_MAX_BODY_BYTES"] = env_int("ALLIANCE_API_MAX_BODY_BYTES", 1_048_576, minimum=1024)
ALLIANCE["API_MAX_JSON_DEPTH"] = env_int("ALLIANCE_API_MAX_JSON_DEPTH", 32, minimum=8)
ALLIANCE["FHIR_MAX_ITEM_DEPTH"] = env_int("ALLIANCE_FHIR_MAX_ITEM_DEPTH", 8, minimum=1)

# --- Brakes on guessing and limits on sessions, passwords and reports (docs/security.md,
# "Brakes under load, session lifetime, passwords and small numbers"). ---
INSTALLED_APPS.append("alliance.brakes")
ALLIANCE.update(
    {
        # Wrong kiosk codes from all the kiosks behind one address together, within
        # KIOSK_WINDOW_MINUTES; KIOSK_ATTEMPTS is then the brake on each kiosk.
        "KIOSK_ADDRESS_ATTEMPTS": env_int("ALLIANCE_KIOSK_ADDRESS_ATTEMPTS", 50, minimum=1),
        # A session ends this long after its log-in, however busy it stays (the idle timeout
        # is ALLIANCE_SESSION_SECONDS).
        "SESSION_MAX_HOURS": env_int("ALLIANCE_SESSION_MAX_HOURS", 12, minimum=1),
        # Password-reset e-mails asked for within an hour: from one address, for one account.
        "PASSWORD_RESETS_PER_ADDRESS": env_int(
            "ALLIANCE_PASSWORD_RESETS_PER_ADDRESS", 10, minimum=1
        ),
        "PASSWORD_RESETS_PER_ACCOUNT": env_int(
            "ALLIANCE_PASSWORD_RESETS_PER_ACCOUNT", 3, minimum=1
        ),
        # A report shows no figure that rests on fewer clients than this.
        "REPORT_MIN_CLIENTS": env_int("ALLIANCE_REPORT_MIN_CLIENTS", 5, minimum=1),
    }
)
if not IS_DEVELOPMENT:
    # Static files with a content hash in their name, compressed (gzip, Brotli) and cached for a
    # year (docs/deployment.md). Above the session and the user: a static file needs neither.
    # The demo (runserver) and the tests serve them as they are.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware") + 1,
    "alliance.accounts.session_lifetime.SessionLifetimeMiddleware",
)
