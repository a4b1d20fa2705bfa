from django.urls import path

from alliance.portal import language, views

app_name = "portal"
urlpatterns = [
    path("tablet/", views.tablet, name="tablet"),
    path("tablet/return/", views.tablet_return, name="tablet_return"),
    path("l/<str:token>/", views.link, name="link"),
    path("kiosk/", views.kiosk, name="kiosk"),
    path("kiosk/staff/", views.kiosk_staff, name="kiosk_staff"),
    path("thanks/", views.thanks, name="thanks"),
    path("language/", language.language, name="language"),
    path("sessions/<int:session_id>/invite/", views.invite, name="invite"),
    path("invitations/<int:invitation_id>/code/", views.kiosk_code, name="kiosk_code"),
    path("invitations/<int:invitation_id>/resend/", views.link_resend, name="link_resend"),
    path("invitations/<int:invitation_id>/cancel/", views.link_cancel, name="link_cancel"),
]
