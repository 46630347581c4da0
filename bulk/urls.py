from django.urls import path

from bulk import views

app_name = "bulk"

urlpatterns = [
    path("", views.actions, name="list"),
    path("nouvelle/", views.new, name="new"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/etat/", views.state, name="state"),
    path("<int:pk>/lettres/", views.letters, name="letters"),
    path("<int:pk>/reprendre/", views.resume, name="resume"),
]
