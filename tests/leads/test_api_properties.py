"""Property: over generated payloads the API never answers 5xx, and stores a lead only if it is valid.

Validity is judged here independently of the implementation, from the contract's text.
"""

import json

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from leads.models import Lead, LeadRejection
from tests.leads.factories import PLAYBOOK_LEAD
from tests.leads.helpers import LEADS

KNOWN = PLAYBOOK_LEAD["qualificationCriteriaMet"]
BLOCKED = ("mailinator.com", "guerrillamail.com")  # the seeded baseline rule, with its minimum score of 40

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)


def maybe(strategy):
    """Mostly well-formed values, sometimes anything at all."""
    return st.one_of(strategy, strategy, strategy, json_values)


texts = st.text(max_size=70) | st.sampled_from(["", "  ", "Jane", "a\x00b", "x" * 101, "x" * 201])
emails = st.emails() | st.sampled_from(["jane@acmecorp.com", "jane@", "jane@mailinator.com", "a b@c.com", "x@y"])
anything = st.fixed_dictionaries(
    {},
    optional={
        "leadId": maybe(st.text(max_size=70)),
        "source": maybe(texts),
        "contactInfo": maybe(
            st.fixed_dictionaries(
                {},
                optional={
                    "email": maybe(emails),
                    "firstName": maybe(texts),
                    "lastName": maybe(texts),
                    "jobTitle": maybe(texts),
                    "extra": json_values,
                },
            )
        ),
        "firmographics": maybe(
            st.fixed_dictionaries(
                {},
                optional={
                    "companyName": maybe(texts),
                    "industry": maybe(texts),
                    "employeeCount": maybe(st.integers(min_value=-5, max_value=20_000_000)),
                },
            )
        ),
        "engagementScore": maybe(st.integers(min_value=-20, max_value=120)),
        "qualificationCriteriaMet": maybe(st.lists(st.sampled_from([*KNOWN, "bogus", " ", 7]), max_size=4)),
        "utm": json_values,
    },
)

valid_leads = st.builds(
    lambda lead_id, email, score, employees, criteria: {
        **PLAYBOOK_LEAD,
        "leadId": lead_id,
        "contactInfo": {**PLAYBOOK_LEAD["contactInfo"], "email": email},
        "firmographics": {**PLAYBOOK_LEAD["firmographics"], "employeeCount": employees},
        "engagementScore": score,
        "qualificationCriteriaMet": criteria,
    },
    st.text(min_size=1, max_size=64).filter(str.strip),
    st.emails(),
    st.integers(min_value=40, max_value=100),
    st.integers(min_value=1, max_value=10_000_000),
    st.lists(st.sampled_from(KNOWN), min_size=1, max_size=3),
)
# A valid lead with one top-level field replaced by a generated value (or removed).
one_field_off = st.tuples(valid_leads, st.sampled_from(list(PLAYBOOK_LEAD)), json_values, st.booleans()).map(
    lambda t: {k: v for k, v in t[0].items() if k != t[1] or not t[3]} | ({} if t[3] else {t[1]: t[2]})
)
payloads = st.one_of(anything, valid_leads, one_field_off)


def text_ok(value, high: int) -> bool:
    return isinstance(value, str) and "\x00" not in value and 1 <= len(value.strip()) <= high


def int_ok(value, low: int, high: int) -> bool:
    return type(value) is int and low <= value <= high


def email_ok(value) -> bool:
    if not isinstance(value, str) or "\x00" in value:
        return False
    try:
        address = validate_email(value.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        return False
    domain = address.rsplit("@", 1)[1].lower()
    return not any(domain == b or domain.endswith("." + b) for b in BLOCKED)


def is_valid(payload: dict) -> bool:
    contact, firm = payload.get("contactInfo"), payload.get("firmographics")
    criteria = payload.get("qualificationCriteriaMet")
    return (
        text_ok(payload.get("leadId"), 64)
        and text_ok(payload.get("source"), 200)
        and isinstance(contact, dict)
        and email_ok(contact.get("email"))
        and text_ok(contact.get("firstName"), 100)
        and text_ok(contact.get("lastName"), 100)
        and text_ok(contact.get("jobTitle"), 200)
        and isinstance(firm, dict)
        and text_ok(firm.get("companyName"), 200)
        and text_ok(firm.get("industry"), 100)
        and int_ok(firm.get("employeeCount"), 1, 10_000_000)
        and int_ok(payload.get("engagementScore"), 40, 100)
        and isinstance(criteria, list)
        and 1 <= len(criteria) <= 50
        and all(isinstance(c, str) and c.strip() in KNOWN for c in criteria)
        # PostgreSQL cannot store NUL in text or JSON, so the contract refuses it anywhere.
        and "\\u0000" not in json.dumps(payload)
    )


@pytest.fixture
def roomy(integration):
    integration.rate_limit_requests = 100_000
    integration.save()


@pytest.mark.django_db
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=payloads)
def test_it_never_fails_and_stores_only_valid_leads(api, roomy, payload):
    Lead.objects.all().delete()
    rejections = LeadRejection.objects.count()
    response = api.post(LEADS, data=json.dumps(payload), content_type="application/json")
    assert response.status_code < 500
    valid = is_valid(payload)
    event(f"valid: {valid}")
    if valid:
        assert response.status_code == 201, response.content
        assert Lead.objects.get().lead_id == payload["leadId"].strip()
    else:
        assert response.status_code == 422, (response.content, payload)
        assert not Lead.objects.exists()
        assert LeadRejection.objects.count() == rejections + 1
