from django.urls import path

from reporting import views

app_name = "reporting"

urlpatterns = [
    path("pilotage/", views.dashboard, name="dashboard"),
    path("pilotage/rapports/", views.reports, name="reports"),
    path("pilotage/rapports/<int:pk>/etat/", views.report_state, name="report-state"),
    path(
        "pilotage/rapports/<int:pk>/<str:kind>/",
        views.report_file,
        name="report-file",
    ),
]
