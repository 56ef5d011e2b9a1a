from django import forms
from django.http import HttpResponse
from django.shortcuts import render

from accounts.decorators import permission_required
from accounts.home import home_cards_for
from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from accounts.search import MAX_QUERY_LENGTH, search_for


@permission_required("accounts.view_home")
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = User.objects.select_related("team", "manager").get(pk=request.user.pk)
    cards = home_cards_for(user)
    todo = sum(card.count for card in cards)
    context = {"profile": user, "tenure_days": user.tenure_days(), "cards": cards, "todo": todo}
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


class SearchForm(forms.Form):
    q = forms.CharField(label="Search", max_length=MAX_QUERY_LENGTH, required=False, strip=True)


@permission_required("accounts.view_home")
def search(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Deals, accounts, leads, assets and modules matching `q`, each group among what the person may see."""
    form = SearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    groups = search_for(request.user, query) if query else []
    context = {"form": form, "query": query, "groups": groups, "found": sum(g.total for g in groups)}
    return render(request, "accounts/search.html", context, status=200 if form.is_valid() else 400)
