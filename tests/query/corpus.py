"""Real CUAD contracts, ingested for real, and the read path built over them (the
`corpus` fixture in tests/api/conftest.py builds one per module that asks for it)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from core.llm.catalog import load_catalog
from core.llm.client import ModelClient
from core.reader.offline import OfflineReader
from core.settings import Settings
from ingest.ingestor import Ingestor, build_ingestor
from ingest.pipeline import ingest_document
from query.read_path import ReadPath
from query.routing.plan import Policy

# Small contracts (2-7 pages) whose CUAD annotations name the governing law.
CONTRACTS = {
    "nyliac": "NYLIACVARIABLEANNUITYSEPARATEACCOUNTIII_04_10_2020-EX-99.8.KK-SERVICE AGREEMENT.PDF",
    "datacall": "DataCallTechnologies_20060918_SB-2A_EX-10.9_944510_EX-10.9_Content License"
    " Agreement.pdf",
    "ivillage": "IVILLAGEINC_03_17_1999-EX-10.16-SPONSORSHIP AGREEMENT.PDF",
    "ultragenyx": "ULTRAGENYXPHARMACEUTICALINC_12_23_2013-EX-10.9-SUPPLY AGREEMENT.PDF",
}


@dataclass
class Corpus:
    settings: Settings
    ingestor: Ingestor
    ids: dict[str, str]  # short name -> document id
    annotations: dict[str, dict]  # short name -> CUAD category -> {context_raw, answer}

    def page_texts(self, document_id: str) -> list[str]:
        return [p.text for p in self.ingestor.pages.read(document_id)]


def squash(text: str) -> str:
    """Whitespace-normalised, for comparing annotation spans with page text."""
    return re.sub(r"\s+", " ", text).strip()


def annotation_spans(entry: dict) -> list[str]:
    """CUAD stores a category's clause spans as the repr of a Python list."""
    return re.findall(r"'((?:[^'\\]|\\.)*)'", entry["context_raw"])


def build_corpus(tmp: Path, shared: Path, embedder, **overrides) -> Corpus:
    # Explicit values win over FOLIO_* variables a developer may have set.
    isolated = dict(openai_api_key=None, openai_base_url=None, qdrant_url=None, broker_url=None)
    settings = Settings(data_dir=tmp / "data", _env_file=None, **(isolated | overrides))
    ing = build_ingestor(settings, embedder=embedder)
    cuad = shared / "legal" / "cuad"
    notes = json.loads((cuad / "cuad_shared_annotations.json").read_text())["contracts"]
    ids, annotations = {}, {}
    for short, filename in CONTRACTS.items():
        sha, size = ing.files.put_file(cuad / filename)
        doc, _ = ing.registry.create_or_get(settings.tenant_id, filename, sha, size)
        result = ingest_document(doc.id, ing)
        assert result.status == "ready", result.error
        ids[short] = doc.id
        annotations[short] = notes[filename]
    ing.parsers.close()  # nothing more to parse
    return Corpus(settings, ing, ids, annotations)


def read_path(
    corpus: Corpus, embedder, settings: Settings | None = None, prompt_cache: bool = False, **policy
) -> ReadPath:
    """The read path over the corpus; `settings` may point the models at a fake server.

    A module's tests share the corpus and its ledger, so one test's stuffed call would warm
    the prompt cache another test routes with (issue 32): unless `prompt_cache`, every
    model's cache lifetime is 0 and each question is priced cold."""
    settings = settings or corpus.settings
    catalog = load_catalog()
    if not prompt_cache:
        catalog.models = {
            n: s.model_copy(update={"cache_ttl_s": 0.0}) for n, s in catalog.models.items()
        }
    ing = corpus.ingestor
    client = ModelClient(catalog, settings, ledger=ing.registry.usage.record, sleep=lambda s: None)
    return ReadPath(
        registry=ing.registry,
        store=ing.store,
        embedder=embedder,
        pages=ing.pages,
        catalog=catalog,
        models=client,
        reader=OfflineReader(embedder),
        tenant_id=settings.tenant_id,
        policy=Policy(**policy),
    )


def page_of(corpus: Corpus, short: str, pattern: str) -> int:
    """1-based page of a contract whose text matches `pattern` (whitespace-insensitive)."""
    regex = re.compile(r"\s+".join(map(re.escape, pattern.split())))
    for number, text in enumerate(corpus.page_texts(corpus.ids[short]), 1):
        if regex.search(text):
            return number
    raise AssertionError(f"{pattern!r} is on no page of {short}")
