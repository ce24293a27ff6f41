"""Needles in haystacks: suites of documents rendered to PDFs at exact token lengths with
facts at exact depths, ingested and asked through the real API in each mode, scored.

Read in this order: suites.py (what is asked of which document) with needles.py and
haystack.py, document.py and render.py (the PDF), runner.py (one document's questions),
result.py (NiahResult), scoring.py and evidence.py (the answer and the retrieval),
session.py (one run), summary.py, report.py and plots.py (the outputs).
"""
