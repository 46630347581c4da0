from django.urls import path

from rights import views

app_name = "rights"

urlpatterns = [
    path("dossiers/<int:pk>/donnees/export/", views.export, name="export"),
    path("dossiers/<int:pk>/donnees/anonymiser/", views.anonymise, name="anonymise"),
    path("dossiers/<int:pk>/donnees/conservation/", views.legal_hold, name="legal-hold"),
    path(
        "dossiers/<int:pk>/donnees/conservation/lever/",
        views.legal_hold_lift,
        name="legal-hold-lift",
    ),
    path("coordination/conservation/", views.retention_page, name="retention"),
]
