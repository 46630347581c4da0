from django.urls import path

from beneficiaries import views

# Included by home.file_urls, which adds the file page under the same namespace.
app_name = "beneficiaries"

urlpatterns = [
    path("", views.BeneficiaryListView.as_view(), name="list"),
    path("nouveau/", views.BeneficiaryCreateView.as_view(), name="create"),
    path("<int:pk>/modifier/", views.BeneficiaryUpdateView.as_view(), name="update"),
    path("<int:pk>/dispenses/", views.exemption_add, name="exemption-add"),
    path("<int:pk>/renouvellements/", views.permit_renewal_add, name="renewal-add"),
    path(
        "<int:pk>/dispenses/<int:exemption_pk>/supprimer/",
        views.exemption_delete,
        name="exemption-delete",
    ),
    path(
        "<int:pk>/dispenses/<int:exemption_pk>/fin/",
        views.exemption_end_view,
        name="exemption-end",
    ),
    path(
        "<int:pk>/dispenses/<int:exemption_pk>/justificatif/",
        views.exemption_proof,
        name="exemption-proof",
    ),
    path("<int:pk>/consentements/", views.consent_add, name="consent-add"),
    path(
        "<int:pk>/consentements/<int:consent_pk>/retirer/",
        views.consent_withdrawal,
        name="consent-withdraw",
    ),
    path("<int:pk>/lien-familial/", views.family_proof, name="family-proof"),
    path("<int:pk>/numero-national/", views.national_number, name="national-number"),
]
