from training.calls.parsers import Utterance
from training.calls.trackers import CompiledTrackers, Speaker, TrackerSpec

COMPETITOR = TrackerSpec(1, "Vantage", "competitor", ("Vantage Analytics", "vantage"), fuzzy=True)
PRICING = TrackerSpec(2, "Pricing", "pricing", ("price", "discount", "per seat"), speaker=Speaker.REP)
NEXT = TrackerSpec(3, "Next steps", "next_steps", ("next step", "follow up", "send over"))

CALL = [
    Utterance("Dana", 0, 5, "We compete with VANTAGE a lot."),  # 0: competitor (case)
    Utterance("Sam", 5, 9, "Vantage Analytics quoted a lower price per seat."),  # 1: competitor; pricing is rep-only
    Utterance(
        "Dana", 9, 12, "Our prices and discounts vary; the price per   seat is fixed."
    ),  # 2: pricing ("prices" no)
    Utterance("Sam", 12, 15, "Vantge Analitics was cheaper."),  # 3: competitor, fuzzy only
    Utterance("Dana", 15, 18, "Shall we book a follow-up? I'll send over the deck, next steps then."),  # 4
    Utterance("Sam", 18, 20, "Vantagepoint is a different firm."),  # 5: no hit (word boundary)
]


def hits_by_tracker(utterances=CALL, rep="Dana", specs=(COMPETITOR, PRICING, NEXT)):
    hits = CompiledTrackers.compile(list(specs)).match(utterances, rep)
    return {(h.tracker_id, h.utterance, h.phrase, h.fuzzy) for h in hits}


def test_it_matches_whole_words_in_any_case_once_per_utterance_and_speaker():
    assert hits_by_tracker() == {
        (1, 0, "vantage", False),
        (1, 1, "vantage analytics", False),  # the longest phrase at the place wins
        (1, 3, "vantage analytics", True),
        (2, 2, "price", False),  # "prices" and "discounts" are other words
        # "follow-up": the hyphen is not a word character but the phrase is "follow up" (a space): no match;
        # "send over" matches first.
        (3, 4, "send over", False),
    }


def test_worked_counts():
    hits = CompiledTrackers.compile([COMPETITOR, PRICING, NEXT]).match(CALL, "Dana")
    counts = {tracker: sum(h.tracker_id == tracker for h in hits) for tracker in (1, 2, 3)}
    # Competitor: utterances 0, 1 and 3 (fuzzy) - not 5 (Vantagepoint). Pricing: only the rep's
    # utterance 2 (Sam's "price" in 1 is the customer's). Next steps: utterance 4.
    assert counts == {1: 3, 2: 1, 3: 1}


def test_the_speaker_filter_follows_who_the_rep_is():
    # With Sam as the rep, Sam's "price" (utterance 1) counts and Dana's does not.
    assert {(t, u) for t, u, *_ in hits_by_tracker(rep="Sam") if t == 2} == {(2, 1)}
    customer_only = TrackerSpec(4, "Budget", "custom", ("quoted",), speaker=Speaker.CUSTOMER)
    assert {u for _, u, *_ in hits_by_tracker(specs=[customer_only])} == {1}
    assert hits_by_tracker(rep="Sam", specs=[customer_only]) == set()


def test_without_fuzzy_a_misspelling_is_missed():
    exact = TrackerSpec(1, "Vantage", "competitor", ("Vantage Analytics", "vantage"))
    assert {u for _, u, *_ in hits_by_tracker(specs=[exact])} == {0, 1}


def test_phrases_with_regex_characters_are_literal():
    spec = TrackerSpec(9, "C++", "custom", ("c++", "a.b"))
    hits = hits_by_tracker([Utterance("Dana", 0, 1, "We use C++ and aXb.")], specs=[spec])
    assert hits == {(9, 0, "c++", False)}
