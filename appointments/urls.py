from django.urls import path

from appointments import calendars, online_views, views

app_name = "appointments"

urlpatterns = [
    path("", views.agenda, name="agenda"),
    path("nouveau/", views.book, name="book"),
    path("nouveau/confirmer/", views.book_confirm, name="book-confirm"),
    path("seances/<int:session_pk>/inscrire/", views.seat_confirm, name="seat"),
    path("seances/planifier/", views.session_plan, name="session-plan"),
    path("<int:pk>/statut/", views.status, name="status"),
    path("places/<int:pk>/statut/", views.seat_status, name="seat-status"),
    path("en-ligne/", online_views.online_list, name="online-list"),
    path("en-ligne/<int:pk>/", online_views.online_detail, name="online"),
    path("semaine/", calendars.week, name="week"),
    path("mon-agenda/", calendars.my_calendar, name="mine"),
    path("mon-agenda/ical/nouveau/", calendars.feed_regenerate, name="ical-regenerate"),
    path("mon-agenda/ical/desactiver/", calendars.feed_revoke, name="ical-revoke"),
    path("ical/<str:token>.ics", calendars.ical, name="ical"),
]
