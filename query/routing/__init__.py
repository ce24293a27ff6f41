"""The router: stuff the whole documents or retrieve, decided and explained before
anything is spent, and whether a retrieved answer is worth re-asking stuffed.

    plan.py          what it decides with and returns: Policy, RoutePlan, Escalation
    options.py       the ways to answer, sized and costed (Option, Options)
    router.py        plan(): cost the options, choose one, check the budget, explain
    rules.py         the size and scope rules, and forced modes
    learned.py       where the learned router decides, and its pick
    alternatives.py  why each rejected option lost, in words
    escalation.py    after a rag answer: re-ask stuffed? (Self-Route or the learned gate)
    model.py         the learned router's weights (route_model.json) and estimates
    features.py      what it knows of a question before spending
    gate.py          the escalation gate's features and weights
"""
