"""Test doubles at the network edge: a real HTTP server speaking the OpenAI chat protocol."""

from tests.fakes.openai_server import (
    FakeOpenAIServer,
    Fault,
    Hang,
    Reply,
    context_length,
    malformed,
    rate_limited,
    server_error,
    unauthorized,
)

__all__ = [
    "FakeOpenAIServer",
    "Fault",
    "Hang",
    "Reply",
    "context_length",
    "malformed",
    "rate_limited",
    "server_error",
    "unauthorized",
]
