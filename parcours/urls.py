from django.urls import path

from parcours import views

app_name = "parcours"

urlpatterns = [
    path("ouvrir/", views.open_path, name="open"),
    path("reevaluer/", views.reassess, name="reassess"),
    path("accueil/", views.welcome_save, name="welcome"),
    path("convention/", views.convention_sign, name="convention"),
    path("convention/<int:convention_pk>.pdf", views.convention_pdf, name="convention-pdf"),
    path("convention/fiche.pdf", views.convention_sheet, name="convention-sheet"),
    path(
        "convention/<int:convention_pk>/pdf/relancer/",
        views.convention_pdf_retry,
        name="convention-pdf-retry",
    ),
    path("heures/", views.hours_add, name="hours"),
    path("statut/", views.status_change, name="status"),
    path("prorogation/", views.extension_add, name="extension"),
    path("evaluation/", views.evaluation_save, name="evaluation"),
    path("evaluation/invitation/", views.invitation_add, name="invitation"),
    path("evaluation/lettre.pdf", views.invitation_letter, name="invitation-letter"),
    path("operateur/", views.axis_operator, name="operator"),
    path("force-majeure/", views.force_majeure_add, name="force-majeure"),
    path(
        "force-majeure/<int:record_pk>/attestation/",
        views.force_majeure_document,
        name="force-majeure-document",
    ),
    path(
        "prorogation/<int:extension_pk>/decision/",
        views.extension_document,
        name="extension-document",
    ),
]
