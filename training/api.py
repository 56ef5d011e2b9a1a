"""`/api/v1/training/certifications`: who holds which certification, and whether it is current.

Authentication as for the deals API: a portal session, or an API key with the `training:read`
scope acting for a person; that person's rule applies (a rep reads their own certifications, a
manager their team's, an enablement admin everyone's). Each person's newest grant of each
certification, with its status on the day asked: certified, expiring (the renewal window has
opened and the holder is enrolled again) or lapsed.
"""

from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal

from django.utils import timezone
from ninja import Field, Query, Router, Schema

from accounts.auth import PersonAuth
from accounts.http import PersonApiRequest
from accounts.models import Scope
from training.models import CertificationStatus
from training.selectors import CertificationRow, certification_statuses

router = Router(tags=["training"], auth=PersonAuth(Scope.TRAINING_READ, permission="training.view_certifications"))

if TYPE_CHECKING:
    StatusName = str
else:
    StatusName = Literal[tuple(s.value for s in CertificationStatus)]


class CertificationQuery(Schema):
    status: StatusName | None = Field(None, description="certified, expiring or lapsed")
    person: str | None = Field(None, max_length=150, description="A person's username")


class CertificationOut(Schema):
    person: str
    personName: str
    team: str | None
    certification: str
    program: str
    status: StatusName
    grantedAt: datetime
    validUntil: date
    score: int
    renewalStarted: bool


class CertificationList(Schema):
    asOf: date
    items: list[CertificationOut]


def _out(row: CertificationRow) -> dict[str, Any]:
    grant = row.grant
    return {
        "person": grant.user.username,
        "personName": grant.user.get_full_name() or grant.user.username,
        "team": grant.user.team.name if grant.user.team else None,
        "certification": grant.certification.name,
        "program": grant.certification.program.name,
        "status": row.status.value,
        "grantedAt": grant.granted_at,
        "validUntil": grant.valid_until,
        "score": grant.score,
        "renewalStarted": grant.renewal_started_at is not None,
    }


@router.get("/certifications", response=CertificationList, summary="Certifications of the people the caller may see")
def list_certifications(request: PersonApiRequest, query: Query[CertificationQuery]) -> dict[str, Any]:
    today = timezone.localdate()
    rows = certification_statuses(viewer=request.auth, today=today, username=query.person)
    if query.status:
        rows = [row for row in rows if row.status == query.status]
    return {"asOf": today, "items": [_out(row) for row in rows]}
