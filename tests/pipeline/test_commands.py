from decimal import Decimal

import pytest
from django.core.management import call_command

from pipeline.models import Quota


def test_graph_transitions_draws_the_deal_state_machine(capsys):
    call_command("graph_transitions", "pipeline.Deal")
    dot = capsys.readouterr().out
    for edge in [
        '"pipeline.deal.stage.LeadIn" -> "pipeline.deal.stage.Discovery" [label=qualify]',
        '"pipeline.deal.stage.Closing" -> "pipeline.deal.stage.ClosedWon" [label=contract_signed]',
        '"pipeline.deal.stage.Proposal" -> "pipeline.deal.stage.ClosedLost" [label=deal_lost]',
        '"pipeline.deal.stage.Proposal" -> "pipeline.deal.stage.TechnicalDemo" [label=move_back]',
        '"pipeline.deal.stage.ClosedLost" -> "pipeline.deal.stage.Proposal" [label=reopen]',
    ]:
        assert edge in dot
    # A won deal stays won; moving back is one step only; a lost one only reopens.
    assert 'ClosedWon" -> ' not in dot
    assert dot.count("[label=move_back]") == 4
    assert {line.split("[label=")[1] for line in dot.splitlines() if 'ClosedLost" -> ' in line} == {"reopen]"}


@pytest.mark.django_db
def test_quotas_import_from_csv_with_a_report_of_bad_rows(rep, teammate, tmp_path, capsys):
    path = tmp_path / "quotas.csv"
    path.write_text(
        "rep,month,amount\n"
        f"{rep.username},2026-10,50000\n"
        f'{teammate.email},2026-10,"45,000"\n'
        "nobody,2026-10,1\n"
        f"{rep.username},October,1\n"
        f"{rep.username},2026-11,-3\n"
    )
    call_command("import_quotas", str(path))
    out = capsys.readouterr().out
    assert "5 rows: 2 created, 0 updated, 3 with problems." in out
    assert "line 4 (nobody): unknown rep 'nobody'" in out
    assert "line 5" in out and "bad month 'October'" in out
    assert "line 6" in out and "bad amount '-3'" in out
    assert Quota.objects.get(rep=teammate).amount == Decimal("45000")
    call_command("import_quotas", str(path))
    assert "0 created, 2 updated" in capsys.readouterr().out
    assert Quota.objects.count() == 2
