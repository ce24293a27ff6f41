"""The question set's report: right overall, where the clause is there and where it is
not, and per kind."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from eval.common.tables import markdown_table
from eval.questions.run import QuestionResult


def _rate(rows: Sequence[QuestionResult]) -> str:
    right = sum(r.right for r in rows)
    return f"{right}/{len(rows)} = {right / len(rows):.0%}" if rows else "-"


def summary(results: Iterable[QuestionResult]) -> dict:
    """Shares right: all, with a clause, clause-less, per kind."""
    rows = list(results)
    share = lambda xs: sum(r.right for r in xs) / len(xs) if xs else None  # noqa: E731
    kinds = sorted({r.kind for r in rows})
    return {
        "n": len(rows),
        "right": share(rows),
        "with_clause": share([r for r in rows if r.has_clause]),
        "clause_less": share([r for r in rows if not r.has_clause]),
        "kinds": {k: share([r for r in rows if r.kind == k]) for k in kinds},
    }


def markdown(results: Sequence[QuestionResult], notes: Sequence[str] = ()) -> str:
    """report.md."""
    rows = list(results)
    kinds = sorted({r.kind for r in rows})
    with_clause = [r for r in rows if r.has_clause]
    clause_less = [r for r in rows if not r.has_clause]
    table = [
        (
            k,
            _rate([r for r in rows if r.kind == k]),
            _rate([r for r in with_clause if r.kind == k]),
            _rate([r for r in clause_less if r.kind == k]),
        )
        for k in kinds
    ]
    table.append(("**all**", _rate(rows), _rate(with_clause), _rate(clause_less)))
    header = ("kind", "right", "clause there: cited", "no clause: said so")
    return "\n".join(
        [
            "# Reader questions (CUAD, shared half, offline)",
            "",
            *notes,
            "",
            *markdown_table(header, table),
            "",
        ]  # fmt: skip
    )
