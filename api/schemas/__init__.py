"""Request and response models of the HTTP API (they are its OpenAPI schema)."""
