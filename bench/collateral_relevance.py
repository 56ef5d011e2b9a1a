"""Collateral search relevance: recall@3 and MRR of the labelled queries (tests/collateral/relevance.py)
over their labelled library, on the database of the run. Loaded in a transaction that is rolled back.

Recall@3: the share of queries with a relevant asset in the first three results. MRR: the mean of
1 / the rank of the first relevant result. Targets: recall@3 >= 0.95 and MRR >= 0.85 on both databases.
"""

from django.db import connection, transaction

from accounts.models import Role, User
from bench.common import Result
from collateral.models import Asset, SearchSynonym
from tests.collateral.relevance import QUERIES, load_library, score


def run() -> list[Result]:
    with transaction.atomic():
        # The labels are judged on their own library: what an earlier run or the load test's demo left
        # in this database is set aside (deleted in the transaction that is rolled back).
        SearchSynonym.objects.all().delete()
        Asset.objects.all().delete()
        author, _ = User.objects.get_or_create(username="bench.relevance", defaults={"role": Role.ENABLEMENT_ADMIN})
        scores = score(load_library(by=author))
        transaction.set_rollback(True)
    for miss in scores.misses:
        print(f"collateral_relevance: no relevant asset in the top 3 for {miss}")
    typos = sum(1 for labelled in QUERIES if labelled.typo)
    print(f"collateral_relevance: {len(QUERIES)} queries ({typos} with typos) on {connection.vendor}")
    return [
        Result(f"collateral relevance: recall@3 ({connection.vendor})", scores.recall_at_3, "share", 0.95,
               scores.recall_at_3 / 0.95, ">= 0.95 (baseline: the target)"),
        Result(f"collateral relevance: MRR ({connection.vendor})", scores.mrr, "share", 0.85, scores.mrr / 0.85,
               ">= 0.85 (baseline: the target)"),
    ]  # fmt: skip
