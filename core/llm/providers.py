"""Which provider serves a catalog model, where, and with which key.

A catalog endpoint's `base_url`/`api_key_env` win; unset, they default to
FOLIO_OPENAI_BASE_URL / FOLIO_OPENAI_API_KEY. The default key is only ever sent to the
default base URL, never to an endpoint that names its own. Providers are looked up by
the endpoint's `kind` in `PROVIDERS`; a missing package is named in the ImportError.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass

from core.llm.catalog import KINDS, Catalog, ModelSpec
from core.settings import Settings

# Provider kind -> (module, class, what to pip install). "local" is the offline reader,
# which answers from passages (core.reader.offline.OfflineReader), not from chat messages.
PROVIDERS: dict[str, tuple[str, str, str]] = {
    "openai": ("core.llm.openai_chat", "OpenAIChat", "openai"),
    "local": ("core.reader.offline", "OfflineReader", "bm25s PyStemmer"),
}
assert set(PROVIDERS) == set(KINDS), "every catalog endpoint kind needs a provider"


def provider_class(kind: str) -> type:
    """The class serving a provider kind; the ImportError names what to install."""
    try:
        module, name, package = PROVIDERS[kind]
    except KeyError:
        raise ValueError(f"unknown provider kind {kind!r}; known: {sorted(PROVIDERS)}") from None
    try:
        return getattr(importlib.import_module(module), name)
    except ImportError as exc:
        raise ImportError(
            f"the {kind!r} model provider needs {package} (pip install {package})"
        ) from exc


@dataclass(frozen=True)
class ResolvedEndpoint:
    kind: str
    base_url: str | None  # None: the SDK's default (api.openai.com)
    api_key: str | None
    needs_key: bool = False  # the catalog names a key variable for this endpoint

    @property
    def usable(self) -> bool:
        """Local; or a key when one is required; or else a key or a base URL (keyless server)."""
        if self.kind == "local":
            return True
        if self.needs_key:
            return bool(self.api_key)
        return bool(self.api_key) or bool(self.base_url)


def resolve_endpoint(catalog: Catalog, settings: Settings, model: ModelSpec) -> ResolvedEndpoint:
    """Where and with which key `model` is called (see the module docstring for the rules)."""
    ep = catalog.endpoint(model)
    if ep.kind == "local":
        return ResolvedEndpoint("local", None, None)
    base_url = ep.base_url or settings.openai_base_url
    key = None
    if ep.api_key_env:
        key = os.environ.get(ep.api_key_env) or None
    elif ep.base_url is None and settings.openai_api_key is not None:
        key = settings.openai_api_key.get_secret_value() or None
    return ResolvedEndpoint(ep.kind, base_url, key, needs_key=ep.api_key_env is not None)


def available_models(catalog: Catalog, settings: Settings) -> frozenset[str]:
    """Names of the models that can be called now (the router's Policy.available)."""
    return frozenset(
        name
        for name, spec in catalog.models.items()
        if resolve_endpoint(catalog, settings, spec).usable
    )
