from django.urls import path

from beneficiaries import views

app_name = "beneficiaries"

urlpatterns = [
    path("", views.BeneficiaryListView.as_view(), name="list"),
    path("nouveau/", views.BeneficiaryCreateView.as_view(), name="create"),
    path("<int:pk>/", views.BeneficiaryDetailView.as_view(), name="detail"),
    path("<int:pk>/modifier/", views.BeneficiaryUpdateView.as_view(), name="update"),
    path("<int:pk>/reevaluer/", views.reassess, name="reassess"),
    path("<int:pk>/dispenses/", views.exemption_add, name="exemption-add"),
    path(
        "<int:pk>/dispenses/<int:exemption_pk>/supprimer/",
        views.exemption_delete,
        name="exemption-delete",
    ),
    path(
        "<int:pk>/dispenses/<int:exemption_pk>/justificatif/",
        views.exemption_proof,
        name="exemption-proof",
    ),
]
