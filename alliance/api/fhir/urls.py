from django.urls import path, re_path

from alliance.api.fhir import views

app_name = "fhir"

urlpatterns = [
    path("metadata", views.metadata, name="metadata"),
    path("<str:resource_type>", views.resource_type, name="search"),
    path("<str:resource_type>/<str:resource_id>", views.resource, name="read"),
    # Last: everything else under /fhir/ answers with an OperationOutcome, not an HTML page.
    re_path(r"^(?P<path>.*)$", views.unknown, name="unknown"),
]
