from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.decorators import permission_required
from accounts.http import AuthenticatedHttpRequest
from accounts.outbox import enqueue_on_commit
from collateral.models import Asset
from collateral.services import asset_share_to_deal
from enablement_portal.csv import csv_response
from pipeline.models import Deal
from telemetry import selectors
from telemetry.forms import RecomputeForm, SnapshotForm
from telemetry.recommendations import recommendations_for
from telemetry.services import default_as_of
from telemetry.tasks import recompute


def _selection(request: AuthenticatedHttpRequest, dates: list[date]) -> tuple[SnapshotForm, bool]:
    form = SnapshotForm(request.GET or None, dates=dates)
    return form, (not form.is_bound) or form.is_valid()


@permission_required("telemetry.view_dashboard")
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    dates = selectors.snapshot_dates()
    form, valid = _selection(request, dates)
    if not valid:
        context: dict[str, Any] = {"form": form, "board": None, "last_run": selectors.last_run()}
        return render(request, "telemetry/dashboard.html", context, status=400)
    as_of, period = form.selection() if form.is_bound else (None, form.fields["period"].initial)
    board = selectors.dashboard_for(request.user, as_of=as_of, period=period, dates=dates)
    query = f"as_of={board.as_of.isoformat()}&period={period}" if board.as_of else ""
    context = {"form": form, "board": board, "last_run": board.last_run, "query": query}
    return render(request, "telemetry/dashboard.html", context)


@permission_required("telemetry.view_dashboard")
def table_csv(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    table = selectors.table_for(slug)
    dates = selectors.snapshot_dates()
    form, valid = _selection(request, dates)
    if table is None or not dates:
        raise Http404("No such table, or no snapshot yet.")
    if not valid:
        errors = "; ".join(f"{name}: {' '.join(map(str, messages))}" for name, messages in form.errors.items())
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    as_of, period = form.selection() if form.is_bound else (None, form.fields["period"].initial)
    as_of = as_of or dates[0]
    header, rows = selectors.csv_rows(request.user, table, as_of=as_of, period=period)
    return csv_response(f"telemetry-{slug}-{as_of.isoformat()}-{period}.csv", header, rows)


@require_POST
@permission_required("telemetry.recompute_telemetry")
def recompute_now(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Enqueue a recomputation of today's snapshot (or of `as_of`) once this request commits."""
    form = RecomputeForm(request.POST)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("telemetry:dashboard")
    if not form.is_valid():
        messages.error(request, "Not recomputed: " + "; ".join(" ".join(map(str, e)) for e in form.errors.values()))
        return redirect(target)
    as_of = form.cleaned_data["as_of"] or default_as_of()
    enqueue_on_commit(recompute, as_of=as_of.isoformat(), trigger="admin")
    messages.success(request, f"Recomputation of {as_of.isoformat()} queued; the last run's status shows below.")
    return redirect(target)


# ---------------------------------------------------------------------------
# Recommendations on a deal: an htmx partial the deal page and the board cards load by URL
# (pipeline does not import telemetry), and the one-click share.
# ---------------------------------------------------------------------------


def _visible_open_deal(request: AuthenticatedHttpRequest, pk: int) -> Deal:
    return get_object_or_404(Deal.objects.for_user(request.user).select_related("account"), pk=pk)


@permission_required("telemetry.view_recommendations")
def deal_recommendations(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    deal = _visible_open_deal(request, pk)
    context = {"recs": recommendations_for(deal), "compact": request.GET.get("compact") == "1"}
    page = "telemetry/partials/recommendations.html" if request.htmx else "telemetry/recommendations.html"
    return render(request, page, context)


@require_POST
@permission_required("telemetry.view_recommendations")
def deal_recommendation_share(request: AuthenticatedHttpRequest, pk: int, asset_id: str) -> HttpResponse:
    """Share a recommended asset on the deal; answers the refreshed list (htmx) or the deal page."""
    deal = get_object_or_404(Deal.objects.for_user(request.user).open().select_related("account"), pk=pk)
    asset = get_object_or_404(Asset.objects.visible(), asset_id=asset_id)
    error = ""
    try:
        asset_share_to_deal(asset=asset, deal=deal, by=request.user)
    except ValidationError as invalid:
        error = " ".join(invalid.messages)
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, f"Shared {asset.asset_id} on {deal}.")
        return redirect(deal)
    context = {"recs": recommendations_for(deal), "compact": request.GET.get("compact") == "1", "error": error}
    return render(request, "telemetry/partials/recommendations.html", context, status=400 if error else 200)
