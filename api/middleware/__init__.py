"""ASGI middleware: request body limits and request ids."""
