"""folio's evaluations, one folder per benchmark, run against a real `folio serve`.

- `eval/niah/`: needles in haystacks rendered to PDFs (`pytest eval`, `folio eval niah`);
- `eval/retrieval/`: ContractNLI and CUAD through `POST /search` (`folio eval retrieval`);
- `eval/router/`: LaRA's recorded answers replayed through the router (`folio eval router`);
- `eval/common/`: what they share: the service, the results file, scoring, plots, the judge.

Each benchmark has one typed per-sample result (`NiahResult`, `RetrievalResult`,
`RouterResult`) whose `to_dict()` is a line of its results.jsonl. eval/conftest.py holds
the pytest options (`--eval-*`) and the session fixture: pytest reads options only from
an initial conftest, so it stays here, above the benchmark folders.
"""
