from django.urls import path

from newcomers import views

app_name = "public"

urlpatterns = [
    path("rdv/", views.home, name="home"),
    path("rdv/reserver/", views.book, name="book"),
    path("rdv/reserve/", views.booked, name="booked"),
    path("rdv/rappel/", views.callback, name="callback"),
    path("rdv/g/<str:token>/", views.manage, name="manage"),
    path("mon-parcours/", views.renew, name="renew"),
    path("mon-parcours/<str:token>/", views.my_path, name="my-path"),
    path(
        "mon-parcours/<str:token>/rendez-vous/<int:booking_pk>/",
        views.my_booking,
        name="my-booking",
    ),
    path(
        "mon-parcours/<str:token>/attestation/<int:pk>/",
        views.my_attestation,
        name="my-attestation",
    ),
]
