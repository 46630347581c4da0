from django.urls import path

from home import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accueil/", views.ReceptionHomeView.as_view(), name="home-reception"),
    path("accompagnement/", views.CaseworkerHomeView.as_view(), name="home-caseworker"),
    path("coordination/", views.CoordinatorHomeView.as_view(), name="home-coordinator"),
    path("administration/", views.AdministratorHomeView.as_view(), name="home-administrator"),
    path("coordination/consultations/", views.ReadLogView.as_view(), name="read-log"),
]
