"""The model catalog (core/models.yaml or FOLIO_MODELS_FILE): windows, prices, roles, chains.

Loading validates every entry and names the offending one; `ModelSpec.cost` turns a
call's usage into dollars, cached input at the cached price.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

DEFAULT_FILE = Path(__file__).with_name("models.yaml")
ROLES = ("long_context", "cheap", "local", "fallback")


class CatalogError(ValueError):
    """The catalog file is missing, unparsable or inconsistent; the message says where."""


class Price(BaseModel):
    model_config = ConfigDict(extra="forbid")
    input: float = Field(ge=0)
    cached_input: float | None = Field(default=None, ge=0)
    output: float = Field(ge=0)


class Endpoint(BaseModel):
    model_config = ConfigDict(extra="forbid")
    base_url: str | None = None
    api_key_env: str | None = None


class ModelSpec(BaseModel):
    """One model: where it is served, how big its window is, what it costs, what it is for."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    endpoint: str = "default"
    provider_model: str | None = None  # the id the endpoint expects, if not `name`
    context_window: int = Field(gt=0)
    max_output_tokens: int = Field(default=4096, gt=0)
    price: Price
    tokenizer: str = "o200k_base"
    roles: tuple[str, ...] = ()
    json_mode: bool = False

    @model_validator(mode="after")
    def _known_roles(self) -> ModelSpec:
        unknown = set(self.roles) - set(ROLES)
        if unknown:
            raise ValueError(f"unknown role(s) {sorted(unknown)}; roles are {list(ROLES)}")
        return self

    @property
    def api_model(self) -> str:
        return self.provider_model or self.name

    @property
    def is_local(self) -> bool:
        return "local" in self.roles

    def cost(self, input_tokens: int, output_tokens: int, cached_input_tokens: int = 0) -> float:
        """Dollars for one call; `input_tokens` includes the cached ones, as providers report."""
        cached_rate = self.price.cached_input
        if cached_rate is None:
            cached_rate = self.price.input
        fresh = max(input_tokens - cached_input_tokens, 0)
        return (
            fresh * self.price.input
            + cached_input_tokens * cached_rate
            + output_tokens * self.price.output
        ) / 1_000_000


@dataclass
class Catalog:
    models: dict[str, ModelSpec]
    endpoints: dict[str, Endpoint]
    chains: dict[str, list[str]] = field(default_factory=dict)

    def get(self, name: str) -> ModelSpec:
        try:
            return self.models[name]
        except KeyError:
            raise KeyError(
                f"model {name!r} is not in the catalog ({sorted(self.models)})"
            ) from None

    def chain(self, role: str) -> list[ModelSpec]:
        """Models to try for a role, in order: the chain if given, else every model with it."""
        names = self.chains.get(role) or [m.name for m in self.models.values() if role in m.roles]
        return [self.get(n) for n in names]

    def for_role(self, role: str) -> ModelSpec:
        """The first model of a role's chain."""
        chain = self.chain(role)
        if not chain:
            raise KeyError(f"no model in the catalog has role {role!r}")
        return chain[0]

    def endpoint(self, model: ModelSpec) -> Endpoint:
        return self.endpoints.get(model.endpoint, Endpoint())


def load_catalog(path: Path | None = None) -> Catalog:
    """Read and validate a catalog file (default: the packaged core/models.yaml)."""
    path = Path(path or DEFAULT_FILE)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise CatalogError(f"cannot read model catalog {path}: {exc}") from exc
    except yaml.YAMLError as exc:
        raise CatalogError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("models"), list):
        raise CatalogError(f"{path}: expected a mapping with a `models:` list")
    models: dict[str, ModelSpec] = {}
    for i, entry in enumerate(raw["models"]):
        label = entry.get("name", f"#{i + 1}") if isinstance(entry, dict) else f"#{i + 1}"
        try:
            spec = ModelSpec.model_validate(entry)
        except ValidationError as exc:
            raise CatalogError(f"{path}: model {label!r} (entry {i + 1}): {_first(exc)}") from exc
        if spec.name in models:
            raise CatalogError(f"{path}: model {spec.name!r} is listed twice")
        models[spec.name] = spec
    endpoints = {}
    for name, value in (raw.get("endpoints") or {}).items():
        try:
            endpoints[name] = Endpoint.model_validate(value or {})
        except ValidationError as exc:
            raise CatalogError(f"{path}: endpoint {name!r}: {_first(exc)}") from exc
    chains = {role: list(names) for role, names in (raw.get("chains") or {}).items()}
    for role, names in chains.items():
        for name in names:
            if name not in models:
                raise CatalogError(f"{path}: chain {role!r} names unknown model {name!r}")
    for spec in models.values():
        if spec.endpoint not in endpoints and spec.endpoint != "default":
            raise CatalogError(
                f"{path}: model {spec.name!r} uses unknown endpoint {spec.endpoint!r}"
            )
    return Catalog(models=models, endpoints=endpoints, chains=chains)


def _first(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "entry"
    return f"{where}: {err['msg']}"
