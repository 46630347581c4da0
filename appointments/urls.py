from django.urls import path

from appointments import callbacks, views

app_name = "appointments"

urlpatterns = [
    path("", views.agenda, name="agenda"),
    path("nouveau/", views.book, name="book"),
    path("nouveau/confirmer/", views.book_confirm, name="book-confirm"),
    path("seances/<int:session_pk>/inscrire/", views.seat_confirm, name="seat"),
    path("<int:pk>/statut/", views.status, name="status"),
    path("rappels/", callbacks.callback_list, name="callbacks"),
    path("rappels/nouveau/", callbacks.callback_create, name="callback-create"),
    path("rappels/<int:pk>/", callbacks.callback_detail, name="callback"),
    path("rappels/<int:pk>/traite/", callbacks.callback_done, name="callback-done"),
]
