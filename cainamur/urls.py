from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from cainamur import export_views, health, second_factor_views
from cainamur.auth_views import LoginView, PasswordResetView
from cainamur.permissions import STAFF_ROLES, role_required
from cainamur.session_timeout import session_keepalive

export_urls = [
    path("", export_views.journal, name="journal"),
    path("nouveau/", export_views.start, name="start"),
    path("<int:pk>/", export_views.detail, name="detail"),
    path("<int:pk>/fichier/", export_views.download, name="download"),
]

urlpatterns = [
    path("", include("home.urls")),
    # The newcomers' own pages (no account): /rdv/, /mon-parcours/.
    path("", include("newcomers.urls")),
    path("dossiers/", include("home.file_urls")),
    path("dossiers/<int:pk>/parcours/", include("parcours.urls")),
    path("", include("attestations.urls")),
    path("rendez-vous/", include("appointments.urls")),
    path("rendez-vous/", include("reception.urls")),
    path("operateurs/", include("operators.urls")),
    path("manquements/", include("compliance.urls")),
    path("", include("rights.urls")),
    path("", include("reporting.urls")),
    path("imports/", include("imports.urls")),
    path("actions-groupees/", include("bulk.urls")),
    path("exports/", include((export_urls, "exports"))),
    path("health/", health.health, name="health"),
    # Authentication (Django's views, French templates in templates/registration/).
    path("connexion/", LoginView.as_view(), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("connexion/verification/", second_factor_views.verify, name="second-factor-verify"),
    path("connexion/activation/", second_factor_views.setup, name="second-factor-setup"),
    path(
        "connexion/codes-de-secours/",
        second_factor_views.backup_codes,
        name="second-factor-backup-codes",
    ),
    path(
        "compte/securite/",
        role_required(*STAFF_ROLES)(second_factor_views.account_security),
        name="account-security",
    ),
    path(
        "compte/securite/codes/",
        role_required(*STAFF_ROLES)(second_factor_views.backup_codes_renew),
        name="account-backup-codes",
    ),
    path(
        "compte/securite/cles/<int:pk>/retirer/",
        role_required(*STAFF_ROLES)(second_factor_views.passkey_delete),
        name="account-passkey-delete",
    ),
    path("session/prolonger/", session_keepalive, name="session-keepalive"),
    path("webauthn/", include("django_otp_webauthn.urls", namespace="otp_webauthn")),
    path(
        "mot-de-passe/",
        role_required(*STAFF_ROLES)(auth_views.PasswordChangeView.as_view()),
        name="password_change",
    ),
    path(
        "mot-de-passe/modifie/",
        role_required(*STAFF_ROLES)(auth_views.PasswordChangeDoneView.as_view()),
        name="password_change_done",
    ),
    path(
        "mot-de-passe/oubli/",
        PasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "mot-de-passe/oubli/envoye/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "mot-de-passe/nouveau/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "mot-de-passe/nouveau/termine/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("admin/", admin.site.urls),
]
