from django.urls import path

from attestations import views

app_name = "attestations"

urlpatterns = [
    path("attestations/", views.RegisterView.as_view(), name="register"),
    path("attestations/envois/", views.dispatches, name="dispatches"),
    path(
        "attestations/envois/<int:dispatch_pk>/relancer/",
        views.dispatch_resend_view,
        name="dispatch-resend",
    ),
    path(
        "attestations/envois/<int:dispatch_pk>/adresse/",
        views.dispatch_address,
        name="dispatch-address",
    ),
    path("dossiers/<int:pk>/attestation/", views.issue, name="issue"),
    path(
        "dossiers/<int:pk>/attestation/<int:attestation_pk>.pdf",
        views.pdf,
        name="pdf",
    ),
    path(
        "dossiers/<int:pk>/attestation/<int:attestation_pk>/lettre.pdf",
        views.cover_letter,
        name="cover-letter",
    ),
    path(
        "dossiers/<int:pk>/attestation/<int:attestation_pk>/pdf/relancer/",
        views.pdf_retry,
        name="pdf-retry",
    ),
    path(
        "dossiers/<int:pk>/attestation/<int:attestation_pk>/reediter/",
        views.reissue,
        name="reissue",
    ),
    path(
        "dossiers/<int:pk>/attestation/<int:attestation_pk>/revoquer/",
        views.revoke,
        name="revoke",
    ),
    path(
        "dossiers/<int:pk>/envois/<int:dispatch_pk>/relancer/",
        views.resend,
        name="resend",
    ),
    path("verifier/", views.verify, name="verify"),
]
