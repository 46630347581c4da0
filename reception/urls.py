from django.urls import path

from reception import views

app_name = "reception"

urlpatterns = [
    path("permanences/", views.permanence_list, name="permanences"),
    path("permanences/<int:pk>/", views.queue, name="queue"),
    path("permanences/<int:pk>/arrivee/", views.arrival, name="queue-arrival"),
    path("permanences/<int:pk>/suivant/", views.call_next, name="queue-next"),
    path("permanences/tickets/<int:pk>/termine/", views.finish, name="ticket-finish"),
    path("permanences/tickets/<int:pk>/parti/", views.left, name="ticket-left"),
    path("permanences/tickets/<int:pk>/dossier/", views.link, name="ticket-link"),
    path("rappels/", views.callback_list, name="callbacks"),
    path("rappels/nouveau/", views.callback_create, name="callback-create"),
    path("rappels/<int:pk>/", views.callback_detail, name="callback"),
    path("rappels/<int:pk>/traite/", views.callback_done, name="callback-done"),
]
