"""The demo onboarding program's content: ten modules of a few minutes, each with a quiz.

Products and prices follow the crm-sample export (GTX, MG and GTK series); the sales
process and its stage criteria are the seeded ones (README, "Pipeline").
"""

# (title, summary, minutes, tags, body, video_url, pass_mark, questions)
# A question is (text, explanation, [(choice, correct), ...]); two correct choices make it multiple-choice.
MODULES = [
    (
        "Our product line in five minutes",
        "The GTX, MG and GTK series: who each is for and how they fit together.",
        5,
        ["product"],
        """## Three series, one platform

- **MG** (MG Special, MG Advanced) — for small teams buying online; a low entry price and a fast start.
- **GTX** (GTX Basic, GTX Plus Basic, GTX Pro, GTX Plus Pro) — our workhorse for mid-sized companies;
  *Plus* editions add the analytics pack.
- **GTK 500** — the flagship for large, regulated customers: dedicated hosting, audit trails and an SLA.

Most new logos start on GTX and grow into GTX Plus within a year. GTK deals are rare and long:
bring in a solutions engineer from the first call.

> Rule of thumb: sell the outcome the customer named in Discovery, not the edition.
""",
        "",
        80,
        [
            (
                "Which product is our flagship for large, regulated customers?",
                "GTK 500 has dedicated hosting and an SLA.",
                [("GTK 500", True), ("GTX Plus Pro", False), ("MG Advanced", False)],
            ),
            (
                "Which editions include the analytics pack?",
                "The Plus editions add analytics.",
                [("GTX Plus Basic", True), ("GTX Plus Pro", True), ("GTX Basic", False), ("MG Special", False)],
            ),
        ],
    ),
    (
        "Pricing and packaging",
        "List prices, where discounts start needing approval, and how to talk about value.",
        6,
        ["product", "pricing"],
        """## List prices (per year)

| Product | List price |
|---|---|
| MG Special | $55 |
| GTX Basic | $550 |
| GTX Plus Basic | $1,096 |
| MG Advanced | $3,393 |
| GTX Pro | $4,821 |
| GTX Plus Pro | $5,482 |
| GTK 500 | $26,768 |

Discounts up to 10% are yours to give. Anything above needs your manager's approval in the deal,
and above 20% the VP's. Never discount before the customer has agreed on the value — a discount
offered in Discovery is a discount you will give twice.
""",
        "",
        80,
        [
            (
                "What is the list price of GTX Pro?",
                "GTX Pro lists at $4,821 a year.",
                [("$4,821", True), ("$5,482", False), ("$3,393", False)],
            ),
            (
                "Up to what discount can you decide alone?",
                "Up to 10%; above that your manager approves.",
                [("10%", True), ("20%", False), ("Any discount", False)],
            ),
        ],
    ),
    (
        "Our ideal customer profile",
        "The companies that buy fastest, stay longest and expand: how to recognise them.",
        5,
        ["icp"],
        """## Who buys from us

Our best customers are **medical, retail and technology** companies with **500 to 5,000 employees**
and a sales team of at least twenty. They have outgrown spreadsheets, have a named sales operations
owner, and renew at over 90%.

## Warning signs

- No one owns sales operations.
- The buyer wants a one-off project, not a platform.
- Fewer than fifty employees: point them to MG Special online.
""",
        "",
        80,
        [
            (
                "Which sectors are in our ideal customer profile?",
                "Medical, retail and technology renew best.",
                [("Medical", True), ("Retail", True), ("Technology", True), ("Entertainment", False)],
            ),
            (
                "A 30-person agency asks for a demo. What do you do?",
                "Below fifty employees, MG Special online fits.",
                [("Point them to MG Special online", True), ("Book a GTK 500 demo", False)],
            ),
        ],
    ),
    (
        "The sales process: six stages",
        "LeadIn to Closing, and the two ways a deal ends: our process as a state machine.",
        6,
        ["process"],
        """## The stages

1. **LeadIn** — a qualified lead handed over by marketing or an SDR.
2. **Discovery** — we learn the customer's situation and qualify with BANT.
3. **TechnicalDemo** — we prove the product solves their problem.
4. **Proposal** — pricing, terms, legal and security review.
5. **Closing** — verbal yes to signature.
6. **ClosedWon** or **ClosedLost** — final. A deal can be lost from any open stage; we keep the stage
   it was lost at, so the funnel shows where deals leak.

The portal moves a deal forward only when the exit criteria of its stage are met.
""",
        "",
        80,
        [
            (
                "Which stage comes right after Discovery?",
                "Discovery → TechnicalDemo → Proposal.",
                [("TechnicalDemo", True), ("Proposal", False), ("Closing", False)],
            ),
            (
                "From which stages can a deal be lost?",
                "Any open stage; the portal keeps where it was lost.",
                [("Any open stage", True), ("Only Closing", False), ("Only Proposal", False)],
            ),
        ],
    ),
    (
        "Qualifying with BANT",
        "Budget, Authority, Need, Timeline: the Discovery exit criterion, question by question.",
        7,
        ["process", "discovery"],
        """## Leaving Discovery

The exit criterion of Discovery is: **BANT (Budget, Authority, Need, Timeline) confirmed.**

- **Budget** — "How is a project like this funded, and what range did you plan for?"
- **Authority** — "Who else signs off, and how did your last purchase of this size go?"
- **Need** — "What happens if you change nothing this year?"
- **Timeline** — "What date matters to you, and why that date?"

Write the answers into the deal. A deal whose BANT is not confirmed stays in Discovery.
""",
        "",
        80,
        [
            (
                "What does BANT stand for?",
                "Budget, Authority, Need, Timeline.",
                [("Budget", True), ("Authority", True), ("Need", True), ("Timeline", True), ("Technology", False)],
            ),
            (
                "What is the exit criterion of Discovery?",
                "BANT confirmed.",
                [("BANT (Budget, Authority, Need, Timeline) confirmed", True), ("A demo is booked", False)],
            ),
        ],
    ),
    (
        "Entering Discovery",
        "What has to be true before a lead becomes a Discovery deal.",
        3,
        ["process", "discovery"],
        """## The entry criterion

A deal enters Discovery when the **SDR has confirmed initial interest**: a real person at the account
agreed that the problem is worth a conversation. A form fill or a download is not interest.

Before your first call, read the lead's history in the portal and prepare three questions about
their situation — not about our product.
""",
        "",
        80,
        [
            (
                "What must be true for a deal to enter Discovery?",
                "The SDR has confirmed initial interest.",
                [
                    ("SDR has confirmed initial interest", True),
                    ("The lead downloaded a whitepaper", False),
                    ("A proposal was sent", False),
                ],
            ),
        ],
    ),
    (
        "Running a technical demo that proves value",
        "Who must be in the room and what 'proof of value' means for the TechnicalDemo exit.",
        8,
        ["process", "demo"],
        """## Exit criteria of TechnicalDemo

- **Key technical stakeholders attended.** If the person who will run the integration was not there,
  book another session.
- **Proof of value established.** The customer saw their own use case work, on their data or a
  realistic copy, and agreed it solves the need found in Discovery.

Show three things, not thirty. End by asking: "What would stop you from moving forward?"
""",
        "",
        80,
        [
            (
                "What are the exit criteria of TechnicalDemo?",
                "Both must hold before the deal moves to Proposal.",
                [
                    ("Key technical stakeholders attended", True),
                    ("Proof of value established", True),
                    ("The customer liked the slides", False),
                ],
            ),
        ],
    ),
    (
        "Proposal: the legal and security review",
        "Why Proposal ends with legal and security, and how to start that review early.",
        6,
        ["process", "proposal"],
        """## Exit criterion of Proposal

**Legal and security review passed.** Medical and finance customers always run one; many others do.

Send our security pack (SOC 2 report, data processing agreement, pen-test summary) as soon as the
proposal is requested, not when the customer asks. Reviews take two to six weeks: starting them
early is the cheapest way to shorten your cycle.
""",
        "",
        80,
        [
            (
                "What is the exit criterion of Proposal?",
                "Legal and security review passed.",
                [("Legal and security review passed", True), ("Verbal yes from the buyer", False)],
            ),
            (
                "When should you send the security pack?",
                "As soon as the proposal is requested.",
                [("When the proposal is requested", True), ("After the contract is signed", False)],
            ),
        ],
    ),
    (
        "Competitor battlecard: Vantage Analytics",
        "Where we win and lose against our most frequent competitor, and the traps to set.",
        7,
        ["competitors"],
        """## Vantage Analytics in one line

Strong dashboards, weak workflow: customers buy Vantage for reporting and come to us when their reps
will not use it.

## Where we win

- Adoption by reps (guided workflow, mobile).
- Total cost over three years: Vantage charges per dashboard viewer.

## Where we lose

- Buyers who only want executive reporting.

## Trap question

"How many of your reps update the pipeline every day today?"
""",
        "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
        80,
        [
            (
                "Where do we usually win against Vantage Analytics?",
                "Adoption by reps and three-year cost.",
                [
                    ("Adoption by reps", True),
                    ("Total cost over three years", True),
                    ("Executive-only reporting", False),
                ],
            ),
        ],
    ),
    (
        "Handling the 'too expensive' objection",
        "Three moves for a price objection that keep the conversation on value.",
        5,
        ["objections", "pricing"],
        """## Three moves

1. **Clarify** — "Too expensive compared with what?"
2. **Reconnect to the need** — repeat the cost of doing nothing they told you in Discovery.
3. **Trade, don't give** — a discount in exchange for a longer term, a case study or an earlier signature.

Never answer a price objection with a discount in the same breath.
""",
        "",
        80,
        [
            (
                "What is your first move on 'too expensive'?",
                "Clarify what they compare us with.",
                [("Ask what they compare us with", True), ("Offer 10% off", False)],
            ),
        ],
    ),
]
