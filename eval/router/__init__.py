"""The router replay: LaRA's recorded answers of real models, replayed through folio's
real router (query/routing/), each strategy scored and costed.

Read in this order: lara.py (the rows), scoring.py (is an answer right), replay.py (one
pair of models, every strategy: RouterResult in result.py), fit.py and train.py (the
learned router's weights), report.py, run.py (`folio eval router`); folds.py and
ceiling.py are analyses run with `python -m`.
"""
