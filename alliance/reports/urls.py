from django.urls import path

from alliance.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.home, name="home"),
    path("download/<str:fmt>/", views.download, name="download"),
]
