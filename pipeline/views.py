from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.decorators import permission_required
from accounts.http import AuthenticatedHttpRequest
from accounts.models import Team
from accounts.rules import is_rep
from enablement_portal.periods import month_of, quarter_of
from pipeline import selectors
from pipeline.forms import BoardFilterForm, CheckForm, DealForm, LostForm, ReasonForm, ReassignForm, TransitionForm
from pipeline.models import NEXT_STAGE, PREVIOUS_STAGE, REASON_EVENTS, Deal, Event, LostReason, Stage
from pipeline.services import TransitionRefused, criterion_check, deal_reassign, deal_transition, deal_update

# What a refused request answers: a move the current state does not allow is a conflict.
REFUSED_STATUS = 409


def _filtered_board(request: AuthenticatedHttpRequest) -> dict:
    """Parse the board's filters from the query string and build the board for the user."""
    user = request.user
    deals = Deal.objects.for_user(user)
    rep = is_rep(user)
    products = sorted({p for p in deals.order_by().values_list("product", flat=True).distinct() if p})
    form = BoardFilterForm(
        request.GET or None,
        owners=None if rep else selectors.owners_for(user),
        teams=Team.objects.all() if user.is_enablement_admin else None,
        products=products,
    )
    close_month = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data.get("owner"):
            deals = deals.filter(owner=data["owner"])
        if data.get("team"):
            deals = deals.filter(team=data["team"])
        if data.get("product"):
            deals = deals.filter(product=data["product"])
        close_month = data.get("close_month")
    period = month_of(close_month) if close_month else quarter_of(timezone.localdate())
    board = selectors.board_for(deals, period=period, close_month=close_month)
    title = "My deals" if rep else "Deal board"
    return {"form": form, "board": board, "title": title, "query": request.GET.urlencode()}


@permission_required("pipeline.view_board")
def board(request: AuthenticatedHttpRequest) -> HttpResponse:
    context = _filtered_board(request)
    return render(request, "pipeline/board.html", context)


@require_POST
@permission_required("pipeline.view_board")
def board_move(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A move from the board: a button (`event`) or a drop on a column (`to_stage`).

    Answers the re-rendered board, so a refused drop puts the card back where the server has it;
    without htmx (a plain form post) it redirects to the board with a message.
    """
    deal = get_object_or_404(Deal.objects.editable_by(request.user).select_related("owner"), pk=pk)
    error, missing = "", []
    try:
        deal_transition(deal=deal, event=_requested_event(request, deal), by=request.user)
    except TransitionRefused as refused:
        error, missing = str(refused), refused.missing
    except PermissionDenied as denied:
        error = str(denied)
    except ValidationError as invalid:
        error = " ".join(invalid.messages)
    if not request.htmx:
        if error:
            messages.error(request, f"{deal}: {error}")
        else:
            messages.success(request, f"{deal} moved to {deal.get_stage_display()}.")
        return redirect(f"{reverse('pipeline:board')}?{request.GET.urlencode()}")
    context = _filtered_board(request)
    context.update(moved=deal if not error else None, error=error, missing=missing, error_deal=deal)
    # A refusal is an answer too (200): the board as the server has it, card back in place, reason shown.
    # (A 4xx would make the browser log an error for what is an ordinary outcome of a drag.)
    return render(request, "pipeline/partials/board.html", context)


def _requested_event(request: AuthenticatedHttpRequest, deal: Deal) -> str:
    if "event" in request.POST:
        return request.POST["event"]
    to_stage = request.POST.get("to_stage", "")
    if NEXT_STAGE.get(deal.stage) == to_stage and deal.forward_event:
        return deal.forward_event
    target = Stage(to_stage).label if to_stage in Stage.values else repr(to_stage)
    if to_stage and PREVIOUS_STAGE.get(deal.stage) == to_stage:
        raise TransitionRefused(f"Moving back to {target} needs a reason: use “← Back to {target}…” on the deal page.")
    raise TransitionRefused(
        f"{deal.get_stage_display()} → {target} is not a move: a deal moves on one stage at a time "
        f"({deal.get_stage_display()} → {Stage(deal.next_stage).label if deal.next_stage else 'none'})."
    )


def _deal_context(request: AuthenticatedHttpRequest, deal: Deal, **extra: Any) -> dict[str, Any]:
    can_reassign = request.user.has_perm("pipeline.reassign_deal", deal)
    return {
        "deal": deal,
        "can_edit": deal.is_editable_by(request.user),
        "can_reassign": can_reassign,
        "gate": selectors.gate(deal),
        "timeline": selectors.timeline(deal),
        "activities": selectors.activities(deal),
        "lost_reasons": LostReason.objects.filter(active=True),
        "check_form": CheckForm(),
        "lost_form": LostForm(),
        "back_form": ReasonForm(prefix="back"),
        "reopen_form": ReasonForm(prefix="reopen"),
        "reassign_form": ReassignForm(user=request.user) if can_reassign else None,
        **extra,
    }


def _visible_deal(request: AuthenticatedHttpRequest, pk: int) -> Deal:
    deals = Deal.objects.for_user(request.user).select_related("account", "owner", "team", "lost_reason")
    return get_object_or_404(deals, pk=pk)


def _editable_deal(request: AuthenticatedHttpRequest, pk: int) -> Deal:
    # What `user` may not change is not found: the rule pipeline.change_deal, as a queryset.
    deals = Deal.objects.editable_by(request.user).select_related("account", "owner", "team", "lost_reason")
    return get_object_or_404(deals, pk=pk)


@permission_required("pipeline.view_board")
def deal_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    deal = _visible_deal(request, pk)
    return render(request, "pipeline/deal.html", _deal_context(request, deal))


@require_POST
@permission_required("pipeline.view_board")
def deal_move(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    deal = _editable_deal(request, pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        return _invalid_move(request, deal, form)
    data = form.cleaned_data
    try:
        deal_transition(
            deal=deal, event=data["event"], by=request.user, lost_reason=data["lost_reason"], note=data["note"]
        )
    except TransitionRefused as refused:
        context = _deal_context(request, deal, error=str(refused), missing=refused.missing)
        if request.htmx:
            # As on the board, a refusal is an answer (200): the gate, saying what is missing, in place.
            return render(request, "pipeline/partials/deal_gate.html", context)
        return render(request, "pipeline/deal.html", context, status=REFUSED_STATUS)
    except ValidationError as invalid:
        for name, errors in invalid.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
        return _invalid_move(request, deal, form)
    messages.success(request, f"Moved to {deal.get_stage_display()}.")
    if request.htmx:
        return HttpResponseClientRedirect(deal.get_absolute_url())
    return redirect(deal)


def _invalid_move(request: AuthenticatedHttpRequest, deal: Deal, form: TransitionForm) -> HttpResponse:
    """The deal page again, with the dialog the move came from open and its errors shown (422)."""
    event = request.POST.get("event")
    if event == Event.DEAL_LOST:
        lost_form = LostForm(request.POST)
        lost_form.is_valid()
        for name, errors in form.errors.items():
            if name in lost_form.fields and name not in lost_form.errors:
                lost_form.add_error(name, errors)
        context = _deal_context(request, deal, lost_form=lost_form, lost_open=True)
    elif event in REASON_EVENTS:
        prefix = "back" if event == Event.MOVED_BACK else "reopen"
        reason_form = ReasonForm({f"{prefix}-note": request.POST.get("note", "")}, prefix=prefix)
        reason_form.is_valid()
        for message in form.errors.get("note", []):
            if not reason_form.errors:
                reason_form.add_error("note", message)
        context = _deal_context(request, deal, **{f"{prefix}_form": reason_form, f"{prefix}_open": True})
    else:
        context = _deal_context(request, deal, error=_errors(form))
    return render(request, "pipeline/deal.html", context, status=422)


def _errors(form: forms.Form) -> str:
    return " ".join(f"{name}: {' '.join(map(str, errors))}" for name, errors in form.errors.items())


@require_POST
@permission_required("pipeline.view_board")
def deal_check(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Confirm a criterion. From htmx (the refusal's "tick it here", the checklist) the answer is the
    gate again, still saying what is missing after a refused move, or that the deal can move on now."""
    deal = _editable_deal(request, pk)
    form = CheckForm(request.POST)
    if form.is_valid():
        try:
            data = form.cleaned_data
            criterion_check(deal=deal, criterion=data["criterion"], by=request.user, evidence=data["evidence"])
        except ValidationError as invalid:
            for name, errors in invalid.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            if request.htmx:
                return _gate(request, deal, done=f"Confirmed: {data['criterion'].text}")
            messages.success(request, f"Confirmed: {form.cleaned_data['criterion'].text}")
            return redirect(deal)
    if request.htmx:
        # A form error is an ordinary answer to show in place (htmx swaps only 2xx answers).
        return _gate(request, deal, check_form=form, check_criterion=request.POST.get("criterion", ""))
    context = _deal_context(request, deal, check_form=form, check_criterion=request.POST.get("criterion", ""))
    return render(request, "pipeline/deal.html", context, status=422)


def _gate(request: AuthenticatedHttpRequest, deal: Deal, **extra: Any) -> HttpResponse:
    context = _deal_context(request, deal, **extra)
    if request.POST.get("refused"):
        # Still answering a refused move: what remains missing, or that the move can be made now.
        missing = deal.missing_criteria()
        context.update(error="Not yet confirmed." if missing else "", missing=missing, ready=not missing)
    return render(request, "pipeline/partials/deal_gate.html", context)


@require_POST
@permission_required("pipeline.view_board")
def deal_reassign_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A manager (their team's deals) or an admin gives a deal to someone else, with a reason."""
    deals = Deal.objects.reassignable_by(request.user).select_related("account", "owner", "team", "lost_reason")
    deal = get_object_or_404(deals, pk=pk)
    form = ReassignForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            deal_reassign(by=request.user, deal=deal, **form.cleaned_data)
        except ValidationError as invalid:
            for name, errors in invalid.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(request, f"{deal} now belongs to {deal.owner}.")
            return redirect(deal)
    context = _deal_context(request, deal, reassign_form=form, reassign_open=True)
    return render(request, "pipeline/deal.html", context, status=422)


@permission_required("pipeline.view_board")
def deal_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    deal = _editable_deal(request, pk)
    form = DealForm(request.POST or None, instance=Deal.objects.get(pk=deal.pk))
    if request.method == "POST" and form.is_valid():
        try:
            deal_update(deal=deal, by=request.user, **form.cleaned_data)
        except TransitionRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, "Deal saved.")
            return redirect(deal)
    status = 422 if form.errors else 200
    return render(request, "pipeline/deal_form.html", {"deal": deal, "form": form}, status=status)
