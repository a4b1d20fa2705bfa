"""/api/v1/ (REST, django-ninja) and /fhir/ (FHIR R4): include with
``path("", include("alliance.api.urls"))``."""

from django.urls import include, path

from alliance.api import corrections  # noqa: F401 (registers POST /responses/{id}/void)
from alliance.api.rest import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("api/tokens/", include("alliance.api.token_urls")),
    path("fhir/", include("alliance.api.fhir.urls")),
]
