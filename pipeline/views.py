from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.decorators import permission_required
from accounts.http import AuthenticatedHttpRequest
from accounts.models import Team, User
from accounts.rules import is_rep
from enablement_portal.csv import csv_response
from enablement_portal.periods import month_of, quarter_of
from pipeline import deal_list, selectors
from pipeline.forms import (
    BoardFilterForm,
    CheckForm,
    DealCreateForm,
    DealForm,
    DealListForm,
    LostForm,
    ReasonForm,
    ReassignForm,
    TransitionForm,
)
from pipeline.models import (
    NEXT_STAGE,
    OPEN_STAGES,
    PREVIOUS_STAGE,
    REASON_EVENTS,
    SALES_ROLES,
    Account,
    Deal,
    DealQuerySet,
    Event,
    LostReason,
    Stage,
)
from pipeline.services import (
    TransitionRefused,
    criterion_check,
    deal_create_for,
    deal_reassign,
    deal_transition,
    deal_update,
)
from pipeline.stage_rules import stage_rules

# What a refused request answers: a move the current state does not allow is a conflict.
REFUSED_STATUS = 409


def _board_filters(request: AuthenticatedHttpRequest) -> tuple[BoardFilterForm, DealQuerySet, dict[str, Any]]:
    """The board's filter form, the deals it narrows to, and the filters the columns apply."""
    user = request.user
    deals = Deal.objects.for_user(user)
    form = BoardFilterForm(
        request.GET or None,
        owners=None if is_rep(user) else selectors.owners_for(user),
        teams=Team.objects.all() if user.is_enablement_admin else None,
    )
    options: dict[str, Any] = {"close_month": None, "rotting_only": False}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        for name in ("owner", "team", "product"):
            if data.get(name):
                deals = deals.filter(**{name: data[name]})
        options = {"close_month": data.get("close_month"), "rotting_only": bool(data.get("rotting"))}
    return form, deals, options


def _filtered_board(request: AuthenticatedHttpRequest) -> dict:
    """Parse the board's filters from the query string and build the board for the user."""
    form, deals, options = _board_filters(request)
    close_month = options["close_month"]
    period = month_of(close_month) if close_month else quarter_of(timezone.localdate())
    board = selectors.board_for(deals, period=period, **options)
    title = "My deals" if is_rep(request.user) else "Deal board"
    query = request.GET.copy()
    query.pop("after", None)
    return {"form": form, "board": board, "title": title, "query": query.urlencode()}


@permission_required("pipeline.view_board")
def board(request: AuthenticatedHttpRequest) -> HttpResponse:
    context = _filtered_board(request)
    return render(request, "pipeline/board.html", context)


@permission_required("pipeline.view_board")
def board_column(request: AuthenticatedHttpRequest, stage: str) -> HttpResponse:
    """ "Load more" of one column (htmx): the next cards after `after`, with their own "load more"."""
    if stage not in OPEN_STAGES:
        raise Http404("Not a column of the board.")
    _form, deals, options = _board_filters(request)
    try:
        column = selectors.board_column(deals, stage=stage, after=request.GET.get("after", ""), **options)
    except ValidationError as invalid:
        return HttpResponse(" ".join(invalid.messages), status=400, content_type="text/plain")
    query = request.GET.copy()
    query.pop("after", None)
    template = "pipeline/partials/column_cards.html" if request.htmx else "pipeline/board_column.html"
    return render(request, template, {"column": column, "query": query.urlencode()})


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


def _deal_list_form(request: AuthenticatedHttpRequest) -> DealListForm:
    user = request.user
    if user.is_enablement_admin:
        owners, teams = User.objects.filter(role__in=SALES_ROLES), Team.objects.all()
    elif is_rep(user):
        owners, teams = None, None
    else:
        owners = User.objects.for_user(user).filter(role__in=SALES_ROLES)
        teams = Team.objects.filter(pk__in=[user.team_id] if user.team_id else [])
    if owners is not None:
        owners = owners.order_by("first_name", "last_name", "username")
    return DealListForm(request.GET, owners=owners, teams=teams)


def _listed_deals(request: AuthenticatedHttpRequest, form: DealListForm) -> tuple[DealQuerySet, dict[str, int]]:
    """The deals the user may see, narrowed by the valid filters (an invalid form narrows to nothing)."""
    rotting = stage_rules().rotting_after
    deals = Deal.objects.for_user(request.user)
    if not form.is_valid():
        return deals.none(), rotting
    return deal_list.filter_deals(deals, form.cleaned_data, rotting=rotting, now=timezone.now()), rotting


@permission_required("pipeline.view_board")
def deal_list_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every deal the user may see, open and closed: search, filters, sort, keyset pages."""
    form = _deal_list_form(request)
    deals, rotting = _listed_deals(request, form)
    rows: list[Deal] = []
    next_cursor = ""
    sort = form.cleaned_data.get("sort", deal_list.DEFAULT_SORT) if form.is_valid() else deal_list.DEFAULT_SORT
    total = 0
    if form.is_valid():
        total = deals.count()
        page = deals.select_related("account", "owner", "team", "product")
        try:
            rows, next_cursor = deal_list.deal_page(page, sort=sort, after=form.cleaned_data.get("after", ""))
        except ValidationError as invalid:
            form.add_error("after", invalid.message_dict["after"])
            rows, total = [], 0
    deal_list.annotate_ages(rows, rotting=rotting, now=timezone.now())
    query = request.GET.copy()
    query.pop("after", None)
    context = {
        "form": form,
        "deals": rows,
        "total": total,
        "next_cursor": next_cursor,
        "query": query.urlencode(),
        "first_page": not request.GET.get("after"),
        "can_create": request.user.has_perm("pipeline.create_deal"),
    }
    return render(request, "pipeline/deal_list.html", context, status=200 if form.is_valid() else 400)


DEAL_CSV_HEADER = [
    "id",
    "name",
    "account",
    "industry",
    "owner",
    "team",
    "product",
    "stage",
    "amount",
    "currency",
    "expected_close_date",
    "closed_at",
    "created_at",
]


@permission_required("pipeline.view_board")
def deal_list_csv(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The filtered list (every page, in the list's order) as CSV."""
    form = _deal_list_form(request)
    deals, _rotting = _listed_deals(request, form)
    if not form.is_valid():
        return HttpResponse(form.errors.as_text(), status=400, content_type="text/plain; charset=utf-8")
    sort = deal_list.SORTS[form.cleaned_data["sort"]]
    rows = (
        deals.select_related("account", "owner", "team", "product")
        .order_by(*deal_list.ordering(sort))
        .iterator(chunk_size=2000)
    )
    return csv_response(
        f"deals-{timezone.localdate().isoformat()}.csv",
        DEAL_CSV_HEADER,
        (
            [
                d.pk,
                d.name,
                d.account.name,
                d.account.industry,
                str(d.owner),
                d.team.name if d.team else "",
                d.product.name if d.product else "",
                d.get_stage_display(),
                d.amount,
                d.currency,
                d.expected_close_date,
                timezone.localtime(d.closed_at).date() if d.closed_at else None,
                timezone.localtime(d.created_at).date(),
            ]
            for d in rows
        ),
    )


def _refuse_foreign_owner(request: AuthenticatedHttpRequest) -> None:
    """A rep asking for another owner is refused (403); anyone asking for a person they do not see
    (a manager for another team's rep) finds no such person (404), as with another team's deal."""
    raw = request.POST.get("owner", "")
    if not raw.isdigit() or len(raw) > 18 or int(raw) == request.user.pk:
        return
    if is_rep(request.user):
        raise PermissionDenied("A rep creates deals for themselves only.")
    if not User.objects.for_user(request.user).filter(pk=int(raw)).exists():
        raise Http404("No such person on your team.")


@permission_required("pipeline.create_deal")
def deal_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A new deal for the user (a rep), a person of their team (a manager) or anyone who sells (an admin)."""
    if request.method == "POST":
        _refuse_foreign_owner(request)
    owners = selectors.deal_owners_for(request.user)
    form = DealCreateForm(request.POST or None, owners=owners, initial={"owner": request.user.pk, "currency": "USD"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            deal = deal_create_for(
                by=request.user,
                owner=data["owner"],
                account_name=data["account"],
                product=data["product"],
                amount=data["amount"],
                currency=data["currency"],
                expected_close_date=data["expected_close_date"],
                name=data["name"],
            )
        except ValidationError as invalid:
            for name, errors in invalid.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(request, f"Deal {deal} created in {deal.get_stage_display()}.")
            return redirect(deal)
    context = {"form": form, "accounts": Account.objects.order_by("name").values_list("name", flat=True)[:500]}
    return render(request, "pipeline/deal_new.html", context, status=422 if form.errors else 200)
