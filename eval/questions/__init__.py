"""The reader's questions (issue 34): ten kinds of clause question a lawyer asks first,
in plain words, over the shared CUAD half, answered offline one contract at a time.

Read in this order: questions.py (the set), run.py (ask and score: QuestionResult),
report.py, bench.py (`python -m eval.questions`, `folio eval questions`).
"""
