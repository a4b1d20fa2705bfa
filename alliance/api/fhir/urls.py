from django.urls import path

from alliance.api.fhir import views

app_name = "fhir"

urlpatterns = [
    path("metadata", views.metadata, name="metadata"),
    path("<str:resource_type>", views.resource_type, name="search"),
    path("<str:resource_type>/<str:resource_id>", views.resource, name="read"),
]
