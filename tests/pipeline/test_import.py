from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from pipeline.imports.deals import deals_import, parse_product_map
from pipeline.models import Account, Deal, DealStageChange, Event, Product, Stage
from pipeline.services import deal_transition
from tests.conftest import crm_sample
from tests.pipeline.factories import check_all

MESSY = """opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value
A1,Alice Rep,GTX Pro,Acme Corporation,Won,2017-01-02,2017-03-01,4514
A2,  alice   REP ,MG Special,,Engaging,2017-02-03,,
A3,alice.rep@example.com,GTX Basic,Betatech,Prospecting,,,
B1,Alice Rep,GTX Pro,Acme Corporation,Won,2017-01-02,,4514
B2,Alice Rep,GTX Pro,Acme Corporation,Lost,2017-01-02,2017-13-01,0
B3,Alice Rep,GTX Pro,Acme Corporation,Won,2017-01-02,2017-03-01,lots
B4,Nobody Known,GTX Pro,Acme Corporation,Won,2017-01-02,2017-03-01,100
B5,Alice Rep,GTX Pro,Acme Corporation,Negotiating,2017-01-02,,
B6,Alice Rep,GTX Pro,Acme Corporation,Engaging,,,
B7,Alice Rep,GTX Pro,Acme Corporation,Won,2017-01-02,2017-03-01,-5
,Alice Rep,GTX Pro,Acme Corporation,Won,2017-01-02,2017-03-01,5
A1,Alice Rep,GTX Pro,Acme Corporation,Won,2017-01-02,2017-03-01,4514
"""


@pytest.fixture
def messy_csv(tmp_path) -> Path:
    path = tmp_path / "export.csv"
    path.write_text(MESSY)
    return path


@pytest.fixture
def alice(rep):
    rep.first_name, rep.last_name = "Alice", "Rep"
    rep.save()
    return rep


@pytest.mark.django_db
def test_a_messy_export_imports_the_good_rows_and_reports_the_bad_by_line(alice, messy_csv):
    report = deals_import(path=messy_csv)
    assert (report.rows, report.created) == (12, 3)
    problems = {p.line: p.message for p in report.problems}
    assert sorted(problems) == [5, 6, 7, 8, 9, 10, 11, 12, 13]
    assert "missing close_date" in problems[5]
    assert "bad close_date '2017-13-01'" in problems[6]
    assert "bad amount 'lots'" in problems[7]
    assert "unknown owner 'Nobody Known'" in problems[8]
    assert "unknown stage 'Negotiating'" in problems[9]
    assert "missing engage_date" in problems[10]
    assert "bad amount '-5'" in problems[11]
    assert "no id" in problems[12]
    assert "earlier in the file" in problems[13]
    assert report.unknown_owners == {"Nobody Known": 1}
    deals = {d.external_id: d for d in Deal.objects.all()}
    assert set(deals) == {"A1", "A2", "A3"}
    assert all(d.owner == alice and d.team == alice.team for d in deals.values())
    assert (deals["A1"].stage, deals["A1"].amount, deals["A1"].closed_at.date().isoformat()) == (
        Stage.CLOSED_WON,
        4514,
        "2017-03-01",
    )
    assert deals["A2"].stage == Stage.DISCOVERY and deals["A2"].account.name == "(No account in the export)"
    assert deals["A3"].stage == Stage.LEAD_IN


@pytest.mark.django_db
def test_imported_deals_get_one_history_row_marked_imported(alice, messy_csv):
    deals_import(path=messy_csv)
    rows = DealStageChange.objects.all()
    assert rows.count() == 3
    assert all(r.imported and r.event == Event.IMPORTED and r.from_stage == "" for r in rows)
    won = rows.get(deal__external_id="A1")
    assert won.to_stage == Stage.CLOSED_WON and won.at == won.deal.closed_at


@pytest.mark.django_db
def test_a_reimport_updates_instead_of_duplicating(alice, messy_csv, tmp_path):
    deals_import(path=messy_csv)
    report = deals_import(path=messy_csv)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 3)
    assert Deal.objects.count() == 3

    changed = tmp_path / "changed.csv"
    changed.write_text(
        MESSY.replace(
            "A2,  alice   REP ,MG Special,,Engaging,2017-02-03,,",
            "A2,Alice Rep,MG Special,,Won,2017-02-03,2017-04-01,99",
        )
    )
    report = deals_import(path=changed)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    deal = Deal.objects.get(external_id="A2")
    assert (deal.stage, deal.amount) == (Stage.CLOSED_WON, 99)
    assert list(deal.stage_changes.values_list("from_stage", "to_stage", "imported")) == [
        ("", Stage.DISCOVERY, True),
        (Stage.DISCOVERY, Stage.CLOSED_WON, True),
    ]


@pytest.mark.django_db
def test_a_reimport_does_not_override_a_deal_moved_in_the_portal(alice, messy_csv, tmp_path):
    deals_import(path=messy_csv)
    deal = Deal.objects.get(external_id="A2")
    check_all(deal, by=alice)
    deal_transition(deal=deal, event=Event.DEMO_SCHEDULED, by=alice)
    changed = tmp_path / "changed.csv"
    changed.write_text(MESSY.replace("Engaging,2017-02-03,,", "Lost,2017-02-03,2017-04-01,0"))
    report = deals_import(path=changed)
    assert Deal.objects.get(external_id="A2").stage == Stage.TECHNICAL_DEMO
    assert any("moved in the portal" in p.message and p.external_id == "A2" for p in report.problems)


@pytest.mark.django_db
def test_a_dry_run_reports_and_stores_nothing(alice, messy_csv):
    report = deals_import(path=messy_csv, dry_run=True)
    assert report.created == 3 and len(report.problems) == 9
    assert not Deal.objects.exists() and not Account.objects.exists()


@pytest.mark.django_db
def test_unknown_owners_can_be_created_on_their_team(messy_csv, tmp_path):
    teams = tmp_path / "teams.csv"
    teams.write_text("sales_agent,manager,regional_office\nNobody Known,Dustin Brinkmann,Central\n")
    report = deals_import(path=messy_csv, create_owners=True, team_file=teams)
    assert "Nobody Known" in report.created_owners
    owner = User.objects.get(username="nobody.known")
    assert (owner.role, owner.team.name, owner.has_usable_password()) == ("rep", "Central · Brinkmann", False)
    assert Deal.objects.get(external_id="B4").owner == owner


@pytest.mark.django_db
def test_an_owner_whose_name_makes_no_login_stays_unknown_and_the_rest_imports(alice, tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(MESSY.replace("Nobody Known", "Dan O'Neil"))
    report = deals_import(path=path, create_owners=True)
    assert report.created_owners == []
    assert report.unknown_owners == {"Dan O'Neil": 1}
    assert report.created == 3 and not User.objects.filter(last_name="O'Neil").exists()


@pytest.mark.django_db
def test_the_command_maps_columns_and_stages_and_prints_the_report(alice, tmp_path, capsys):
    path = tmp_path / "hubspot.csv"
    path.write_text(
        "Deal ID,Deal owner,Product,Company,Pipeline stage,Create date,Close date,Amount\n"
        'H1,Alice Rep,GTX Pro,Acme Corporation,closedwon,2024-01-02,2024-02-01,"1,200"\n'
        "H2,Alice Rep,GTX Pro,Acme Corporation,qualifiedtobuy,2024-01-05,2024-06-30,800\n"
        "H3,Alice Rep,GTX Pro,Acme Corporation,appointmentscheduled,2024-01-05,2024-06-30,800\n"
    )
    call_command(
        "import_deals",
        str(path),
        "--id-column=Deal ID",
        "--owner-column=Deal owner",
        "--product-column=Product",
        "--account-column=Company",
        "--stage-column=Pipeline stage",
        "--created-column=Create date",
        "--close-column=Close date",
        "--amount-column=Amount",
        "--stage=closedwon=ClosedWon",
        "--stage=qualifiedtobuy=Discovery",
    )
    out = capsys.readouterr().out
    assert "3 rows: 2 created" in out
    assert "line 4 (H3): unknown stage 'appointmentscheduled'" in out
    assert Deal.objects.get(external_id="H1").amount == 1200
    assert str(Deal.objects.get(external_id="H2").expected_close_date) == "2024-06-30"


@pytest.mark.django_db
def test_the_command_refuses_a_file_without_the_mapped_columns(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(CommandError, match="columns not in the file"):
        call_command("import_deals", str(path))
    with pytest.raises(CommandError, match="is not a stage"):
        call_command("import_deals", str(path), "--stage=Won=Victory")


@pytest.mark.django_db
def test_the_crm_sample_imports_cleanly(tmp_path):
    source = crm_sample("sales_pipeline.csv")
    # The export spells GTX Pro "GTXPro" in 1,480 rows: mapped onto the list, never a new product.
    report = deals_import(
        path=source,
        create_owners=True,
        team_file=crm_sample("sales_teams.csv"),
        product_map=parse_product_map(["GTXPro=GTX Pro"]),
    )
    assert (report.rows, report.created, report.problems) == (8800, 8800, [])
    assert Product.objects.count() == 7
    assert Deal.objects.filter(product__name="GTX Pro").count() == 1480
    assert len(report.created_owners) == 30
    assert Deal.objects.filter(stage=Stage.CLOSED_WON).count() == 4238
    assert Deal.objects.filter(stage=Stage.CLOSED_LOST).count() == 2473
    assert Deal.objects.filter(stage=Stage.DISCOVERY).count() == 1589
    assert Deal.objects.filter(stage=Stage.LEAD_IN).count() == 500
    assert DealStageChange.objects.filter(imported=True).count() == 8800
    again = deals_import(path=source, product_map={"gtxpro": "GTX Pro"})
    assert (again.created, again.unchanged, Deal.objects.count()) == (0, 8800, 8800)


TYPOS = """opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value
T1,Alice Rep,GTXPro,Acme Corporation,Won,2017-01-02,2017-03-01,4514
T2,Alice Rep,gtx basic,Acme Corporation,Won,2017-01-02,2017-03-01,550
T3,Alice Rep,Hoverboard,Acme Corporation,Won,2017-01-02,2017-03-01,10
"""


@pytest.mark.django_db
def test_a_typod_product_refuses_its_row_naming_the_nearest_product(alice, tmp_path):
    path = tmp_path / "typos.csv"
    path.write_text(TYPOS)
    report = deals_import(path=path)
    assert report.created == 1 and Deal.objects.get().product.name == "GTX Basic"
    problems = {p.external_id: p.message for p in report.problems}
    assert "'GTXPro' is not a product of the list; did you mean 'GTX Pro'" in problems["T1"]
    assert "--product 'GTXPro=<product>'" in problems["T1"]
    assert "GTK 500" in problems["T3"]  # nothing near: the message lists the products
    assert Product.objects.count() == 7


@pytest.mark.django_db
def test_a_product_mapping_reads_the_crm_name_as_one_of_the_list(alice, tmp_path, capsys):
    path = tmp_path / "typos.csv"
    path.write_text(TYPOS)
    call_command("import_deals", path, "--product", "GTXPro=GTX Pro")
    assert "2 created" in capsys.readouterr().out
    assert Deal.objects.get(external_id="T1").product.name == "GTX Pro"
    with pytest.raises(CommandError, match="'Hover board' is not a product of the list"):
        call_command("import_deals", path, "--product", "Hoverboard=Hover board")
