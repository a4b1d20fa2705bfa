from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("rate/", include("alliance.portal.urls")),
    path("care/", include("alliance.care.urls")),
    path("", include("alliance.clinic.urls")),
]
