from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.decorators import permission_required
from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from accounts.outbox import enqueue_on_commit
from collateral.models import Asset
from collateral.services import asset_share_to_deal
from enablement_portal.csv import csv_response
from pipeline.models import Deal, Stage
from telemetry import selectors
from telemetry.coaching import coaching_for, modules_for_stage
from telemetry.forms import CoachingAssignForm, RecomputeForm, SnapshotForm
from telemetry.gates import CSV_HEADER, GateReport, gate_csv_rows, gate_report_for
from telemetry.recommendations import recommendations_for
from telemetry.services import default_as_of
from telemetry.tasks import recompute
from training.models import Module
from training.services import coaching_assign as coaching_assign_modules

COACHING_DUE_DAYS = 14

RECOMPUTE_SESSION_KEY = "telemetry_recompute"


def _selection(request: AuthenticatedHttpRequest, dates: list[date]) -> tuple[SnapshotForm, bool]:
    form = SnapshotForm(request.GET or None, dates=dates)
    return form, (not form.is_bound) or form.is_valid()


@permission_required("telemetry.view_dashboard")
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    dates = selectors.snapshot_dates()
    form, valid = _selection(request, dates)
    if not valid:
        context: dict[str, Any] = {
            "form": form,
            "board": None,
            "last_run": selectors.last_run(),
            "recompute": recompute_status(request),
        }
        return render(request, "telemetry/dashboard.html", context, status=400)
    as_of, period = form.selection() if form.is_bound else (None, form.fields["period"].initial)
    board = selectors.dashboard_for(request.user, as_of=as_of, period=period, dates=dates)
    query = f"as_of={board.as_of.isoformat()}&period={period}" if board.as_of else ""
    context = {
        "form": form,
        "board": board,
        "last_run": board.last_run,
        "query": query,
        "recompute": recompute_status(request),
    }
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
    # Remembered for the pages that show how it is doing (recompute_status): queued, running, finished.
    request.session[RECOMPUTE_SESSION_KEY] = {"as_of": as_of.isoformat(), "since": timezone.now().isoformat()}
    enqueue_on_commit(recompute, as_of=as_of.isoformat(), trigger="admin")
    return redirect(target)


def recompute_status(request: HttpRequest) -> selectors.RecomputeRequest | None:
    """The state of this person's last "recompute now", read afresh on every page view until it
    has finished; a finished one is shown once and then forgotten."""
    asked = request.session.get(RECOMPUTE_SESSION_KEY)
    if not asked:
        return None
    state = selectors.recompute_request(
        as_of=date.fromisoformat(asked["as_of"]), since=datetime.fromisoformat(asked["since"])
    )
    if state.finished:
        del request.session[RECOMPUTE_SESSION_KEY]
    return state


# ---------------------------------------------------------------------------
# Recommendations on a deal: an htmx partial the deal page and the board cards load by URL
# (pipeline does not import telemetry), and the one-click share.
# ---------------------------------------------------------------------------


def _visible_open_deal(request: AuthenticatedHttpRequest, pk: int) -> Deal:
    return get_object_or_404(Deal.objects.for_user(request.user).select_related("account", "product"), pk=pk)


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
    deal = get_object_or_404(Deal.objects.for_user(request.user).open().select_related("account", "product"), pk=pk)
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


# ---------------------------------------------------------------------------
# Coaching: on the manager's team page and the rep's home (loaded by URL), and "Assign".
# ---------------------------------------------------------------------------


def _coaching_context(request: AuthenticatedHttpRequest) -> dict[str, Any]:
    default_due = timezone.localdate() + timedelta(days=COACHING_DUE_DAYS)
    return {"suggestions": coaching_for(request.user), "default_due": default_due}


@permission_required("telemetry.view_coaching")
def coaching(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = "telemetry/partials/coaching.html" if request.htmx else "telemetry/coaching.html"
    return render(request, page, _coaching_context(request))


@require_POST
@permission_required("telemetry.assign_coaching")
def coaching_assign(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    """Enrol one of the manager's reps in the modules that teach the stage (training's service)."""
    rep = get_object_or_404(User.objects.for_user(request.user).reps(), pk=user_id)
    form = CoachingAssignForm(request.POST)
    target = reverse("telemetry:coaching")
    if not form.is_valid():
        problems = "; ".join(f"{name}: {' '.join(map(str, errors))}" for name, errors in form.errors.items())
        messages.error(request, f"Not assigned: {problems}")
        return redirect(target)
    stage = form.cleaned_data["stage"]
    modules = modules_for_stage(stage, list(Module.objects.order_by("title")))
    try:
        enrollment = coaching_assign_modules(
            rep=rep, stage_label=Stage(stage).label, modules=modules, due_date=form.cleaned_data["due_date"],
            by=request.user,
        )  # fmt: skip
    except ValidationError as invalid:
        messages.error(request, "Not assigned: " + " ".join(invalid.messages))
        return redirect(target)
    titles = ", ".join(module.title for module in modules)
    messages.success(request, f"{rep} is enrolled in {titles}, due {enrollment.due_date:%Y-%m-%d}.")
    return redirect(target)


# ---------------------------------------------------------------------------
# Gate compliance
# ---------------------------------------------------------------------------


def _gate_report(request: AuthenticatedHttpRequest) -> tuple[SnapshotForm, GateReport | None]:
    dates = selectors.snapshot_dates()
    form, valid = _selection(request, dates)
    if not valid:
        return form, None
    as_of, period = form.selection() if form.is_bound else (None, form.fields["period"].initial)
    return form, gate_report_for(request.user, as_of=as_of or (dates[0] if dates else None), period=period)


@permission_required("telemetry.view_gates")
def gates(request: AuthenticatedHttpRequest) -> HttpResponse:
    form, report = _gate_report(request)
    query = f"as_of={report.as_of.isoformat()}&period={report.period}" if report and report.as_of else ""
    context = {"form": form, "report": report, "query": query, "min_length": settings.TELEMETRY_EVIDENCE_MIN_LENGTH}
    return render(request, "telemetry/gates.html", context, status=200 if report else 400)


@permission_required("telemetry.view_gates")
def gates_csv(request: AuthenticatedHttpRequest) -> HttpResponse:
    form, report = _gate_report(request)
    if report is None:
        errors = "; ".join(f"{name}: {' '.join(map(str, messages))}" for name, messages in form.errors.items())
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    if report.as_of is None:
        raise Http404("No snapshot yet.")
    name = f"telemetry-gates-{report.as_of.isoformat()}-{report.period}.csv"
    return csv_response(name, CSV_HEADER, gate_csv_rows(report))
