"""Every question kind the offline reader knows, asked of every shared document that is
not a contract: a user asks them of anything. An answer or a plain "not found", never an
exception (issue 33: "When was the agreement signed?" on the DMCA summary died in the
reader with an AttributeError, and POST /query answered 500), and every quote on its page."""

from __future__ import annotations

import pytest

from core.reader.contract import read_contract
from core.reader.offline import OfflineReader, Passage
from core.reader.questions import KINDS, question_kind, wants_summary
from ingest.pdf import read_pages
from query.citations import quote_on_page

# One plain-language question for each kind, as a user would put it (the test checks the
# reader takes each for its kind), a summary, and one no kind covers.
QUESTIONS = (
    "Who are the parties to this agreement?",
    "When was the agreement signed?",
    "When does this agreement take effect?",
    "What insurance must be maintained?",
    "Is liability capped?",
    "Who must indemnify whom?",
    "When can either party terminate?",
    "How long is the term, and does it renew?",
    "What are the payment terms?",
    "Which law governs this agreement?",
    "Can this agreement be assigned?",
    "What must be kept confidential?",
    "Is there an exclusivity obligation?",
    "Is there a non-compete?",
    "Does a party have audit rights?",
    "Summarise the termination rights",
    "What does chapter two explain?",
)
NOT_CONTRACTS = sorted(
    ["legal/dmca.pdf"]
    + [
        f"technical/{name}"
        for name in (
            "GeoTopo-komprimiert.pdf",
            "a1977-backus-p21.pdf",
            "amt_handbook_sample.pdf",
            "code_and_formula.pdf",
            "fr_olap.pdf",
            "freeculture.pdf",
            "i1040nr.pdf",
            "interface-config-guide-p93.pdf",
            "multi-column.pdf",
            "naacl06-shinyama.pdf",
            "pdf2image-memory-error-test-400p.pdf",
            "redp5110_sampled.pdf",
            "tracemonkey.pdf",
        )
    ]
)


def test_the_sweep_covers_every_kind_the_reader_knows() -> None:
    asked = {question_kind(q).name for q in QUESTIONS if question_kind(q) is not None}
    assert asked == {kind.name for kind in KINDS}
    assert any(wants_summary(q) for q in QUESTIONS)
    assert any(question_kind(q) is None for q in QUESTIONS)


def test_the_sweep_covers_every_shared_document_that_is_not_a_contract(shared_data) -> None:
    on_disk = {str(p.relative_to(shared_data)) for p in (shared_data / "technical").glob("*.pdf")}
    assert on_disk | {"legal/dmca.pdf"} == set(NOT_CONTRACTS)


@pytest.fixture(scope="module")
def reader(embedder) -> OfflineReader:
    return OfflineReader(embedder)


@pytest.mark.parametrize("name", NOT_CONTRACTS)
def test_every_question_kind_on_a_document_that_is_not_a_contract(
    name, shared_data, reader
) -> None:
    texts = [p.text for p in read_pages(shared_data / name)]
    passages = [Passage("doc", n, text) for n, text in enumerate(texts, 1)]
    # As /query reads it: the structure ingest stored beside the page texts.
    contracts = {"doc": read_contract(texts)}
    for question in QUESTIONS:
        answer = reader.answer(question, passages, contracts=contracts, labels={"doc": name})
        assert isinstance(answer.text, str) and answer.text.strip(), question
        if not answer.found:
            assert not answer.citations, question
        for c in answer.citations:
            assert quote_on_page(c.quote, texts[c.page - 1]), (question, c.page, c.quote)
