"""Conversations: earlier turns as history, follow-ups rewritten into standalone questions,
and the OpenAI chat-completions shape of an answer (query/conversation/chat.py)."""
