from django.urls import path

from operators import views

app_name = "operators"

urlpatterns = [
    path("offres/", views.OfferSearchView.as_view(), name="offers"),
    path("offres/<int:pk>/", views.offer_detail, name="offer"),
    path("orientations/proposer/", views.propose, name="propose"),
    path("orientations/<int:pk>/statut/", views.move, name="move"),
    path("offres/<int:pk>/lien/", views.link_create, name="link-create"),
    path("liens/<int:pk>/revoquer/", views.link_revoke, name="link-revoke"),
    path("heures/<str:token>/", views.report, name="report"),
]
