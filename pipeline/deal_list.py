"""The deal list's reads: filters, sort orders and keyset pages over `Deal.objects.for_user(user)`.

A page is found by keyset ("the rows after this one in this order"), never by offset, so page
2,000 costs what page 1 costs and a deal created meanwhile neither repeats nor hides a row.
The cursor carries the last row's sort value and id; the id breaks ties, so the order is total.
"""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.expressions import OrderBy

from enablement_portal.periods import month_of, start_of_day
from pipeline.models import OPEN_STAGES, Account, DealQuerySet, DealStageChange

PAGE_SIZE = 50


@dataclass(frozen=True)
class Sort:
    label: str
    field: str
    descending: bool
    nullable: bool = False


SORTS: dict[str, Sort] = {
    "-created": Sort("Newest first", "created_at", True),
    "created": Sort("Oldest first", "created_at", False),
    "name": Sort("Name, A to Z", "name", False),
    "-amount": Sort("Largest amount", "amount", True),
    "amount": Sort("Smallest amount", "amount", False),
    "close": Sort("Expected close, soonest", "expected_close_date", False, nullable=True),
    "-closed": Sort("Closed, latest first", "closed_at", True, nullable=True),
    "stage_age": Sort("Longest in stage", "stage_entered_at", False),
}
DEFAULT_SORT = "-created"


def rotting_q(rotting: dict[str, int], now: datetime) -> Q:
    """Open deals longer in their stage than it allows, as the board counts days (whole days past the limit)."""
    condition = Q(pk__in=[])
    for stage in OPEN_STAGES:
        condition |= Q(stage=stage, stage_entered_at__lte=now - timedelta(days=rotting[stage] + 1))
    return condition


def filter_deals(deals: DealQuerySet, data: dict[str, Any], *, rotting: dict[str, int], now: datetime) -> DealQuerySet:
    """`deals` narrowed by the list's cleaned filters (DealListForm's cleaned_data)."""
    if q := data.get("q"):
        # The matching accounts first (one query): an OR on the deal's own columns lets PostgreSQL
        # combine the trigram index on the name with the account index, where an OR across the join cannot.
        accounts = list(Account.objects.filter(name__icontains=q).values_list("pk", flat=True))
        deals = deals.filter(Q(name__icontains=q) | Q(account_id__in=accounts))
    if stages := data.get("stage"):
        deals = deals.filter(stage__in=stages)
    for name in ("owner", "team", "product"):
        if data.get(name):
            deals = deals.filter(**{name: data[name]})
    if industry := data.get("industry"):
        deals = deals.filter(account__industry__iexact=industry)
    if close_month := data.get("close_month"):
        start, end = month_of(close_month)
        deals = deals.filter(expected_close_date__gte=start, expected_close_date__lt=end)
    if data.get("rotting"):
        deals = deals.filter(rotting_q(rotting, now))
    if reached := data.get("reached"):
        deals = deals.filter(Exists(DealStageChange.objects.filter(deal=OuterRef("pk"), to_stage=reached)))
    if closed_from := data.get("closed_from"):
        deals = deals.filter(closed_at__gte=start_of_day(closed_from))
    if closed_to := data.get("closed_to"):
        deals = deals.filter(closed_at__lt=start_of_day(closed_to))
    return deals


def encode_cursor(sort: str, value: Any, pk: int) -> str:
    if isinstance(value, datetime | date):
        value = value.isoformat()
    elif isinstance(value, Decimal):
        value = str(value)
    return base64.urlsafe_b64encode(json.dumps([sort, value, pk]).encode()).decode()


def decode_cursor(cursor: str, sort: str) -> tuple[Any, int]:
    """(sort value, id) of the row a page starts after. Raises ValidationError for a cursor we did not give out."""
    try:
        name, value, pk = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if name != sort or not isinstance(pk, int):
            raise ValueError(name)
        return _parse_value(SORTS[sort].field, value), pk
    except (ValueError, TypeError, KeyError, binascii.Error, UnicodeDecodeError, InvalidOperation):
        raise ValidationError({"after": "Not a page of this list: start again from the first page."}) from None


def _parse_value(field: str, value: Any) -> Any:
    if value is None:
        return None
    if field in {"created_at", "closed_at", "stage_entered_at"}:
        return datetime.fromisoformat(value)
    if field == "expected_close_date":
        return date.fromisoformat(value)
    if field == "amount":
        return Decimal(value)
    if not isinstance(value, str):
        raise ValueError(value)
    return value


def _after(sort: Sort, value: Any, pk: int) -> Q:
    """The rows that come after (value, pk) in `sort` (NULLs last in either direction)."""
    more, pk_more = ("lt", "lt") if sort.descending else ("gt", "gt")
    if value is None:
        return Q(**{f"{sort.field}__isnull": True, f"pk__{pk_more}": pk})
    after = Q(**{f"{sort.field}__{more}": value}) | Q(**{sort.field: value, f"pk__{pk_more}": pk})
    if sort.nullable:
        after |= Q(**{f"{sort.field}__isnull": True})
    return after


def ordering(sort: Sort) -> list[OrderBy]:
    column = F(sort.field)
    # NULLS LAST only where there are NULLs: on a NOT NULL column it would keep its index from serving the order.
    nulls_last = True if sort.nullable else None
    if sort.descending:
        return [column.desc(nulls_last=nulls_last), F("pk").desc()]
    return [column.asc(nulls_last=nulls_last), F("pk").asc()]


def deal_page(deals: DealQuerySet, *, sort: str, after: str = "", size: int = PAGE_SIZE) -> tuple[list, str]:
    """One page of `deals` in `sort` order after the cursor `after`, and the cursor of the next page
    ("" on the last). Raises ValidationError for a cursor of another sort or not ours."""
    spec = SORTS[sort]
    if after:
        value, pk = decode_cursor(after, sort)
        deals = deals.filter(_after(spec, value, pk))
    rows = list(deals.order_by(*ordering(spec))[: size + 1])
    if len(rows) <= size:
        return rows, ""
    rows = rows[:size]
    last = rows[-1]
    return rows, encode_cursor(sort, getattr(last, spec.field), last.pk)


def annotate_ages(rows: list, *, rotting: dict[str, int], now: datetime) -> None:
    """Give each row `days` (in its stage, never negative) and `is_rotting`, as the board shows them."""
    for deal in rows:
        deal.days = max((now - deal.stage_entered_at).days, 0)
        deal.is_rotting = deal.is_open and deal.days > rotting[deal.stage]
