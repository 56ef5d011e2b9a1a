"""The worked example every metric test reads: seven deals, three reps, their quotas.

As of 2026-06-30 (month = June, quarter = Q2, year = 2026, all = everything before July):

  #  owner    product  amount  path (day)                                                   outcome
  1  Alice    GTX Pro  10000   LeadIn 06-01, Discovery 06-02, TechnicalDemo 06-03,
                               Proposal 06-04, Closing 06-05, ClosedWon 06-11                won, 10 days
  2  Alice    MG Basic  5000   LeadIn 05-01, Discovery 05-02, ClosedLost 05-21               lost at Discovery, 20 days
  3  Bob      GTX Pro  20000   imported at Closing 2026-01-10, ClosedWon 02-09               won, 30 days
  4  Bob      GTX Pro   8000   LeadIn 06-10, Discovery 06-11, TechnicalDemo 06-12,
                               Proposal 06-13, ClosedLost 06-20                              lost at Proposal, 10 days
  5  Charlie  MG Basic  7000   created 2025-12-01, imported at ClosedWon 2025-12-31         won, 30 days
  6  Charlie  GTX Pro   3000   LeadIn 06-15, Discovery 06-16                                 open
  7  Alice    GTX Pro   9000   LeadIn 06-25, Discovery 06-26, TechnicalDemo 07-01,
                               Closing 07-01, ClosedWon 07-02                                after as_of: ignored

Alice (rep) and Bob (teammate) are on the manager's team; Charlie (other_rep) on another.
Start dates: Alice 2026-04-15, Bob 2025-12-01, Charlie 2025-11-01.
Quotas: Alice May 4000, June 8000, July 9000 (after as_of); Bob Feb 25000, June 5000;
Charlie Dec 2025 7000.
"""

from datetime import date

import pytest

from pipeline.models import Stage
from tests.telemetry.factories import deal_with_history, quota

AS_OF = date(2026, 6, 30)
S = Stage


@pytest.fixture
def worked_example(rep, teammate, other_rep) -> dict:
    return build_worked_example(rep, teammate, other_rep)


def build_worked_example(rep, teammate, other_rep) -> dict:
    rep.first_name, rep.last_name, rep.start_date = "Alice", "Archer", date(2026, 4, 15)
    teammate.first_name, teammate.last_name, teammate.start_date = "Bob", "Baker", date(2025, 12, 1)
    other_rep.first_name, other_rep.last_name, other_rep.start_date = "Charlie", "Chen", date(2025, 11, 1)
    for person in (rep, teammate, other_rep):
        person.save()
    d = date
    deals = [
        deal_with_history(rep, [(S.LEAD_IN, d(2026, 6, 1)), (S.DISCOVERY, d(2026, 6, 2)),
                                (S.TECHNICAL_DEMO, d(2026, 6, 3)), (S.PROPOSAL, d(2026, 6, 4)),
                                (S.CLOSING, d(2026, 6, 5)), (S.CLOSED_WON, d(2026, 6, 11))], amount=10000),
        deal_with_history(rep, [(S.LEAD_IN, d(2026, 5, 1)), (S.DISCOVERY, d(2026, 5, 2)),
                                (S.CLOSED_LOST, d(2026, 5, 21))], amount=5000, product="MG Basic"),
        deal_with_history(teammate, [(S.CLOSING, d(2026, 1, 10)), (S.CLOSED_WON, d(2026, 2, 9))],
                          amount=20000, imported=True),
        deal_with_history(teammate, [(S.LEAD_IN, d(2026, 6, 10)), (S.DISCOVERY, d(2026, 6, 11)),
                                     (S.TECHNICAL_DEMO, d(2026, 6, 12)), (S.PROPOSAL, d(2026, 6, 13)),
                                     (S.CLOSED_LOST, d(2026, 6, 20))], amount=8000),
        deal_with_history(other_rep, [(S.CLOSED_WON, d(2025, 12, 31))], amount=7000, product="MG Basic",
                          imported=True),
        deal_with_history(other_rep, [(S.LEAD_IN, d(2026, 6, 15)), (S.DISCOVERY, d(2026, 6, 16))], amount=3000),
        deal_with_history(rep, [(S.LEAD_IN, d(2026, 6, 25)), (S.DISCOVERY, d(2026, 6, 26)),
                                (S.TECHNICAL_DEMO, d(2026, 7, 1)), (S.PROPOSAL, d(2026, 7, 1)),
                                (S.CLOSING, d(2026, 7, 1)), (S.CLOSED_WON, d(2026, 7, 2))], amount=9000),
    ]  # fmt: skip
    # Deal 5's cycle is 30 days: created a month before its import as won.
    deals[4].created_at = deals[4].closed_at.replace(day=1)
    deals[4].save(update_fields=["created_at"])
    quota(rep, d(2026, 5, 1), 4000)
    quota(rep, d(2026, 6, 1), 8000)
    quota(rep, d(2026, 7, 1), 9000)
    quota(teammate, d(2026, 2, 1), 25000)
    quota(teammate, d(2026, 6, 1), 5000)
    quota(other_rep, d(2025, 12, 1), 7000)
    return {"alice": rep, "bob": teammate, "charlie": other_rep, "deals": deals}


@pytest.fixture
def content_example(worked_example) -> dict:
    """Collateral used on the worked example's deals (#1 won 06-11, #2 lost 05-21, #3 won 02-09,
    #4 lost 06-20, #5 won 2025-12-31):

      Battlecard v1.0.0  view      Alice  deal #1  06-02
      Battlecard v2.0.0  share     Alice  deal #1  06-05
      Battlecard v2.0.0  download  Bob    deal #4  06-12
      Battlecard v2.0.0  view      Bob    no deal  06-15
      ROI study  v1.0.0  share     Bob    deal #3  02-01
      ROI study  v1.0.0  view      Alice  deal #2  05-25   (after #2 was lost: not "used" for it)
      Battlecard v1.0.0  view      Alice  deal #1  07-01   (after as_of: ignored)
    """
    from tests.collateral.factories import AssetFactory, AssetVersionFactory
    from tests.telemetry.factories import usage

    alice, bob, deals = worked_example["alice"], worked_example["bob"], worked_example["deals"]
    battlecard = AssetFactory(title="Battlecard", asset_id="BC-0001")
    study = AssetFactory(title="ROI study", asset_id="CS-0001")
    bc1 = AssetVersionFactory(asset=battlecard, version="1.0.0")
    bc2 = AssetVersionFactory(asset=battlecard, version="2.0.0")
    roi = AssetVersionFactory(asset=study, version="1.0.0")
    d = date
    usage(bc1, "view", d(2026, 6, 2), user=alice, deal=deals[0])
    usage(bc2, "share", d(2026, 6, 5), user=alice, deal=deals[0])
    usage(bc2, "download", d(2026, 6, 12), user=bob, deal=deals[3])
    usage(bc2, "view", d(2026, 6, 15), user=bob)
    usage(roi, "share", d(2026, 2, 1), user=bob, deal=deals[2])
    usage(roi, "view", d(2026, 5, 25), user=alice, deal=deals[1])
    usage(bc1, "view", d(2026, 7, 1), user=alice, deal=deals[0])
    return {"battlecard": battlecard, "study": study, "versions": (bc1, bc2, roi)}


@pytest.fixture
def lead_example(db) -> dict:
    """Two integrations' MQLs, as of 2026-06-30:

    HubSpot  L1 received 06-01, accepted 06-02, converted 06-05
             L2 received 06-03, returned 06-04
             L3 received 04-10, accepted 04-11
             L4 received 06-20
             rejected 06-05 [invalid_email]; 06-06 [invalid_email, not_qualified]; 01-15 [not_qualified]
             rejected 07-02 [invalid_email]   (after as_of: ignored)
    Marketo  L5 received 06-10, converted 06-12
    """
    from tests.leads.factories import IntegrationFactory
    from tests.telemetry.factories import lead, rejection

    hubspot, marketo = IntegrationFactory(name="HubSpot"), IntegrationFactory(name="Marketo")
    d = date
    lead(hubspot, "L1", d(2026, 6, 1), ("accepted", d(2026, 6, 2)), ("converted", d(2026, 6, 5)))
    lead(hubspot, "L2", d(2026, 6, 3), ("returned", d(2026, 6, 4)))
    lead(hubspot, "L3", d(2026, 4, 10), ("accepted", d(2026, 4, 11)))
    lead(hubspot, "L4", d(2026, 6, 20))
    rejection(hubspot, d(2026, 6, 5), "invalid_email")
    rejection(hubspot, d(2026, 6, 6), "invalid_email", "not_qualified")
    rejection(hubspot, d(2026, 1, 15), "not_qualified")
    rejection(hubspot, d(2026, 7, 2), "invalid_email")
    lead(marketo, "L5", d(2026, 6, 10), ("converted", d(2026, 6, 12)))
    return {"hubspot": hubspot, "marketo": marketo}
