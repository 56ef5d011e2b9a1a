from django.urls import path

from collateral import views

app_name = "collateral"

urlpatterns = [
    path("collateral/", views.library, name="library"),
    path("collateral/stale/", views.stale, name="stale"),
    path("collateral/<str:asset_id>/", views.asset_detail, name="asset"),
    path("collateral/<str:asset_id>/share/", views.share, name="share"),
    path("collateral/<str:asset_id>/publish/", views.publish, name="publish"),
    path("collateral/<str:asset_id>/v/<str:version>/", views.version_detail, name="version"),
    path("collateral/<str:asset_id>/v/<str:version>/download/", views.download, name="download"),
    # Permalinks: always the latest published version.
    path("c/<str:asset_id>/", views.permalink, name="permalink"),
    path("c/<str:asset_id>/download/", views.permalink_download, name="permalink_download"),
]
