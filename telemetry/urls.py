from django.urls import path

from telemetry import views

app_name = "telemetry"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("recompute/", views.recompute_now, name="recompute"),
    path("<slug:slug>.csv", views.table_csv, name="table_csv"),
]
