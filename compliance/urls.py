from django.urls import path

from compliance import views

app_name = "compliance"

urlpatterns = [
    path("", views.breaches, name="list"),
    path("ouvrir/", views.case_open, name="open"),
    path("<int:case_pk>/", views.case_detail, name="case"),
    path("<int:case_pk>/rapport.pdf", views.report, name="report"),
    path("<int:case_pk>/envoi/", views.sent, name="sent"),
    path("<int:case_pk>/suite/", views.outcome, name="outcome"),
]
