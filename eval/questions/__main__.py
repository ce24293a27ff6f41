"""python -m eval.questions: the reader's question set (eval/questions/bench.py)."""

from eval.questions.bench import main

main()
