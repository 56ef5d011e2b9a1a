from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render

from accounts.http import AuthenticatedHttpRequest
from accounts.models import Role, User


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = User.objects.select_related("team", "manager").get(pk=request.user.pk)
    return render(request, "accounts/home.html", {"profile": user, "tenure_days": user.tenure_days()})


@login_required
def team(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.user.role != Role.MANAGER:
        raise PermissionDenied("Only managers have a team page.")
    members = (
        User.objects.for_user(request.user)
        .filter(is_active=True)
        .exclude(pk=request.user.pk)
        .select_related("manager")
        .order_by("start_date", "last_name")
    )
    return render(request, "accounts/team.html", {"team": request.user.team, "members": members})
