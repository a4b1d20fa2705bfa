from django.contrib import admin
from django.urls import include, path

from alliance import health
from alliance.accounts import views as accounts_views
from alliance.accounts.language import language_set
from alliance.brakes.password_reset import password_reset
from alliance.clinic import urls as clinic_urls
from alliance.supervision import urls as supervision_urls

urlpatterns = [
    # Before Django's own: the same page, with reset e-mails rate-limited.
    path("accounts/password_reset/", password_reset, name="password_reset"),
    # Django's own password pages, with each change recorded in the audit log.
    path(
        "accounts/password_change/",
        accounts_views.PasswordChange.as_view(),
        name="password_change",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        accounts_views.PasswordResetConfirm.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("account/", include("alliance.accounts.urls")),
    path("admin/", admin.site.urls),
    path("rate/", include("alliance.portal.urls")),
    path("care/", include("alliance.care.urls")),
    path("voice/", include("alliance.voice.urls")),
    path("feedback/", include("alliance.feedback.urls")),
    path("trajectories/", include("alliance.trajectories.urls")),
    path("reports/", include("alliance.reports.urls")),
    path("audit/", include("alliance.audit.urls")),
    path("i18n/setlang/", language_set, name="set_language"),
    path("healthz", health.healthz, name="healthz"),
    path("", include("alliance.api.urls")),
    # The supervisor's pages after the clinic's, in its namespace: the audit log stores route
    # names, and a search of last year's log must still find them as clinic:team and
    # clinic:development.
    path(
        "",
        include(([*clinic_urls.urlpatterns, *supervision_urls.urlpatterns], clinic_urls.app_name)),
    ),
]
