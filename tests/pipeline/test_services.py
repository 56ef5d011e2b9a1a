from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from pipeline.models import (
    NEXT_STAGE,
    OPEN_STAGES,
    PREVIOUS_STAGE,
    TRANSITION_EVENTS,
    TRANSITION_METHODS,
    Account,
    CriterionCheck,
    Deal,
    DealStageChange,
    Event,
    LostReason,
    Stage,
    StageCriterion,
)
from pipeline.services import (
    ConcurrentChange,
    CriteriaMissing,
    TransitionRefused,
    account_get_or_create,
    criterion_check,
    deal_create,
    deal_transition,
    deal_update,
)
from tests.pipeline.factories import check_all, lost_reason

ALLOWED = {
    (Stage.LEAD_IN, Event.QUALIFY): Stage.DISCOVERY,
    (Stage.DISCOVERY, Event.DEMO_SCHEDULED): Stage.TECHNICAL_DEMO,
    (Stage.TECHNICAL_DEMO, Event.PROPOSAL_REQUESTED): Stage.PROPOSAL,
    (Stage.PROPOSAL, Event.VERBAL_YES): Stage.CLOSING,
    (Stage.CLOSING, Event.CONTRACT_SIGNED): Stage.CLOSED_WON,
    **{(stage, Event.DEAL_LOST): Stage.CLOSED_LOST for stage in OPEN_STAGES},
    **{(stage, Event.MOVED_BACK): target for stage, target in PREVIOUS_STAGE.items()},
    # REOPENED goes back to the stage a deal was lost at: a deal placed in ClosedLost was lost at none.
}
ALL_PAIRS = [(stage, event) for stage in Stage for event in TRANSITION_EVENTS]


def snapshot(deal: Deal) -> dict:
    return {
        "deal": Deal.objects.filter(pk=deal.pk).values().get(),
        "history": list(DealStageChange.objects.filter(deal=deal).values()),
    }


@pytest.mark.django_db
@pytest.mark.parametrize(("stage", "event"), ALL_PAIRS)
def test_every_stage_and_event_pair_either_moves_and_records_or_changes_nothing(stage, event, rep, make_deal):
    deal = make_deal(rep, stage=stage)
    check_all(deal)
    before = snapshot(deal)
    reason = lost_reason() if event == Event.DEAL_LOST else None

    if (stage, event) in ALLOWED:
        change = deal_transition(deal=deal, event=event, by=rep, lost_reason=reason, note="Why")
        deal = Deal.objects.get(pk=deal.pk)
        assert deal.stage == ALLOWED[stage, event]
        assert (change.from_stage, change.to_stage, change.event, change.by) == (stage, deal.stage, event, rep)
        assert deal.stage_entered_at == change.at
        assert DealStageChange.objects.filter(deal=deal).count() == 2
    else:
        with pytest.raises(TransitionRefused):
            deal_transition(deal=deal, event=event, by=rep, lost_reason=reason, note="Why")
        assert snapshot(deal) == before


@pytest.mark.django_db
def test_the_state_machine_has_exactly_the_playbook_transitions(rep, make_deal):
    deal = make_deal(rep)
    transitions = list(Deal._meta.get_field("stage").get_all_transitions(Deal))
    # Reopening names its target on the way (RETURN_VALUE: the stage the deal was lost at).
    pairs = {(t.source, t.name, t.target) for t in transitions if t.target and t.name != "reopen"}
    reopen = {
        (t.source, t.name, target) for t in transitions if t.name == "reopen" for target in t.target.allowed_states
    }
    assert pairs == {(source, TRANSITION_METHODS[event], target) for (source, event), target in ALLOWED.items()}
    assert reopen == {(Stage.CLOSED_LOST, "reopen", stage) for stage in OPEN_STAGES}
    assert deal.next_stage == Stage.DISCOVERY


@pytest.mark.django_db
def test_the_playbook_criteria_are_seeded():
    rows = set(StageCriterion.objects.active().values_list("stage", "kind", "text"))
    assert rows == {
        ("Discovery", "entry", "SDR has confirmed initial interest."),
        ("Discovery", "exit", "BANT (Budget, Authority, Need, Timeline) confirmed."),
        ("TechnicalDemo", "exit", "Key technical stakeholders attended."),
        ("TechnicalDemo", "exit", "Proof of value established."),
        ("Proposal", "exit", "Legal and security review passed."),
    }


GATES = {
    Stage.LEAD_IN: ["SDR has confirmed initial interest."],
    Stage.DISCOVERY: ["BANT (Budget, Authority, Need, Timeline) confirmed."],
    Stage.TECHNICAL_DEMO: ["Key technical stakeholders attended.", "Proof of value established."],
    Stage.PROPOSAL: ["Legal and security review passed."],
}


@pytest.mark.django_db
@pytest.mark.parametrize("stage", list(GATES))
def test_it_refuses_a_move_with_unmet_criteria_and_names_them(stage, rep, make_deal):
    deal = make_deal(rep, stage=stage)
    with pytest.raises(CriteriaMissing) as refused:
        deal_transition(deal=deal, event=deal.forward_event, by=rep)
    assert [c.text for c in refused.value.missing] == GATES[stage]
    assert all(text in str(refused.value) for text in GATES[stage])
    assert Deal.objects.get(pk=deal.pk).stage == stage


@pytest.mark.django_db
@pytest.mark.parametrize("stage", list(GATES))
def test_checking_the_criteria_then_moving_succeeds(stage, rep, make_deal):
    deal = make_deal(rep, stage=stage)
    for criterion in deal.gating_criteria():
        criterion_check(deal=deal, criterion=criterion, by=rep, evidence="Call notes of 3 May")
    deal_transition(deal=deal, event=deal.forward_event, by=rep)
    assert Deal.objects.get(pk=deal.pk).stage == NEXT_STAGE[stage]


@pytest.mark.django_db
def test_a_half_checked_gate_lists_only_what_is_missing(rep, make_deal):
    deal = make_deal(rep, stage=Stage.TECHNICAL_DEMO)
    attended = StageCriterion.objects.get(text="Key technical stakeholders attended.")
    criterion_check(deal=deal, criterion=attended, by=rep, evidence="CTO and two architects on the demo")
    with pytest.raises(CriteriaMissing) as refused:
        deal_transition(deal=deal, event=Event.PROPOSAL_REQUESTED, by=rep)
    assert [c.text for c in refused.value.missing] == ["Proof of value established."]


@pytest.mark.django_db
def test_an_inactive_criterion_no_longer_gates(rep, make_deal):
    deal = make_deal(rep, stage=Stage.PROPOSAL)
    StageCriterion.objects.filter(stage=Stage.PROPOSAL).update(active=False)
    deal_transition(deal=deal, event=Event.VERBAL_YES, by=rep)
    assert Deal.objects.get(pk=deal.pk).stage == Stage.CLOSING


@pytest.mark.django_db
def test_an_admin_added_criterion_gates_at_once(rep, make_deal):
    deal = make_deal(rep, stage=Stage.CLOSING)
    StageCriterion.objects.create(stage=Stage.CLOSING, kind="exit", text="Purchase order received.")
    with pytest.raises(CriteriaMissing) as refused:
        deal_transition(deal=deal, event=Event.CONTRACT_SIGNED, by=rep)
    assert [c.text for c in refused.value.missing] == ["Purchase order received."]


@pytest.mark.django_db
def test_calling_the_transition_method_directly_still_enforces_the_criteria(rep, make_deal):
    from django_fsm import TransitionNotAllowed

    deal = make_deal(rep, stage=Stage.DISCOVERY)
    with pytest.raises(TransitionNotAllowed):
        deal.demo_scheduled()


@pytest.mark.django_db
def test_stage_cannot_be_assigned(rep, make_deal):
    deal = make_deal(rep)
    with pytest.raises(AttributeError):
        deal.stage = Stage.CLOSED_WON


@pytest.mark.django_db
def test_losing_keeps_the_stage_and_needs_a_reason(rep, make_deal):
    deal = make_deal(rep, stage=Stage.PROPOSAL)
    with pytest.raises(ValidationError) as invalid:
        deal_transition(deal=deal, event=Event.DEAL_LOST, by=rep)
    assert "lost_reason" in invalid.value.message_dict
    retired = LostReason.objects.create(name="Retired reason", active=False)
    with pytest.raises(ValidationError):
        deal_transition(deal=Deal.objects.get(pk=deal.pk), event=Event.DEAL_LOST, by=rep, lost_reason=retired)
    assert Deal.objects.get(pk=deal.pk).stage == Stage.PROPOSAL

    deal_transition(
        deal=Deal.objects.get(pk=deal.pk), event=Event.DEAL_LOST, by=rep, lost_reason=lost_reason(), note="20% over"
    )
    deal = Deal.objects.get(pk=deal.pk)
    assert (deal.stage, deal.lost_at_stage, deal.lost_reason.name, deal.lost_note) == (
        Stage.CLOSED_LOST,
        Stage.PROPOSAL,
        "Price",
        "20% over",
    )
    assert deal.closed_at == deal.stage_entered_at


@pytest.mark.django_db
def test_winning_sets_the_closed_time_and_tells_the_manager_once_committed(
    rep, manager, make_deal, django_capture_on_commit_callbacks, eager_tasks
):
    deal = make_deal(rep, stage=Stage.CLOSING)
    with django_capture_on_commit_callbacks(execute=True):
        deal_transition(deal=deal, event=Event.CONTRACT_SIGNED, by=rep)
    assert Deal.objects.get(pk=deal.pk).closed_at is not None
    assert [m.to for m in mail.outbox] == [[manager.email]]
    assert mail.outbox[0].subject.startswith("Won:")


PERMISSION_MATRIX = [
    ("rep", "rep", True),
    ("rep", "teammate", False),
    ("rep", "other_rep", False),
    ("manager", "rep", True),
    ("manager", "other_rep", False),
    ("other_manager", "rep", False),
    ("admin", "other_rep", True),
    ("marketing", "rep", False),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("actor", "owner", "allowed"), PERMISSION_MATRIX)
def test_who_may_move_a_deal(actor, owner, allowed, request, make_deal):
    actor, owner = request.getfixturevalue(actor), request.getfixturevalue(owner)
    deal = make_deal(owner, stage=Stage.PROPOSAL)
    check_all(deal)
    if allowed:
        deal_transition(deal=deal, event=Event.VERBAL_YES, by=actor)
        assert Deal.objects.get(pk=deal.pk).stage == Stage.CLOSING
    else:
        with pytest.raises(PermissionDenied):
            deal_transition(deal=deal, event=Event.VERBAL_YES, by=actor)
        assert Deal.objects.get(pk=deal.pk).stage == Stage.PROPOSAL
    # In this matrix whoever may see a deal may also move it, and nobody else sees it.
    assert Deal.objects.for_user(actor).filter(pk=deal.pk).exists() == allowed


@pytest.mark.django_db
def test_a_stale_copy_cannot_move_a_deal_someone_else_moved(rep, make_deal):
    deal = make_deal(rep, stage=Stage.PROPOSAL)
    check_all(deal)
    stale = Deal.objects.get(pk=deal.pk)
    deal_transition(deal=deal, event=Event.DEAL_LOST, by=rep, lost_reason=lost_reason())
    with pytest.raises(ConcurrentChange):
        deal_transition(deal=stale, event=Event.VERBAL_YES, by=rep)
    assert Deal.objects.get(pk=deal.pk).stage == Stage.CLOSED_LOST
    assert DealStageChange.objects.filter(deal=deal, event=Event.VERBAL_YES).count() == 0


@pytest.mark.django_db
def test_deal_create_starts_in_lead_in_with_a_history_row(rep, account):
    deal = deal_create(name="Acme renewal", account=account, owner=rep, amount=Decimal("5000"), by=rep)
    assert (deal.stage, deal.team, deal.source) == (Stage.LEAD_IN, rep.team, "portal")
    change = deal.stage_changes.get()
    assert (change.from_stage, change.to_stage, change.event, change.by) == ("", Stage.LEAD_IN, Event.CREATED, rep)


@pytest.mark.django_db
def test_deal_create_rejects_a_negative_amount_and_stores_nothing(rep, account):
    with pytest.raises(ValidationError) as invalid:
        deal_create(name="Bad", account=account, owner=rep, amount=Decimal("-1"), by=rep)
    assert "amount" in invalid.value.message_dict
    assert not Deal.objects.exists()


@pytest.mark.django_db
def test_a_criterion_of_another_stage_cannot_be_checked(rep, make_deal):
    deal = make_deal(rep, stage=Stage.LEAD_IN)
    legal = StageCriterion.objects.get(stage=Stage.PROPOSAL)
    with pytest.raises(ValidationError) as invalid:
        criterion_check(deal=deal, criterion=legal, by=rep, evidence="Signed off")
    assert "criterion" in invalid.value.message_dict
    assert not CriterionCheck.objects.exists()


@pytest.mark.django_db
def test_a_check_needs_evidence(rep, make_deal):
    deal = make_deal(rep, stage=Stage.LEAD_IN)
    with pytest.raises(ValidationError) as invalid:
        criterion_check(deal=deal, criterion=deal.gating_criteria().get(), by=rep, evidence="   ")
    assert "evidence" in invalid.value.message_dict


@pytest.mark.django_db
def test_deal_update_refuses_stage_owner_and_team(rep, teammate, make_deal):
    deal = make_deal(rep)
    with pytest.raises(ValidationError) as invalid:
        deal_update(deal=deal, by=rep, owner=teammate, stage=Stage.CLOSED_WON, team=None)
    assert set(invalid.value.message_dict) == {"owner", "stage", "team"}
    deal_update(deal=deal, by=rep, amount=Decimal("99"), name="Renamed")
    assert Deal.objects.filter(pk=deal.pk, amount=Decimal("99"), name="Renamed", owner=rep).exists()


@pytest.mark.django_db
def test_losing_tells_the_manager_the_stage_and_reason(
    rep, manager, make_deal, django_capture_on_commit_callbacks, eager_tasks
):
    deal = make_deal(rep, stage=Stage.PROPOSAL, name="Acme renewal")
    with django_capture_on_commit_callbacks(execute=True):
        deal_transition(deal=deal, event=Event.DEAL_LOST, by=rep, lost_reason=lost_reason())
    assert [m.subject for m in mail.outbox] == ["Lost: Acme renewal"]
    assert "at Proposal: Price" in mail.outbox[0].body


@pytest.mark.django_db
def test_a_refused_move_enqueues_nothing(rep, make_deal, django_capture_on_commit_callbacks):
    deal = make_deal(rep, stage=Stage.CLOSING)
    StageCriterion.objects.create(stage=Stage.CLOSING, kind="exit", text="Purchase order received.")
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(CriteriaMissing):
        deal_transition(deal=deal, event=Event.CONTRACT_SIGNED, by=rep)
    assert callbacks == []


@pytest.mark.django_db
def test_account_get_or_create_creates_an_account_once_and_keeps_an_existing_ones_details():
    created = account_get_or_create(name="Acme Corp", industry="Retail", employee_count=120)
    again = account_get_or_create(name="Acme Corp", industry="Healthcare", employee_count=5)

    assert again.pk == created.pk
    assert Account.objects.values_list("name", "industry", "employee_count").get() == ("Acme Corp", "Retail", 120)


@pytest.mark.django_db
def test_account_get_or_create_refuses_a_blank_name_and_stores_nothing():
    with pytest.raises(ValidationError):
        account_get_or_create(name="")
    assert not Account.objects.exists()
