from django.urls import path

from appointments import calendars, callbacks, permanences, views

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
    path("permanences/", permanences.permanence_list, name="permanences"),
    path("permanences/<int:pk>/", permanences.queue, name="queue"),
    path("permanences/<int:pk>/arrivee/", permanences.arrival, name="queue-arrival"),
    path("permanences/<int:pk>/suivant/", permanences.call_next, name="queue-next"),
    path("permanences/tickets/<int:pk>/termine/", permanences.finish, name="ticket-finish"),
    path("permanences/tickets/<int:pk>/parti/", permanences.left, name="ticket-left"),
    path("permanences/tickets/<int:pk>/dossier/", permanences.link, name="ticket-link"),
    path("rappels/", callbacks.callback_list, name="callbacks"),
    path("rappels/nouveau/", callbacks.callback_create, name="callback-create"),
    path("rappels/<int:pk>/", callbacks.callback_detail, name="callback"),
    path("rappels/<int:pk>/traite/", callbacks.callback_done, name="callback-done"),
]
