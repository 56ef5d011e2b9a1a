from datetime import date, datetime
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.decorators import permission_required
from accounts.http import AuthenticatedHttpRequest
from accounts.outbox import enqueue_on_commit
from enablement_portal.csv import csv_response
from telemetry import selectors
from telemetry.forms import RecomputeForm, SnapshotForm
from telemetry.services import default_as_of
from telemetry.tasks import recompute

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
