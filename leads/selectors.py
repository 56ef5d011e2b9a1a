"""Reads for the leads pages: the rep's inbox and the data-quality report for marketing."""

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDate

from accounts.models import User
from accounts.rules import is_rep
from leads.models import Lead, LeadRejection, LeadStatus, ReturnReason, primary_reason, rejection_reason_label


def inbox_for(user: User) -> tuple[QuerySet, QuerySet]:
    """(the user's open leads — the team's for a manager, all for an admin, the unassigned queue)."""
    leads = Lead.objects.for_user(user).select_related("owner", "team", "integration")
    # for_user has already narrowed a manager to the team and an admin to nothing less than all.
    working = leads.open().filter(owner=user) if is_rep(user) else leads.open().filter(owner__isnull=False)
    queue = leads.filter(status=LeadStatus.MQL, owner__isnull=True)
    return working.order_by("-received_at", "-id"), queue.order_by("received_at", "id")


@dataclass
class QualityRow:
    integration: str
    day: date
    received: int = 0
    accepted: int = 0
    rejected: int = 0
    returned: int = 0


@dataclass
class QualityReport:
    start: datetime
    rows: list[QualityRow] = field(default_factory=list)
    failing_fields: list[tuple[str, int]] = field(default_factory=list)
    # Rejections by primary reason (human label, count): each rejection once, so shares add up to 100 %.
    failing_reasons: list[tuple[str, int]] = field(default_factory=list)
    return_reasons: list[tuple[str, int]] = field(default_factory=list)
    rejections: int = 0

    @property
    def reason_shares(self) -> list[tuple[str, int, int]]:
        """(label, count, percent of rejections) per primary reason."""
        return [(label, n, round(100 * n / self.rejections)) for label, n in self.failing_reasons]


def _daily(queryset: QuerySet, moment: str) -> dict[tuple[str, date], int]:
    rows = queryset.annotate(day=TruncDate(moment)).values("integration__name", "day").annotate(n=Count("id"))
    return {(row["integration__name"], row["day"]): row["n"] for row in rows}


def quality_report(*, start: datetime, top: int = 10) -> QualityReport:
    """Per integration and day: received (accepted + rejected), accepted, rejected, returned by sales;
    the fields and reasons that fail most, and why sales returns leads."""
    accepted = _daily(Lead.objects.filter(received_at__gte=start), "received_at")
    rejected = _daily(LeadRejection.objects.filter(received_at__gte=start), "received_at")
    returned_leads = Lead.objects.filter(returned_at__gte=start)
    returned = _daily(returned_leads, "returned_at")
    report = QualityReport(start=start)
    for integration, day in sorted(accepted.keys() | rejected.keys() | returned.keys(), key=lambda k: (k[1], k[0])):
        row = QualityRow(integration, day)
        row.accepted = accepted.get((integration, day), 0)
        row.rejected = rejected.get((integration, day), 0)
        row.returned = returned.get((integration, day), 0)
        row.received = row.accepted + row.rejected
        report.rows.append(row)
    report.rows.reverse()
    fields: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    for errors, codes in LeadRejection.objects.filter(received_at__gte=start).values_list("errors", "reasons"):
        # Group list items together: qualificationCriteriaMet[2] and [0] are the same field.
        fields.update({re.sub(r"\[\d+\]", "[]", error["path"]) or "(body)" for error in errors})
        reasons[rejection_reason_label(primary_reason(codes))] += 1
    report.failing_fields = _top(fields, top)
    report.failing_reasons = _top(reasons, top)
    report.rejections = sum(reasons.values())
    labels = dict(ReturnReason.choices)
    report.return_reasons = [
        (labels.get(row["return_reason"], row["return_reason"]), row["n"])
        for row in returned_leads.values("return_reason").annotate(n=Count("id")).order_by("-n", "return_reason")
    ]
    return report


def _top(counts: Counter, top: int) -> list[tuple[str, int]]:
    # Most frequent first, ties in name order, so the report reads the same on every load.
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:top]
