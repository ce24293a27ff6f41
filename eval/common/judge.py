"""An optional LLM judge, next to the deterministic score, for answers phrased freely.

Off unless asked for and a key is set (FOLIO_OPENAI_API_KEY, and FOLIO_OPENAI_BASE_URL
for a gateway or local server); the composition root builds it and hands it down.
"""

from __future__ import annotations

import json
import os

PROMPT = (
    "You grade answers to questions about a document. Given the question, the expected"
    ' answer and the answer given, reply with JSON {"score": s} where s is 1 if the'
    " answer states the expected answer (paraphrase is fine), 0.5 if it states part of"
    " it, and 0 if it does not, contradicts it, or hedges between it and another value."
)


class Judge:
    """Grades one answer with a chat model over the OpenAI protocol."""

    def __init__(self, client, model: str) -> None:
        self.client = client
        self.model = model

    def grade(self, question: str, expected: str, answer: str) -> float | None:
        """0, 0.5 or 1; None when the judge could not be asked or answered nonsense."""
        try:
            reply = self.client.chat.completions.create(
                model=self.model,
                temperature=0,
                response_format={"type": "json_object"},
                messages=[
                    {"role": "system", "content": PROMPT},
                    {
                        "role": "user",
                        "content": f"Question: {question}\nExpected: {expected}\n"
                        f"Answer given: {answer}",
                    },
                ],
            )
            score = float(json.loads(reply.choices[0].message.content or "{}")["score"])
        except Exception:  # noqa: BLE001 - a judge failure leaves the deterministic score
            return None
        return min(max(score, 0.0), 1.0)


def build_judge(model: str | None) -> Judge | None:
    """A Judge for `model` when one is named and a key is set; None otherwise."""
    key = os.environ.get("FOLIO_OPENAI_API_KEY")
    if not model or not key:
        return None
    try:
        from openai import OpenAI
    except ImportError as exc:  # pragma: no cover - openai is a dependency
        raise ImportError("the LLM judge needs the `openai` package (pip install openai)") from exc
    return Judge(OpenAI(api_key=key, base_url=os.environ.get("FOLIO_OPENAI_BASE_URL")), model)
