from django.urls import path

from alliance.accounts import views

app_name = "accounts"
urlpatterns = [
    path("two-factor/", views.two_factor, name="two_factor"),
    path("two-factor/verify/", views.two_factor_verify, name="two_factor_verify"),
    path("two-factor/remove/", views.two_factor_remove, name="two_factor_remove"),
    path("settings/", views.user_settings, name="settings"),
    path("confirm/", views.reauthenticate, name="reauthenticate"),
    path(
        "organisations/<int:organisation_id>/security/",
        views.organisation_security,
        name="organisation_security",
    ),
]
