from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.decorators import permission_required
from accounts.http import AuthenticatedHttpRequest
from accounts.rules import is_rep
from enablement_portal.csv import Cell, csv_response
from leads.forms import ConvertForm, HandoverForm, InboxFilterForm, QualityFilterForm, ReturnForm
from leads.models import Lead, QualificationCriterion
from leads.selectors import InboxFilters, QualityReport, inbox_page, quality_report
from leads.services import LeadActionRefused, lead_accept, lead_convert, lead_reassign, lead_return, owner_hand_over
from pipeline.forms import ReassignForm


@permission_required("leads.view_inbox")
def inbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every lead one may see, searched and filtered, newest first, a keyset page at a time; htmx's
    "show more" gets the next page's rows only."""
    form = InboxFilterForm(request.GET or None, user=request.user)
    if form.is_bound and not form.is_valid():
        return render(request, "leads/inbox.html", {"form": form, "page": None}, status=400)
    data = form.cleaned_data if form.is_bound else {}
    integration = data.get("integration")
    filters = InboxFilters(
        q=data.get("q", "").strip(),
        statuses=form.statuses() if form.is_bound else InboxFilters().statuses,
        integration_id=integration.pk if integration else None,
        owner=data.get("owner", ""),
        age=data.get("age", ""),
        after=data.get("after", ""),
    )
    page = inbox_page(request.user, filters)
    query = request.GET.copy()
    query.pop("after", None)
    context = {
        "form": form,
        "page": page,
        "filtered": form.is_bound and any(v for k, v in data.items() if k != "after"),
        "first_query": query.urlencode(),
        "next_query": _with(query, after=page.next_cursor) if page.next_cursor else "",
        "is_rep": is_rep(request.user),
    }
    if request.htmx and filters.after:
        return render(request, "leads/partials/lead_rows.html", context)
    return render(request, "leads/inbox.html", context)


def _with(query: QueryDict, **values: str) -> str:
    query = query.copy()
    for name, value in values.items():
        query[name] = value
    return query.urlencode()


def _lead_for(request: AuthenticatedHttpRequest, pk: int) -> Lead:
    queryset = Lead.objects.for_user(request.user).select_related("owner", "team", "integration", "deal")
    return get_object_or_404(queryset, pk=pk)


def _panel_context(lead: Lead, **extra: Any) -> dict[str, Any]:
    return {
        "lead": lead,
        "events": lead.events.select_related("by"),
        "return_form": extra.pop("return_form", None) or ReturnForm(),
        "convert_form": extra.pop("convert_form", None) or ConvertForm(initial={"name": ""}),
        **extra,
    }


@permission_required("leads.view_inbox")
def detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    lead = _lead_for(request, pk)
    labels = dict(QualificationCriterion.objects.filter(code__in=lead.criteria).values_list("code", "label"))
    criteria = [(code, labels.get(code, code)) for code in lead.criteria]
    context = {**_panel_context(lead), "criteria": criteria, **_reassign_context(request, lead)}
    return render(request, "leads/detail.html", context)


def _reassign_context(request: AuthenticatedHttpRequest, lead: Lead, form: ReassignForm | None = None) -> dict:
    if not request.user.has_perm("leads.reassign_lead", lead):
        return {"reassign_form": None}
    return {"reassign_form": form or ReassignForm(user=request.user), "reassign_open": form is not None}


@permission_required("leads.view_inbox")
@require_POST
def reassign(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A manager (their team's leads) or an admin gives a lead to someone else, with a reason."""
    queryset = Lead.objects.reassignable_by(request.user).select_related("owner", "team", "integration", "deal")
    lead = get_object_or_404(queryset, pk=pk)
    form = ReassignForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            lead = lead_reassign(lead=lead, by=request.user, **form.cleaned_data)
        except ValidationError as invalid:
            for name, errors in invalid.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(request, f"The lead now belongs to {lead.owner}.")
            return redirect(lead)
    labels = dict(QualificationCriterion.objects.filter(code__in=lead.criteria).values_list("code", "label"))
    criteria = [(code, labels.get(code, code)) for code in lead.criteria]
    context = {**_panel_context(lead), "criteria": criteria, **_reassign_context(request, lead, form)}
    return render(request, "leads/detail.html", context, status=422)


@permission_required("leads.hand_over")
def handover(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Hand a rep's open deals and leads to a colleague (they leave, change team, go on leave).

    GET `?from_owner=` lists that person's open deals and leads; POST hands over all of them or
    those ticked, in one transaction, each with a history row.
    """
    if request.method == "POST":
        form = HandoverForm(request.POST, user=request.user)
        if form.is_valid():
            deals, leads = form.chosen()
            data = form.cleaned_data
            moved_deals, moved_leads = owner_hand_over(
                deals=deals, leads=leads, new_owner=data["new_owner"], reason=data["reason"], by=request.user
            )
            messages.success(
                request,
                f"{moved_deals} deal{'s' if moved_deals != 1 else ''} and {moved_leads} "
                f"lead{'s' if moved_leads != 1 else ''} of {data['from_owner']} now belong to {data['new_owner']}.",
            )
            return redirect(f"{reverse('leads:handover')}?from_owner={data['from_owner'].pk}")
    else:
        form = HandoverForm(user=request.user, initial={"from_owner": request.GET.get("from_owner")})
    deals_field, leads_field = form.fields["deals"], form.fields["leads"]
    context = {
        "form": form,
        "source": form.source,
        "deals": deals_field.queryset.select_related("account").order_by("stage", "name"),  # type: ignore[attr-defined]
        "leads": leads_field.queryset.order_by("-received_at"),  # type: ignore[attr-defined]
        "ticked_deals": set(request.POST.getlist("deals")) if form.is_bound else None,
        "ticked_leads": set(request.POST.getlist("leads")) if form.is_bound else None,
    }
    return render(request, "leads/handover.html", context, status=422 if form.errors else 200)


def _answer(
    request: AuthenticatedHttpRequest, lead: Lead, *, done: str = "", error: str = "", status: int = 200, **forms: Form
) -> HttpResponse:
    """htmx gets the lead's panel again; without JavaScript the form posts and we redirect back."""
    if request.htmx:
        lead = Lead.objects.select_related("owner", "team", "integration", "deal").get(pk=lead.pk)
        context = _panel_context(lead, done=done, error=error, **forms)
        return render(request, "leads/partials/lead_panel.html", context, status=status)
    if error:
        messages.error(request, error)
    elif forms:
        messages.error(
            request, " ".join(str(e) for form in forms.values() for errs in form.errors.values() for e in errs)
        )
    else:
        messages.success(request, done)
    return redirect(lead)


@permission_required("leads.view_inbox")
@require_POST
def accept(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    lead = _lead_for(request, pk)
    try:
        lead = lead_accept(lead=lead, by=request.user)
    except LeadActionRefused as exc:
        return _answer(request, lead, error=str(exc), status=409)
    return _answer(request, lead, done="Accepted: the lead is now sales-qualified.")


@permission_required("leads.view_inbox")
@require_POST
def return_to_marketing(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    lead = _lead_for(request, pk)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        return _answer(request, lead, status=422, return_form=form)
    try:
        lead = lead_return(lead=lead, by=request.user, **form.cleaned_data)
    except ValidationError as exc:
        for name, errors in exc.message_dict.items():
            form.add_error(name, errors)
        return _answer(request, lead, status=422, return_form=form)
    except LeadActionRefused as exc:
        return _answer(request, lead, error=str(exc), status=409)
    return _answer(request, lead, done="Returned to marketing; the reason shows in their quality report.")


@permission_required("leads.view_inbox")
@require_POST
def convert(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    lead = _lead_for(request, pk)
    form = ConvertForm(request.POST)
    if not form.is_valid():
        return _answer(request, lead, status=422, convert_form=form)
    try:
        lead = lead_convert(lead=lead, by=request.user, **form.cleaned_data)
    except LeadActionRefused as exc:
        return _answer(request, lead, error=str(exc), status=409)
    except ValidationError as invalid:
        for name, errors in invalid.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
        return _answer(request, lead, status=422, convert_form=form)
    return _answer(request, lead, done=f"Converted: deal “{lead.deal.name}” created in Lead in.")  # type: ignore[union-attr]


@permission_required("leads.view_quality_report")
def quality(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = QualityFilterForm(request.GET or None)
    days = (form.cleaned_data.get("days") if form.is_valid() else None) or 30
    report = quality_report(start=timezone.now() - timedelta(days=days))
    if request.GET.get("format") == "csv":
        return _quality_csv(report, days)
    return render(request, "leads/quality.html", {"form": form, "report": report, "days": days})


def _quality_csv(report: QualityReport, days: int) -> HttpResponse:
    header = ["integration", "day", "received", "accepted", "rejected", "returned_by_sales"]
    rows: Iterable[list[Cell]] = (
        [row.integration, row.day, row.received, row.accepted, row.rejected, row.returned] for row in report.rows
    )
    return csv_response(f"lead-quality-{days}d.csv", header, rows)
