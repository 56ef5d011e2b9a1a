"""`csv_response()`, and every CSV the portal exports with formulas planted in every user-written field.

A cell that starts with a formula character runs in the manager's spreadsheet (`=HYPERLINK(...)`
in a rep's name leaks data when the file is opened). Each export below is downloaded after the
payloads were written into product, person, username, team, asset title, integration name,
rejection reason and scorecard criterion; no cell may start with a live formula character.
`test_every_csv_export_is_listed` keeps the list complete: a new call of `csv_response()`
that is not listed here fails it.
"""

import ast
import csv
import io
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import resolve, reverse
from django.utils import timezone

from accounts.models import Role
from collateral.services import asset_update
from enablement_portal.csv import csv_response
from pipeline.models import Stage
from telemetry.selectors import dashboard_tables
from telemetry.services import telemetry_recompute
from tests.accounts.factories import TeamFactory, UserFactory
from tests.collateral.factories import AssetFactory, AssetVersionFactory
from tests.leads.factories import IntegrationFactory, LeadFactory
from tests.pipeline.factories import AccountFactory, DealFactory, ProductFactory
from tests.telemetry.factories import at, deal_with_history, quota, rejection, usage
from tests.training.factories import scorecard_with
from training.services import call_review_create

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
PAYLOADS = [
    '=HYPERLINK("http://x")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "\N{FULLWIDTH EQUALS SIGN}1+1",
    "\N{FULLWIDTH PLUS SIGN}1",
    "\N{FULLWIDTH HYPHEN-MINUS}1",
    "\N{FULLWIDTH COMMERCIAL AT}SUM(A1)",
]
# What makes a spreadsheet read a cell as a formula (or, for tab and CR, hides one behind them).
LIVE = (
    "=",
    "+",
    "-",
    "@",
    "\t",
    "\r",
    "\N{FULLWIDTH EQUALS SIGN}",
    "\N{FULLWIDTH PLUS SIGN}",
    "\N{FULLWIDTH HYPHEN-MINUS}",
    "\N{FULLWIDTH COMMERCIAL AT}",
)
# A cell that is a number and nothing else is not a formula, whatever its sign.
PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?(E-?\d+)?")
AS_OF = date(2026, 6, 30)
JUNE = date(2026, 6, 1)

# Tables whose rows are stages or outcomes: no user-written text reaches them.
TEXT_FREE_TABLES = {"funnel", "sales-cycle"}


def _telemetry(slug: str):
    url = reverse("telemetry:table_csv", args=[slug]) + f"?as_of={AS_OF.isoformat()}&period=all"
    return pytest.param(url, "admin", "telemetry_payloads", slug not in TEXT_FREE_TABLES, id=f"telemetry-{slug}")


EXPORTS = [
    *[_telemetry(table.slug) for table in dashboard_tables()],
    pytest.param(
        reverse("telemetry:gates_csv") + f"?as_of={AS_OF.isoformat()}&period=all",
        "admin",
        "telemetry_payloads",
        True,
        id="telemetry-gates",
    ),
    pytest.param(reverse("training:team_csv"), "manager", "training_payloads", True, id="training-team"),
    pytest.param(reverse("leads:quality") + "?format=csv", "marketing", "leads_payloads", True, id="lead-quality"),
    pytest.param(reverse("pipeline:deal_list_csv") + "?sort=name", "admin", "deals_payloads", True, id="deal-list"),
    pytest.param(reverse("admin:collateral_asset_export"), "admin", "asset_payloads", True, id="asset-list"),
]
# The functions that call csv_response(), as `module.function`: each has its exports above.
WRITERS = {
    "telemetry.views.table_csv",
    "telemetry.views.gates_csv",
    "training.views.team_csv",
    "leads.views._quality_csv",
    "pipeline.views.deal_list_csv",
    "collateral.admin.export_csv",
}


def cells_of(content: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(content.decode("utf-8"), newline="")) for cell in row]


def is_live(cell: str) -> bool:
    return cell.startswith(LIVE) and not PLAIN_NUMBER.fullmatch(cell)


# ---------------------------------------------------------------------------
# The helper
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_text_cell_starting_a_formula_gets_an_apostrophe(payload):
    response = csv_response("x.csv", ["name"], [[payload], [f"Ann {payload}"]])
    assert cells_of(response.content) == ["name", f"'{payload}", f"Ann {payload}"]


def test_numbers_stay_numbers_even_when_negative():
    rows = [[Decimal("-5.25"), -3, -0.5, 0, "-5", True]]
    response = csv_response("x.csv", ["a", "b", "c", "d", "e", "f"], rows)
    assert response.content.decode().splitlines()[1] == "-5.25,-3,-0.5,0,'-5,True"


def test_empty_values_dates_and_quoting():
    rows = [[None, date(2026, 6, 30), 'say "hi", then leave', "line\nbreak"]]
    response = csv_response("x.csv", ["a", "b", "c", "d"], rows)
    assert list(csv.reader(io.StringIO(response.content.decode(), newline="")))[1] == [
        "",
        "2026-06-30",
        'say "hi", then leave',
        "line\nbreak",
    ]


def test_it_answers_an_attachment_of_text_csv():
    response = csv_response("telemetry-ramp 2026.csv", ["=a"], [])
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="telemetry-ramp 2026.csv"'
    assert cells_of(response.content) == ["'=a"]


# ---------------------------------------------------------------------------
# Every export
# ---------------------------------------------------------------------------
@pytest.fixture
def telemetry_payloads(admin) -> None:
    """Per payload: a team and a rep named with it, deals of a product named with it (one won,
    one lost, in June), a quota, an asset titled with it shared on the won deal, and an
    integration named with it with a lead and a rejection whose reason is the payload; a call
    tracker named with it, hit on a linted call of the won deal."""
    from training.calls.lint import calls_lint
    from training.calls.services import call_upload
    from training.models import Tracker

    calls = []
    for n, payload in enumerate(PAYLOADS):
        team = TeamFactory(name=payload)
        person = UserFactory(
            username=f"hostile{n}", first_name=payload, last_name="", role=Role.REP, team=team, start_date=JUNE
        )
        won = deal_with_history(
            person, [(Stage.LEAD_IN, JUNE), (Stage.CLOSED_WON, date(2026, 6, 10))], amount=100, product=payload
        )
        deal_with_history(
            person, [(Stage.LEAD_IN, JUNE), (Stage.CLOSED_LOST, date(2026, 6, 12))], amount=50, product=payload
        )
        quota(person, JUNE, 80)
        version = AssetVersionFactory(asset=AssetFactory(title=payload))
        usage(version, "share", date(2026, 6, 5), user=person, deal=won)
        usage(version, "view", date(2026, 6, 6), user=person)
        integration = IntegrationFactory(name=payload)
        LeadFactory(integration=integration, received_at=at(date(2026, 6, 3)))
        rejection(integration, date(2026, 6, 4), payload)
        Tracker.objects.create(name=payload, phrases=f"renewal {n}")
        transcript = f"Rep: About the renewal {n}?\nBuyer: Yes."
        calls.append(call_upload(uploader=admin, rep=person, deal=won, call_date=JUNE, transcript=transcript))
    calls_lint(review_ids=[call.pk for call in calls])
    telemetry_recompute(as_of=AS_OF)


@pytest.fixture
def training_payloads(manager) -> None:
    """Per payload: a rep on the manager's team named with it (and with it as username where that
    is a valid username, as `+1+1` is), whose last call review used a scorecard whose criterion
    is named with it."""
    for n, payload in enumerate(PAYLOADS):
        username = payload if re.fullmatch(r"[\w.@+-]+", payload) else f"trainee{n}"
        person = UserFactory(
            username=username, first_name=payload, last_name="", role=Role.REP, team=manager.team, manager=manager
        )
        scorecard = scorecard_with(payload)
        criterion = scorecard.criteria.get()
        call_review_create(
            reviewer=manager,
            rep=person,
            scorecard=scorecard,
            call_date=JUNE,
            scores={criterion.pk: 3},
            transcript="Rep: Hello",
        )


@pytest.fixture
def leads_payloads(db) -> None:
    """Per payload: an integration named with it, a lead received today and a rejection."""
    for payload in PAYLOADS:
        integration = IntegrationFactory(name=payload)
        LeadFactory(integration=integration)
        rejection(integration, timezone.localdate(), payload)


@pytest.fixture
def deals_payloads(db) -> None:
    """Per payload: a deal named with it, on an account (and industry), of a product, owned by a
    rep of a team, each named with it."""
    for n, payload in enumerate(PAYLOADS):
        person = UserFactory(
            username=f"dealer{n}", first_name=payload, last_name="", role=Role.REP, team=TeamFactory(name=payload)
        )
        DealFactory(
            owner=person,
            name=payload,
            account=AccountFactory(name=payload, industry=payload),
            product=ProductFactory(name=payload),
        )


@pytest.fixture
def asset_payloads(admin) -> None:
    """Per payload: an asset titled with it, carrying a tag and an audience named with it."""
    for n, payload in enumerate(PAYLOADS):
        asset = AssetFactory(title=payload, asset_id=f"CS-{n + 9000:04d}")
        asset_update(asset=asset, by=admin, tags=[f"{payload} tag"], audiences=[f"{payload} buyer"])


@pytest.mark.parametrize(("url", "persona", "seed", "carries_text"), EXPORTS)
def test_no_csv_cell_starts_with_a_live_formula(client, request, url, persona, seed, carries_text):
    request.getfixturevalue(seed)
    client.force_login(request.getfixturevalue(persona))
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8"), newline="")))
    assert len(rows) > 1, "the export has no rows to check"
    cells = [cell for row in rows for cell in row]
    assert [cell for cell in cells if is_live(cell)] == []
    if carries_text:
        # The payloads did reach the export (neutralised), so the check above saw them.
        for payload in PAYLOADS:
            assert any(cell.startswith("'") and payload.strip() in cell for cell in cells), payload


def _calls_csv_response(node: ast.AST) -> bool:
    return any(
        isinstance(call, ast.Call)
        and (getattr(call.func, "id", None) == "csv_response" or getattr(call.func, "attr", None) == "csv_response")
        for call in ast.walk(node)
    )


def _project_modules():
    skip = {".venv", "tests", "bench", "migrations", "static", "node_modules"}
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT)
        if not skip.intersection(relative.parts):
            yield ".".join(relative.with_suffix("").parts), path


def test_every_csv_export_is_listed():
    writers = set()
    for module, path in _project_modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and _calls_csv_response(node):
                writers.add(f"{module}.{node.name}")
    assert writers == WRITERS
    # Each listed export is answered by a view of a module that writes CSV.
    modules = {writer.rsplit(".", 1)[0] for writer in WRITERS}
    assert {resolve(param.values[0].split("?")[0]).func.__module__ for param in EXPORTS} == modules


def test_no_module_writes_csv_by_hand():
    """CSV leaves the portal only through enablement_portal.csv (the one place that escapes formulas)."""
    offenders = []
    for module, path in _project_modules():
        if module == "enablement_portal.csv":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            by_hand = (
                isinstance(node, ast.Attribute)
                and getattr(node.value, "id", None) == "csv"
                and node.attr in {"writer", "DictWriter"}
            ) or (isinstance(node, ast.Constant) and isinstance(node.value, str) and "text/csv" in node.value)
            if by_hand:
                offenders.append(f"{module}:{node.lineno}")
    assert offenders == []
