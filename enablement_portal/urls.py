from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path, re_path

from enablement_portal.api import api, api_path_not_found


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    # Resolved per request: with the manifest storage the hashed name exists only after collectstatic.
    return HttpResponsePermanentRedirect(static("favicon.svg"))


admin.site.site_header = "Enablement Portal admin"
admin.site.site_title = "Enablement Portal"

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    # Browsers ask for /favicon.ico on pages that name no icon (Django admin).
    path("favicon.ico", favicon),
    # django-nested-admin's small settings script, loaded by the module page (staff only).
    path("admin/_nested_admin/", include("nested_admin.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    # Under /api/ even a path no operation matches answers problem+json, not an HTML page.
    re_path(r"^api/", api_path_not_found),
    path("learning/", include("training.urls")),
    path("pipeline/", include("pipeline.urls")),
    path("leads/", include("leads.urls")),
    path("telemetry/", include("telemetry.urls")),
    path("", include("accounts.urls")),
    path("", include("collateral.urls")),
]
