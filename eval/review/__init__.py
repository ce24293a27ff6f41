"""The review benchmark: CUAD's 41 categories on the 40 shared contracts, one review with
the cuad preset through the real service, every cell scored as the MANIFEST says.

Read in this order: data.py (contracts and gold clauses), scoring.py (the cell rule and
evidence recall), result.py (CellResult, one per cell), baseline.py (bare BM25 on fixed
chunks), run.py (upload, review, score), report.py (report.md and the plot).
"""
