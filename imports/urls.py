from django.urls import path

from imports import views

app_name = "imports"

urlpatterns = [
    path("", views.batches, name="batches"),
    path("nouveau/", views.upload, name="upload"),
    path("<int:pk>/", views.batch, name="batch"),
    path("<int:pk>/colonnes/", views.columns, name="columns"),
    path("<int:pk>/confirmer/", views.confirm, name="confirm"),
    path("<int:pk>/abandonner/", views.abandon, name="abandon"),
    # The operators' attendance sheets, behind their reporting link's token (no account).
    path("heures/<str:token>/", views.attendance_upload, name="attendance-upload"),
    path("heures/<str:token>/modele/", views.attendance_template, name="attendance-template"),
    path("heures/<str:token>/<int:pk>/", views.attendance_sheet, name="attendance-sheet"),
    path(
        "heures/<str:token>/<int:pk>/confirmer/",
        views.attendance_confirm,
        name="attendance-confirm",
    ),
    path(
        "heures/<str:token>/<int:pk>/abandonner/",
        views.attendance_abandon,
        name="attendance-abandon",
    ),
]
