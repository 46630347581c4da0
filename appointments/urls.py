from django.urls import path

from appointments import calendars, views

app_name = "appointments"

urlpatterns = [
    path("", views.agenda, name="agenda"),
    path("nouveau/", views.book, name="book"),
    path("nouveau/confirmer/", views.book_confirm, name="book-confirm"),
    path("seances/<int:session_pk>/inscrire/", views.seat_confirm, name="seat"),
    path("seances/planifier/", views.session_plan, name="session-plan"),
    path("<int:pk>/statut/", views.status, name="status"),
    path("places/<int:pk>/statut/", views.seat_status, name="seat-status"),
    path("semaine/", calendars.week, name="week"),
    path("mon-agenda/", calendars.my_calendar, name="mine"),
    path("mon-agenda/ical/nouveau/", calendars.feed_regenerate, name="ical-regenerate"),
    path("mon-agenda/ical/desactiver/", calendars.feed_revoke, name="ical-revoke"),
    path("ical/<str:token>.ics", calendars.ical, name="ical"),
]
