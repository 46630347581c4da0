from django.urls import path

from operators import views

app_name = "operators"

urlpatterns = [
    path("offres/", views.OfferSearchView.as_view(), name="offers"),
]
