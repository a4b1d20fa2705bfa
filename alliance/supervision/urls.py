"""The supervisor's pages. ``alliance/urls.py`` includes them with the clinic's URLs, so
their names stay ``clinic:team`` and ``clinic:development``: the audit log stores route names, and
a search of last year's log must still find these pages under the names it used then."""

from django.urls import path

from alliance.supervision import views

urlpatterns = [
    path("team/", views.team, name="team"),
    path("clinicians/<int:clinician_id>/development/", views.development, name="development"),
]
