"""The needles, questions and expected facts of the suites: data, kept apart from the code.

The classic and the pizza needles are those of gkamradt's LLMTest_NeedleInAHaystack;
the low-overlap pairs follow NoLiMa (Modarressi et al. 2025); the first is its own example.
"""

from __future__ import annotations

from eval.niah.scoring import Fact

CLASSIC_NEEDLE = (
    "The best thing to do in San Francisco is eat a sandwich and sit in Dolores Park on a"
    " sunny day."
)
CLASSIC_QUESTION = "What is the best thing to do in San Francisco?"
CLASSIC_ANSWER = "eat a sandwich and sit in Dolores Park"
CLASSIC_FACT = Fact("sandwich in Dolores Park", ("sandwich", "Dolores Park"))


PIZZA = (
    ("Figs are one of the secret ingredients needed to build the perfect pizza.", "figs"),
    ("Prosciutto is one of the secret ingredients needed to build the perfect pizza.",
     "prosciutto"),
    ("Smoked applewood bacon is one of the secret ingredients needed to build the perfect"
     " pizza.", "bacon"),
)  # fmt: skip
PIZZA_QUESTION = "What are the secret ingredients needed to build the perfect pizza?"


# NoLiMa-style pairs: the question names a place, the needle a landmark in it; they share
# no content word, so only knowing the landmark links them (test_harness checks this).
LOW_OVERLAP = (
    ("Actually, Yuki lives next to the Semper Opera House.",
     "Which character has been to Dresden?", "Yuki"),
    ("Marcus spent last winter renting a cabin within sight of the Matterhorn.",
     "Who has been to Switzerland?", "Marcus"),
    ("Elena's studio window looks straight out onto the Sagrada Familia.",
     "Which person is based in Barcelona?", "Elena"),
    ("Tomasz proposed to his wife at the foot of the Christ the Redeemer statue.",
     "Which character has travelled to Brazil?", "Tomasz"),
)  # fmt: skip


DISTRACTOR = (
    "Under the original 2019 agreement, the termination fee payable under Section 9.2 was"
    " $3,900,000, but that figure was later superseded and is no longer in force."
)
IN_FORCE = (
    "Under the amended agreement now in force, the termination fee payable under Section 9.2"
    " is $4,217,000."
)


LEGAL = (
    ("The termination fee payable under Section 9.2 is $4,217,000.",
     "If this agreement is terminated under Section 9.2, what fee is owed?",
     Fact("$4,217,000", numbers=(4_217_000,))),
    ("Each party shall maintain commercial general liability insurance with limits of not less"
     " than $7,350,000 per occurrence.",
     "What per-occurrence limit must the liability insurance carry at minimum?",
     Fact("$7,350,000", numbers=(7_350_000,))),
    ("Written notice of non-renewal must be given no later than 137 days before the end of"
     " the then-current term.",
     "How far ahead of the end of the term must a party give notice that it will not renew?",
     Fact("137 days", ("day",), (137,))),
)  # fmt: skip
