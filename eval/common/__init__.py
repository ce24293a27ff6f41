"""What every eval shares: where things are, the service under test, the results file,
deterministic scoring helpers, the optional LLM judge, markdown tables and plots."""
