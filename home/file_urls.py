"""``/dossiers/``: the file page (composed here) beside the file screens of
``beneficiaries``, under one URL namespace, « beneficiaries »."""

from django.urls import path

from beneficiaries.urls import urlpatterns as file_screens
from home import views

app_name = "beneficiaries"

urlpatterns = [
    path("<int:pk>/", views.FileView.as_view(), name="detail"),
    *file_screens,
]
