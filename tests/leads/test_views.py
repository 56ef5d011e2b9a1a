import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from leads.models import Lead, LeadEvent, LeadRejection, LeadStatus
from pipeline.models import Deal, Product
from tests.leads.factories import IntegrationFactory, LeadFactory

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def my_lead(rep, team):
    return LeadFactory(owner=rep, team=team, company_name="Acme Corp", first_name="Jane", last_name="Doe")


@pytest.fixture
def queued_lead(db):
    return LeadFactory(owner=None, team=None, first_name="Quinn", last_name="Queue")


@pytest.fixture
def other_lead(other_rep, other_team):
    return LeadFactory(owner=other_rep, team=other_team, first_name="Olga", last_name="Other")


# ---------------------------------------------------------------------------
# Inbox
# ---------------------------------------------------------------------------
def test_a_rep_sees_their_leads_and_the_queue_not_others(client, rep, my_lead, queued_lead, other_lead):
    client.force_login(rep)
    page = client.get(reverse("leads:inbox")).content.decode()
    assert "Jane Doe" in page and "Quinn Queue" in page
    assert "Olga Other" not in page


def test_a_manager_sees_the_teams_leads(client, manager, my_lead, other_lead):
    client.force_login(manager)
    page = client.get(reverse("leads:inbox")).content.decode()
    assert "Jane Doe" in page and "Olga Other" not in page


def test_the_queue_shows_unassigned_leads_of_my_team_or_none(client, rep, other_team):
    LeadFactory(owner=None, team=other_team, first_name="Tess", last_name="Elsewhere")
    client.force_login(rep)
    assert "Tess Elsewhere" not in client.get(reverse("leads:inbox")).content.decode()


def test_the_inbox_is_for_sales(client, marketing):
    client.force_login(marketing)
    assert client.get(reverse("leads:inbox")).status_code == 403


def test_the_inbox_needs_a_login(client):
    assert client.get(reverse("leads:inbox")).status_code == 302


def test_the_inbox_query_count_does_not_grow_with_leads(client, rep, team, django_assert_max_num_queries):
    for _ in range(30):
        LeadFactory(owner=rep, team=team)
        LeadFactory(owner=None, team=None)
    client.force_login(rep)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("leads:inbox")).status_code == 200


# ---------------------------------------------------------------------------
# Lead page and actions
# ---------------------------------------------------------------------------
def test_the_lead_page_shows_contact_firmographics_score_criteria_and_history(client, rep, my_lead):
    client.force_login(rep)
    page = client.get(my_lead.get_absolute_url()).content.decode()
    for text in ["Jane Doe", my_lead.email, "Acme Corp", "SaaS", "250", "85 / 100", "Visited the pricing page"]:
        assert text in page
    assert "received from HubSpot" in page


def test_another_teams_lead_is_404(client, rep, other_lead):
    client.force_login(rep)
    assert client.get(other_lead.get_absolute_url()).status_code == 404
    assert client.post(reverse("leads:accept", args=[other_lead.pk])).status_code == 404
    assert Lead.objects.get(pk=other_lead.pk).status == LeadStatus.MQL


def test_accept_makes_it_an_sql_with_htmx(client, rep, my_lead):
    client.force_login(rep)
    response = client.post(reverse("leads:accept", args=[my_lead.pk]), **HX)
    assert response.status_code == 200
    assert 'id="lead-panel"' in response.content.decode() and "Accepted (SQL)" in response.content.decode()
    my_lead.refresh_from_db()
    assert my_lead.status == LeadStatus.ACCEPTED
    assert LeadEvent.objects.get(lead=my_lead).by == rep


def test_accept_without_javascript_redirects_back(client, rep, my_lead):
    client.force_login(rep)
    response = client.post(reverse("leads:accept", args=[my_lead.pk]))
    assert response.status_code == 302 and response["Location"] == my_lead.get_absolute_url()


def test_accepting_from_the_queue_takes_the_lead(client, rep, queued_lead):
    client.force_login(rep)
    client.post(reverse("leads:accept", args=[queued_lead.pk]), **HX)
    queued_lead.refresh_from_db()
    assert (queued_lead.owner, queued_lead.team) == (rep, rep.team)


def test_accepting_twice_is_refused_and_says_why(client, rep, my_lead):
    client.force_login(rep)
    client.post(reverse("leads:accept", args=[my_lead.pk]), **HX)
    response = client.post(reverse("leads:accept", args=[my_lead.pk]), **HX)
    assert response.status_code == 409
    assert "cannot be accepted" in response.content.decode()
    assert LeadEvent.objects.count() == 1


def test_actions_need_post(client, rep, my_lead):
    client.force_login(rep)
    assert client.get(reverse("leads:accept", args=[my_lead.pk])).status_code == 405


def test_return_needs_a_reason(client, rep, my_lead):
    client.force_login(rep)
    response = client.post(reverse("leads:return", args=[my_lead.pk]), {"reason": "", "note": ""}, **HX)
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.content.decode()
    my_lead.refresh_from_db()
    assert my_lead.status == LeadStatus.MQL


def test_return_with_other_needs_a_note(client, rep, my_lead):
    client.force_login(rep)
    response = client.post(reverse("leads:return", args=[my_lead.pk]), {"reason": "other"}, **HX)
    assert response.status_code == 422
    assert "Say what is wrong" in response.content.decode()
    assert Lead.objects.get(pk=my_lead.pk).status == LeadStatus.MQL


def test_return_records_the_reason(client, rep, my_lead):
    client.force_login(rep)
    data = {"reason": "bad_contact", "note": "Bounced."}
    response = client.post(reverse("leads:return", args=[my_lead.pk]), data, **HX)
    assert response.status_code == 200
    my_lead.refresh_from_db()
    assert (my_lead.status, my_lead.return_reason, my_lead.return_note) == ("returned", "bad_contact", "Bounced.")
    assert my_lead.returned_at is not None


def convert_data(**extra):
    """A conversion as the form posts it: a product of the list (by id) and a close date."""
    return {
        "name": "",
        "amount": "12000.50",
        "product": Product.objects.get(name="GTX Pro").pk,
        "expected_close_date": "2027-03-31",
        **extra,
    }


def test_convert_creates_a_deal_in_lead_in_and_links_it(client, rep, my_lead):
    client.force_login(rep)
    response = client.post(reverse("leads:convert", args=[my_lead.pk]), convert_data(), **HX)
    assert response.status_code == 200
    my_lead.refresh_from_db()
    deal = Deal.objects.get()
    assert my_lead.status == LeadStatus.CONVERTED and my_lead.deal == deal
    assert (deal.name, deal.stage, deal.owner, deal.team, deal.amount, deal.product.name) == (
        "Acme Corp — Jane Doe",
        "LeadIn",
        rep,
        rep.team,
        Decimal("12000.50"),
        "GTX Pro",
    )
    assert deal.expected_close_date == date(2027, 3, 31)
    assert deal.account.name == "Acme Corp" and deal.source_lead == my_lead
    # Made through the pipeline's deal_create: a deal from a lead starts its history there.
    assert deal.source == "lead"
    assert list(deal.stage_changes.values_list("to_stage", "by")) == [("LeadIn", rep.pk)]
    # The converted lead links its deal's page, which its owner can open.
    page = client.get(my_lead.get_absolute_url()).content.decode()
    assert f'href="/pipeline/deals/{deal.pk}/"' in page
    assert client.get(f"/pipeline/deals/{deal.pk}/").status_code == 200


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"product": "GTX Pr0"}, "product", "Select a valid choice"),
        ({"product": ""}, "product", "This field is required"),
        ({"expected_close_date": ""}, "expected_close_date", "This field is required"),
    ],
)
def test_convert_needs_a_product_of_the_list_and_a_close_date(client, rep, my_lead, change, field, message):
    client.force_login(rep)
    response = client.post(reverse("leads:convert", args=[my_lead.pk]), convert_data(**change), **HX)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Deal.objects.exists() and Product.objects.filter(name__iexact="GTX Pr0").count() == 0


def test_convert_offers_only_active_products(client, rep, my_lead):
    Product.objects.filter(name="GTX Pro").update(is_active=False)
    client.force_login(rep)
    response = client.post(reverse("leads:convert", args=[my_lead.pk]), convert_data(), **HX)
    assert response.status_code == 422 and not Deal.objects.exists()


def test_convert_refuses_a_negative_amount(client, rep, my_lead):
    client.force_login(rep)
    response = client.post(reverse("leads:convert", args=[my_lead.pk]), convert_data(amount="-1"), **HX)
    assert response.status_code == 422
    assert not Deal.objects.exists()
    assert Lead.objects.get(pk=my_lead.pk).status == LeadStatus.MQL


def test_a_returned_lead_cannot_be_converted(client, rep, my_lead):
    client.force_login(rep)
    client.post(reverse("leads:return", args=[my_lead.pk]), {"reason": "no_interest"}, **HX)
    response = client.post(reverse("leads:convert", args=[my_lead.pk]), convert_data(amount="10"), **HX)
    assert response.status_code == 409
    assert not Deal.objects.exists()


# ---------------------------------------------------------------------------
# Quality report
# ---------------------------------------------------------------------------
@pytest.fixture
def quality_data(rep, team):
    hubspot = IntegrationFactory(name="HubSpot")
    LeadFactory(integration=hubspot, owner=rep, team=team)
    LeadFactory(
        integration=hubspot, status=LeadStatus.RETURNED, return_reason="bad_contact", returned_at=timezone.now()
    )
    for paths, reasons in [(["contactInfo.email"], ["invalid_email"]), (["qualificationCriteriaMet[1]"], ["x"])]:
        LeadRejection.objects.create(
            integration=hubspot,
            reasons=reasons,
            errors=[{"path": p, "message": "m"} for p in paths],
            payload_digest="0" * 64,
        )
    old = LeadRejection.objects.create(integration=hubspot, reasons=["old"], errors=[], payload_digest="0" * 64)
    LeadRejection.objects.filter(pk=old.pk).update(received_at=timezone.now() - timedelta(days=40))
    return hubspot


def test_the_quality_report_counts_per_integration_and_day(client, marketing, quality_data):
    client.force_login(marketing)
    response = client.get(reverse("leads:quality"))
    report = response.context["report"]
    assert [(r.integration, r.received, r.accepted, r.rejected, r.returned) for r in report.rows] == [
        ("HubSpot", 4, 2, 2, 1)
    ]
    assert dict(report.failing_fields) == {"contactInfo.email": 1, "qualificationCriteriaMet[]": 1}
    # Human labels, each rejection once (sharing 100 %); the 40-day-old one is outside the window.
    assert report.reason_shares == [("Invalid e-mail address", 1, 50), ("X", 1, 50)]
    assert report.return_reasons == [("Contact data wrong or unreachable", 1)]
    assert "Contact data wrong or unreachable" in response.content.decode()


def test_the_quality_report_downloads_as_csv(client, admin, quality_data):
    client.force_login(admin)
    response = client.get(reverse("leads:quality"), {"days": 7, "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["integration", "day", "received", "accepted", "rejected", "returned_by_sales"]
    assert rows[1][0] == "HubSpot" and rows[1][2:] == ["4", "2", "2", "1"]


def test_the_quality_report_is_for_marketing_and_admins(client, rep, manager):
    for user in (rep, manager):
        client.force_login(user)
        assert client.get(reverse("leads:quality")).status_code == 403


def test_a_bad_period_falls_back_to_30_days_and_says_so(client, marketing):
    client.force_login(marketing)
    response = client.get(reverse("leads:quality"), {"days": "999"})
    assert response.status_code == 200
    assert response.context["days"] == 30
    assert response.context["form"].errors["days"]


def test_the_quality_report_query_count_is_fixed(client, marketing, quality_data, django_assert_max_num_queries):
    for _ in range(20):
        LeadFactory(integration=quality_data)
    client.force_login(marketing)
    with django_assert_max_num_queries(10):
        client.get(reverse("leads:quality"))


# ---------------------------------------------------------------------------
# Navigation
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("persona", "leads", "quality"),
    [("rep", True, False), ("manager", True, False), ("marketing", False, True), ("admin", True, True)],
)
def test_the_navigation_shows_the_leads_pages_by_role(client, request, persona, leads, quality):
    client.force_login(request.getfixturevalue(persona))
    labels = [link.label for link in client.get(reverse("accounts:home")).context["nav_links"]]
    assert ("Leads" in labels, "Lead quality" in labels) == (leads, quality)


def test_an_admin_opens_any_teams_lead(client, admin, other_lead):
    client.force_login(admin)
    assert client.get(other_lead.get_absolute_url()).status_code == 200


def test_the_csv_does_not_let_a_name_run_as_a_formula(client, marketing):
    LeadFactory(integration=IntegrationFactory(name="=HYPERLINK(1)"))
    client.force_login(marketing)
    rows = list(csv.reader(io.StringIO(client.get(reverse("leads:quality"), {"format": "csv"}).content.decode())))
    assert rows[1][0] == "'=HYPERLINK(1)"
