from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("rate/", include("alliance.portal.urls")),
    path("care/", include("alliance.care.urls")),
    path("feedback/", include("alliance.feedback.urls")),
    path("trajectories/", include("alliance.feedback.trajectory_urls")),
    path("reports/", include("alliance.reports.urls")),
    path("audit/", include("alliance.audit.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("alliance.api.urls")),
    path("", include("alliance.clinic.urls")),
]
