"""Chat models over the OpenAI-compatible protocol.

catalog.py      models.yaml read and validated: windows, prices, roles, chains
providers.py    which endpoint and key serve a catalog model
openai_chat.py  the OpenAI-compatible provider (OpenAI, gateways, vLLM, llama-server)
attempts.py     one call's attempts down its fallback chain, and their ledger rows
types.py        usage, attempts, completions and the errors
client.py       ModelClient: retries, fallback, streaming, the usage ledger
"""
