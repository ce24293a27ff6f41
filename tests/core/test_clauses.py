"""The clause finder (core/reader/clauses.py) and the reader's clause answers, on a small
written contract with the real MiniLM embedder and the thresholds fitted on CUAD."""

from __future__ import annotations

import pytest

from core.reader.clause_answers import CLOSEST
from core.reader.clause_kinds import asked_kinds, clause_kinds, named_kinds
from core.reader.clauses import ClauseFinder
from core.reader.contract import read_contract
from core.reader.offline import OfflineReader, Passage
from query.reviews.values import governing_law

PAGE_1 = """DISTRIBUTION AGREEMENT

This Distribution Agreement (the "Agreement") is entered into as of March 3, 2015 by and
between Acme Devices, Inc., a Delaware corporation ("Acme"), and Borealis Trading Ltd., a
company organised under the laws of Ontario ("Distributor").

1. Appointment. Acme hereby appoints Distributor as a non-exclusive distributor of the
Products in the Territory.

2. Term. The initial term of this Agreement shall commence on the Effective Date and
continue for a period of three (3) years, unless terminated earlier as provided herein.
"""
PAGE_2 = """3. Assignment. Neither party may assign or transfer this Agreement or any of its
rights hereunder without the prior written consent of the other party, and any attempted
assignment without such consent shall be void.

4. Governing Law. This Agreement shall be governed by and construed in accordance with the
laws of the State of New York, without regard to its conflict of laws principles.

5. Notices. All notices shall be in writing and delivered to the addresses set out above.
"""


@pytest.fixture(scope="module")
def pages() -> list[Passage]:
    return [Passage("doc-1", 1, PAGE_1), Passage("doc-1", 2, PAGE_2)]


@pytest.fixture(scope="module")
def reader(embedder) -> OfflineReader:
    return OfflineReader(embedder)


def test_every_cuad_category_is_a_kind_with_paraphrases():
    kinds = clause_kinds()
    cuad = {k for k in kinds if k != "Payment Terms"}  # the one a search names, not CUAD's
    assert len(cuad) == 41 and all(k.paraphrases and k.description for k in kinds.values())
    assert [k.name for k in asked_kinds("Which state's law governs this agreement?")] == [
        "Governing Law"
    ]
    assert asked_kinds("Who are the parties?") == []


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Is there a clause on revenue sharing in this contract?", "Revenue/Profit Sharing"),
        ("What royalties are payable?", "Revenue/Profit Sharing"),
        ("Tell me about the rights of first refusal.", "Rofr/Rofo/Rofn"),
        ("Who owns the intellectual property?", "Ip Ownership Assignment"),
        ("What does it say about a change of control?", "Change Of Control"),
        ("Is there a non-solicitation of employees clause?", "No-Solicit Of Employees"),
        ("What does the agreement say about most favored nation?", "Most Favored Nation"),
    ],
)
def test_a_clause_is_known_by_what_people_call_it(question, kind):
    # CUAD's names ("Rofr/Rofo/Rofn", "Revenue/Profit Sharing") are not how people ask;
    # `names` in clause_kinds.yaml are. A change of control is its own kind, not assignment.
    assert asked_kinds(question) == [] and [k.name for k in named_kinds(question)] == [kind]


def test_the_finder_quotes_clauses_that_are_there_and_only_those(embedder, pages):
    finder = ClauseFinder(embedder)
    contract = read_contract([p.text for p in pages])
    kinds = ["Governing Law", "Anti-Assignment", "Insurance", "Source Code Escrow", "Parties"]
    found = finder.find(pages, kinds, contract)
    law = found["Governing Law"]
    assert law.found and "laws of the State of New York" in " ".join(law.quotes[0].text.split())
    assert pages[law.quotes[0].passage].page == 2
    assert found["Anti-Assignment"].found
    assert "prior written consent" in " ".join(s.text for s in found["Anti-Assignment"].quotes)
    assert not found["Insurance"].found and not found["Insurance"].quotes
    assert not found["Source Code Escrow"].found
    assert found["Insurance"].candidates  # what it read before saying no
    assert "Acme Devices" in " ".join(s.text for s in found["Parties"].quotes)
    assert governing_law(law.quotes[0].text) == "New York"


def test_the_reader_says_plainly_there_is_none_and_quotes_the_opposite(reader, pages):
    answer = reader.answer("Is there an exclusivity obligation?", pages, labels={"doc-1": "d.pdf"})
    assert not answer.found
    assert answer.text.startswith("No exclusivity clause was found in d.pdf.")
    assert "non-exclusive distributor" in answer.text
    assert answer.citations[0].page == 1 and "non-exclusive" in answer.citations[0].quote
    # Then the sentences the finder scored closest, under its bar, for a person to judge.
    said, closest = answer.text.split(" Closest to an exclusivity clause: ")
    assert "non-exclusive distributor" in said and len(answer.citations) == 1 + CLOSEST
    assert all(" ".join(c.quote.split()) in closest for c in answer.citations[1:])


def test_the_reader_cites_the_clause_and_labels_each_document(reader, pages):
    other = [Passage("doc-2", 1, "This memo lists the colours of the office walls. " * 3)]
    answer = reader.answer(
        "What law governs this contract?",
        pages + other,
        labels={"doc-1": "supply.pdf", "doc-2": "memo.pdf"},
    )
    assert answer.found and answer.citations[0].page == 2
    assert "[supply.pdf]" in answer.text and "laws of the State of New York" in answer.text
    assert "No governing law clause was found in memo.pdf." in answer.text
    for cite in answer.citations:
        assert cite.quote in {"doc-1": PAGE_2}.get(cite.document_id, "")


def test_the_finders_best_is_quoted_where_it_does_not_answer_itself(reader, pages):
    # Most favored nation is too rare in CUAD's half for a fitted bar: the finder never
    # answers it, but its best sentence is lifted for the ranked reader, which quotes it
    # though the clause shares no word with the question but "favo(u)r".
    mfn = Passage(
        "doc-1",
        3,
        "6. Pricing. Acme shall charge Distributor prices no less favourable than "
        "the prices it charges any other distributor for the same Products.\n",
    )
    answer = reader.answer("What does the agreement say about most favored nation?", [*pages, mfn])
    assert answer.found and "no less favourable than" in answer.text
    assert answer.citations[0].page == 3
    # The finder's runner-up follows, said to be only close (the best is quoted above).
    assert " Also close to a most favored nation clause: " in answer.text
    assert len(answer.citations) == 2
