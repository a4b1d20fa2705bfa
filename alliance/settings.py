"""Settings for Alliance, read from the environment through strict helpers.

Safe by default: DEBUG is off and a SECRET_KEY is required unless ``ALLIANCE_ENV`` is ``demo`` or
``test`` (set by ``make demo`` and the test settings). SQLite unless ``DATABASE_URL`` says
otherwise.
"""

import json
import os
from datetime import timedelta
from pathlib import Path

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
    "alliance.clinic",
    "alliance.portal",
    "alliance.reports",
    "alliance.api",
    "alliance.audit",
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
        # restarts the next client's form is stored, not refused (tests/faults).
        conn_health_checks=True,
    )
}
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
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
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
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
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
LANGUAGES = [("en", _("English")), ("nl", _("Dutch"))]
LOCALE_PATHS = [BASE_DIR / "alliance" / "locale"]
TIME_ZONE = env_str("ALLIANCE_TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "alliance" / "static"]

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
ALLIANCE = {
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
