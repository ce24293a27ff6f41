"""Retrieval on public benchmarks (ContractNLI, CUAD) through `POST /search`, scored as
LegalBench-RAG scores it, beside a bare BM25 baseline.

Read in this order: data.py (the benchmarks), metrics.py (precision, recall, page recall
in text space), run.py (upload, search, score: RetrievalResult in result.py),
baseline.py, bench.py (one run, and `folio eval retrieval`), report.py.
"""
