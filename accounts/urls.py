from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.home, name="home"),
    path("team/", views.team, name="team"),
    path("search/", views.search, name="search"),
]
