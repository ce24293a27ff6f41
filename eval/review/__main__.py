"""python -m eval.review: the review benchmark (eval/review/bench.py)."""

from eval.review.bench import main

main()
