from django.http import HttpResponse
from django.shortcuts import render

from accounts.decorators import permission_required
from accounts.home import home_cards_for
from accounts.http import AuthenticatedHttpRequest
from accounts.models import User


@permission_required("accounts.view_home")
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = User.objects.select_related("team", "manager").get(pk=request.user.pk)
    context = {"profile": user, "tenure_days": user.tenure_days(), "cards": home_cards_for(user)}
    return render(request, "accounts/home.html", context)


@permission_required("accounts.view_my_team")
def team(request: AuthenticatedHttpRequest) -> HttpResponse:
    members = (
        User.objects.for_user(request.user)
        .filter(is_active=True)
        .exclude(pk=request.user.pk)
        .select_related("manager")
        .order_by("start_date", "last_name")
    )
    return render(request, "accounts/team.html", {"team": request.user.team, "members": members})
