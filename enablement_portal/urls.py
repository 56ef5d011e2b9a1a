from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from enablement_portal.api import api

admin.site.site_header = "Enablement Portal admin"
admin.site.site_title = "Enablement Portal"

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("pipeline/", include("pipeline.urls")),
    path("telemetry/", include("telemetry.urls")),
    path("", include("accounts.urls")),
]
