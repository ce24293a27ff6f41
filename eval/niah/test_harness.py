"""Tests of the harness itself: haystack length and needle depth, the PDF, the scoring."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.text.tokens import count_tokens, encoding
from eval.common.judge import build_judge
from eval.common.scoring import numbers
from eval.niah.document import build_document
from eval.niah.evidence import Evidence, holds
from eval.niah.haystack import (
    build_haystack,
    default_haystack_dir,
    insert_needles,
    load_corpus,
    needle_spans,
    parse_length,
    read_document,
)
from eval.niah.needles import CLASSIC_FACT, CLASSIC_NEEDLE, IN_FORCE, LEGAL, LOW_OVERLAP
from eval.niah.render import clean_text, latin1_safe, render_pdf
from eval.niah.scoring import Distractor, Fact, cites_page, overlap, score_answer
from eval.niah.suites import SUITES, Grid, default_contracts, spread
from ingest.chunk import chunk_pages
from ingest.pdf import read_pages
from tests.fakes import FakeOpenAIServer, Reply, malformed

# Independent of the harness's own boundary rule: a sentence end followed by space.
SENTENCE_END = re.compile(r"[.!?][\"')\]]*\s")


@pytest.fixture(scope="module")
def corpus() -> str:
    return load_corpus(default_haystack_dir())


@pytest.mark.parametrize("target", [1_000, 4_000, 16_000, 128_000, 400_000])
def test_haystack_is_the_asked_length_within_one_percent(corpus: str, target: int) -> None:
    hay = build_haystack(corpus, target, [(CLASSIC_NEEDLE, 50)])
    assert abs(count_tokens(hay.text) - target) <= 0.01 * target
    assert hay.tokens == count_tokens(hay.text)
    assert len(needle_spans(hay.text, CLASSIC_NEEDLE)) == 1


@pytest.mark.parametrize("target", [1_000, 16_000, 128_000])
def test_the_pdf_text_is_the_asked_length_within_one_percent(tmp_path: Path, target: int) -> None:
    # Measured on what the service reads back and stuffs: the PDF's page texts.
    (spec,) = SUITES["single"](Grid(lengths=[target], depths=[50]))
    hay, rendered = build_document(spec, tmp_path / "d.pdf")
    pages = [p.text for p in read_pages(tmp_path / "d.pdf")]
    assert pages == rendered.page_texts
    assert abs(sum(count_tokens(p) for p in pages) - target) <= 0.01 * target
    assert [i + 1 for i, p in enumerate(pages) if holds(p, CLASSIC_NEEDLE)] == rendered.pages_of(
        hay.placements[0].char_start, hay.placements[0].char_end
    )


def test_short_folders_are_read_again_until_long_enough(corpus: str) -> None:
    # The essays are ~133K tokens; 400K needs them three times over, as the reference does.
    assert count_tokens(corpus) < 200_000
    hay = build_haystack(corpus, 400_000, [(CLASSIC_NEEDLE, 10)])
    assert hay.text.count(corpus[:200]) >= 3


@pytest.mark.parametrize("depth", [0, 10, 25, 33, 50, 66, 75, 90, 100])
def test_needle_lands_at_the_asked_depth_within_a_sentence(corpus: str, depth: float) -> None:
    hay = build_haystack(corpus, 16_000, [(CLASSIC_NEEDLE, depth)])
    (place,) = hay.placements
    assert hay.text[place.char_start : place.char_end] == CLASSIC_NEEDLE
    before = hay.text[: place.char_start]
    at = len(before.rstrip(" ")) if not hay.background.startswith(before) else len(before)
    assert hay.background.startswith(hay.text[:at])
    # Nothing but part of one sentence lies between the needle and the asked point ...
    assert at <= place.asked_char
    segment = hay.background[at : place.asked_char]
    assert SENTENCE_END.search(segment) is None, segment
    # ... and the needle starts a sentence: at the very start, or after a sentence's end.
    assert at == 0 or re.search(r"([.!?][\"')\]]*|\n)\s*$", before), before[-60:]
    # In tokens: the needle sits at most that sentence fragment before the asked depth.
    bg_tokens = len(encoding().encode(hay.background, disallowed_special=()))
    asked_token = round(bg_tokens * depth / 100)
    lag = asked_token - place.token_start
    assert -2 <= lag <= count_tokens(segment) + 2
    if depth == 100:  # the start of the last (cut) sentence: nothing ends after it
        assert SENTENCE_END.search(hay.text[place.char_end + 1 :]) is None


def test_several_needles_go_in_once_each_in_depth_order(corpus: str) -> None:
    needles = [(f"The code word number {i} is zebra{i}.", d) for i, d in enumerate(spread(20, 4))]
    hay = build_haystack(corpus, 8_000, needles)
    starts = []
    for needle, _ in needles:
        spans = needle_spans(hay.text, needle)
        assert len(spans) == 1
        starts.append(spans[0][0])
    assert starts == sorted(starts)
    depths = [p.actual_depth(hay.tokens) for p in hay.placements]
    assert all(abs(a - d) < 3 for a, (_, d) in zip(depths, needles, strict=True))


def test_latin1_safe_maps_typography_and_keeps_latin1() -> None:
    text = "\u201cQuoted\u201d \u2014 it\u2019s \u00a7 9.2, caf\u00e9\u2026 \u0097 na\u00efve"
    text += " \u2603"
    safe = latin1_safe(text)
    assert safe == '"Quoted" -- it\'s \u00a7 9.2, caf\u00e9... -- na\u00efve '
    safe.encode("latin-1")


def test_pdf_round_trips_the_text_and_the_needle_page(corpus: str, tmp_path: Path) -> None:
    needle = "Under \u00a7 9.2 the \u201cfee\u201d for caf\u00e9 services is $4,217,000."
    hay = build_haystack(clean_text(corpus), 16_000, [(clean_text(needle), 50)])
    rendered = render_pdf(hay.text, tmp_path / "h.pdf", title="round trip")
    pages = [p.text for p in read_pages(tmp_path / "h.pdf")]
    assert len(pages) == rendered.pages
    # Every character comes back, up to whitespace (the layout breaks lines).
    assert "".join("".join(pages).split()) == "".join(hay.text.split())
    (place,) = hay.placements
    expected = rendered.pages_of(place.char_start, place.char_end)
    found = [i + 1 for i, text in enumerate(pages) if holds(text, place.needle)]
    assert found == expected
    assert "\u00a7 9.2" in "".join(pages) and "caf\u00e9" in "".join(pages)
    # A book page: a 16K-token haystack is ~30 pages (so 400K is ~800).
    assert 300 <= hay.tokens / rendered.pages <= 650


def test_evidence_finds_the_chunks_that_hold_the_needle(corpus: str, tmp_path: Path) -> None:
    hay = build_haystack(corpus, 4_000, [(CLASSIC_NEEDLE, 60)])
    render_pdf(hay.text, tmp_path / "h.pdf")
    evidence = Evidence(tmp_path / "h.pdf", [CLASSIC_NEEDLE], chunk_tokens=256, chunk_overlap=32)
    held = evidence.chunks[CLASSIC_NEEDLE]
    chunks = chunk_pages([p.text for p in read_pages(tmp_path / "h.pdf")], 256, 32)
    assert held and all(holds(chunks[i].text, CLASSIC_NEEDLE) for i in held)
    others = [{"chunk_index": c.index} for c in chunks if c.index not in held][:3]
    retrieved = others + [{"chunk_index": min(held)}]
    assert evidence.rank(retrieved, "doc", CLASSIC_NEEDLE) == len(others) + 1
    assert evidence.rank(others, "doc", CLASSIC_NEEDLE) is None
    with_text = [{"text": c.text} for c in chunks[:1]] + [{"text": chunks[min(held)].text}]
    assert evidence.rank(with_text, "doc", CLASSIC_NEEDLE) == (1 if 0 in held else 2)


@pytest.mark.parametrize(
    "answer",
    [
        "The best thing to do in San Francisco is eat a sandwich and sit in Dolores Park.",
        "Grab sandwiches and relax in Dolores Park on a sunny day.",
        "Eating a sandwich while sitting in dolores park.",
    ],
)
def test_scoring_accepts_paraphrase(answer: str) -> None:
    assert score_answer(answer, [CLASSIC_FACT]).score == 1.0


@pytest.mark.parametrize(
    "answer", ["Visit the Golden Gate Bridge.", "Sit in a park.", "I could not find that."]
)
def test_scoring_rejects_wrong_answers(answer: str) -> None:
    assert score_answer(answer, [CLASSIC_FACT]).score == 0.0


def test_scoring_normalises_numbers_and_currency() -> None:
    fee = Fact("$4,217,000", numbers=(4_217_000,))
    for answer in (
        "$4,217,000",
        "4217000 dollars",
        "USD 4.217 million",
        "$4,217 thousand",
        "four million two hundred seventeen thousand dollars",
    ):
        assert fee.found_in(answer), answer
    assert not fee.found_in("$4,271,000")
    assert numbers("137 days, or one hundred thirty-seven days") == {137.0}
    notice = LEGAL[2][2]
    assert notice.found_in("No later than one hundred and thirty-seven days before the term ends")


def test_scoring_rejects_the_distractor_value() -> None:
    fact, distractor = Fact("fee", numbers=(4_217_000,)), Distractor("old", numbers=(3_900_000,))
    assert score_answer("The fee is $4,217,000.", [fact], [distractor]).score == 1.0
    wrong = score_answer("The fee is $3,900,000.", [fact], [distractor])
    assert wrong.score == 0.0 and wrong.distractor_hit
    # Naming both is not choosing: no credit.
    assert score_answer("Either $3.9 million or $4,217,000.", [fact], [distractor]).score == 0.0


def test_multi_fact_answers_score_the_share_found() -> None:
    facts = [Fact(w, (w,)) for w in ("figs", "prosciutto", "bacon")]
    assert score_answer("Figs and prosciutto.", facts).score == pytest.approx(2 / 3)
    assert score_answer("fig, prosciutto and smoked applewood bacon", facts).score == 1.0


def test_cites_page() -> None:
    citations = [{"document_id": "a", "page": 3}, {"document_id": "b", "page": 7}]
    assert cites_page(citations, "b", [7, 8])
    assert not cites_page(citations, "a", [7])
    assert not cites_page([], "a", [3])


def test_low_overlap_questions_share_no_content_word_with_their_needle() -> None:
    for needle, question, _ in LOW_OVERLAP:
        assert overlap(question, needle) == set(), (question, needle)


def test_parse_length() -> None:
    assert [parse_length(v) for v in ("1k", "400K", "1.5m", "2048")] == [
        1000,
        400_000,
        1_500_000,
        2048,
    ]
    with pytest.raises(ValueError):
        parse_length("lots")


def test_every_suite_builds_documents_holding_each_needle_once() -> None:
    grid = Grid(lengths=[2_000], depths=[0, 50], contracts=default_contracts()[:2])
    for name, suite in SUITES.items():
        specs = suite(grid)
        assert specs, name
        for spec in specs:
            hay = spec.build()
            for question in spec.questions:
                for needle in question.needles:
                    assert len(needle_spans(hay.text, needle)) == 1, (name, needle)
            if spec.length:
                assert abs(hay.tokens - spec.length) <= 0.01 * spec.length


def test_legal_needles_go_into_the_real_contract_text() -> None:
    contract = default_contracts()[0]
    text = read_document(contract)
    hay = insert_needles(text, [(LEGAL[0][0], 50)])
    assert hay.text.replace(LEGAL[0][0], "").split() == text.split()
    assert IN_FORCE not in hay.text


def test_llm_judge_grades_over_the_openai_protocol(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeOpenAIServer() as server:
        server.script("judge-model", Reply('{"score": 1}'), Reply('{"score": 0.5}'), malformed())
        monkeypatch.setenv("FOLIO_OPENAI_API_KEY", "test-key")
        monkeypatch.setenv("FOLIO_OPENAI_BASE_URL", server.base_url)
        judge = build_judge("judge-model")
        assert judge is not None
        assert judge.grade("Q?", "a sandwich", "Eat a sandwich.") == 1.0
        assert judge.grade("Q?", "figs, bacon", "Figs.") == 0.5
        assert judge.grade("Q?", "x", "y") is None  # a broken reply leaves the score alone
        sent = server.requests[0].body
        assert sent["model"] == "judge-model" and "Eat a sandwich." in str(sent["messages"])
    monkeypatch.delenv("FOLIO_OPENAI_API_KEY")
    assert build_judge("judge-model") is None  # no key, no judge
