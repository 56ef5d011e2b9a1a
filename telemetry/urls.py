from django.urls import path

from telemetry import views

app_name = "telemetry"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("recompute/", views.recompute_now, name="recompute"),
    path("deals/<int:pk>/recommendations/", views.deal_recommendations, name="deal_recommendations"),
    path(
        "deals/<int:pk>/recommendations/<str:asset_id>/share/",
        views.deal_recommendation_share,
        name="deal_recommendation_share",
    ),
    path("gates/", views.gates, name="gates"),
    path("gates.csv", views.gates_csv, name="gates_csv"),
    path("coaching/", views.coaching, name="coaching"),
    path("coaching/<int:user_id>/assign/", views.coaching_assign, name="coaching_assign"),
    path("<slug:slug>.csv", views.table_csv, name="table_csv"),
]
