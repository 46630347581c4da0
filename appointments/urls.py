from django.urls import path

from appointments import views

app_name = "appointments"

urlpatterns = [
    path("", views.agenda, name="agenda"),
    path("nouveau/", views.book, name="book"),
    path("nouveau/confirmer/", views.book_confirm, name="book-confirm"),
    path("seances/<int:session_pk>/inscrire/", views.seat_confirm, name="seat"),
    path("<int:pk>/statut/", views.status, name="status"),
]
