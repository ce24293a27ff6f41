"""The model catalog (core/llm/models.yaml or FOLIO_MODELS_FILE): windows, prices, roles, chains.

Loading validates every entry and names the offending one with its line in the file;
`ModelSpec.cost` turns a call's usage into dollars, cached input at the cached price.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

DEFAULT_FILE = Path(__file__).with_name("models.yaml")
ROLES = ("long_context", "cheap", "local", "fallback")
# Provider kinds; core.llm.client.PROVIDERS has one entry for each.
KINDS = ("openai", "local")


class CatalogError(ValueError):
    """The catalog file is missing, unparsable or inconsistent; the message says where."""


class Price(BaseModel):
    model_config = ConfigDict(extra="forbid")
    input: float = Field(ge=0)
    cached_input: float | None = Field(default=None, ge=0)
    output: float = Field(ge=0)


class LatencyPrior(BaseModel):
    """What a model's speed is taken to be before any call is measured: the time to its
    first token on an empty prompt, how much each 1K prompt tokens add to it, and how fast
    it writes once started (core/llm/latency.py replaces it with measurements)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    first_token_ms: float = Field(default=800.0, ge=0)
    first_token_ms_per_1k: float = Field(default=20.0, ge=0)
    output_tokens_per_s: float = Field(default=60.0, gt=0)


class Endpoint(BaseModel):
    """Where models are served. Unset base_url/key fall back to FOLIO_OPENAI_* (see llm.py)."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["openai", "local"] = "openai"
    base_url: str | None = None
    api_key_env: str | None = None


class ModelSpec(BaseModel):
    """One model: where it is served, how big its window is, what it costs, what it is for."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=1)
    endpoint: str = "default"
    provider_model: str | None = None  # the id the endpoint expects, if not `name`
    context_window: int = Field(gt=0)
    max_output_tokens: int = Field(default=4096, gt=0)
    price: Price
    tokenizer: str = "o200k_base"
    roles: tuple[str, ...] = ()
    json_mode: bool = False
    json_schema: bool = False  # takes response_format json_schema with strict: true
    # OpenAI's current name; older servers (some llama-server builds) want "max_tokens".
    token_limit_param: Literal["max_completion_tokens", "max_tokens"] = "max_completion_tokens"
    latency: LatencyPrior = LatencyPrior()
    # How long the provider keeps a prompt prefix cached (OpenAI: 5 to 10 minutes idle).
    cache_ttl_s: float = Field(default=300.0, ge=0)
    prompt_cache_key: bool = True  # the endpoint takes OpenAI's prompt_cache_key
    temperature: float | None = Field(default=None, ge=0, le=2)  # sent when set
    # The provider's limits for this model (requests and tokens a minute); None: none.
    rpm: int | None = Field(default=None, gt=0)
    tpm: int | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _known_roles(self) -> ModelSpec:
        unknown = set(self.roles) - set(ROLES)
        if unknown:
            raise ValueError(f"unknown role(s) {sorted(unknown)}; roles are {list(ROLES)}")
        if self.max_output_tokens > self.context_window:
            raise ValueError("max_output_tokens is larger than context_window")
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
        cached = min(max(cached_input_tokens, 0), max(input_tokens, 0))
        fresh = max(input_tokens - cached, 0)
        return (
            fresh * self.price.input + cached * cached_rate + output_tokens * self.price.output
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
    """Read and validate a catalog file (default: the packaged core/llm/models.yaml)."""
    path = Path(path or DEFAULT_FILE)
    try:
        text = path.read_text(encoding="utf-8")
        raw = yaml.safe_load(text) or {}
        lines = _item_lines(text)
    except OSError as exc:
        raise CatalogError(f"cannot read model catalog {path}: {exc}") from exc
    except yaml.YAMLError as exc:
        raise CatalogError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("models"), list):
        raise CatalogError(f"{path}: expected a mapping with a `models:` list")
    models: dict[str, ModelSpec] = {}
    for i, entry in enumerate(raw["models"]):
        label = entry.get("name", f"#{i + 1}") if isinstance(entry, dict) else f"#{i + 1}"
        node = lines["models"][i] if i < len(lines["models"]) else None
        try:
            spec = ModelSpec.model_validate(entry)
        except ValidationError as exc:
            where = _where(path, node, exc.errors()[0]["loc"])
            raise CatalogError(f"{where}: model {label!r}: {_first(exc)}") from exc
        if spec.name in models:
            raise CatalogError(f"{_where(path, node)}: model {spec.name!r} is listed twice")
        models[spec.name] = spec
    endpoints = {}
    for name, value in (raw.get("endpoints") or {}).items():
        try:
            endpoints[name] = Endpoint.model_validate(value or {})
        except ValidationError as exc:
            where = _where(path, lines["endpoints"].get(name), exc.errors()[0]["loc"])
            raise CatalogError(f"{where}: endpoint {name!r}: {_first(exc)}") from exc
    catalog = Catalog(models=models, endpoints=endpoints, chains={})
    for spec in models.values():
        if spec.endpoint not in endpoints and spec.endpoint != "default":
            raise CatalogError(
                f"{path}: model {spec.name!r} uses unknown endpoint {spec.endpoint!r}"
            )
        if spec.is_local != (catalog.endpoint(spec).kind == "local"):
            raise CatalogError(
                f"{path}: model {spec.name!r}: the `local` role and an endpoint of kind"
                " `local` go together (the offline reader is not a chat model)"
            )
    catalog.chains = _chains(path, raw.get("chains") or {}, catalog)
    return catalog


def _chains(path: Path, raw: object, catalog: Catalog) -> dict[str, list[str]]:
    if not isinstance(raw, dict):
        raise CatalogError(f"{path}: `chains:` must map a role to a list of model names")
    chains: dict[str, list[str]] = {}
    for role, names in raw.items():
        if role not in ROLES:
            raise CatalogError(f"{path}: chain {role!r} is not a role; roles are {list(ROLES)}")
        if not isinstance(names, list) or not names:
            raise CatalogError(f"{path}: chain {role!r} must be a non-empty list of model names")
        for name in names:
            if name not in catalog.models:
                raise CatalogError(f"{path}: chain {role!r} names unknown model {name!r}")
        if len({catalog.models[n].is_local for n in names}) > 1:
            raise CatalogError(
                f"{path}: chain {role!r} mixes the offline reader with chat models;"
                " the router falls back to the reader on its own"
            )
        chains[role] = list(names)
    return chains


def _item_lines(text: str) -> dict:
    """The YAML node of each `models:` item and `endpoints:` value, to say where errors are."""
    out: dict = {"models": [], "endpoints": {}}
    root = yaml.compose(text)
    if not isinstance(root, yaml.MappingNode):
        return out
    for key, value in root.value:
        if key.value == "models" and isinstance(value, yaml.SequenceNode):
            out["models"] = list(value.value)
        elif key.value == "endpoints" and isinstance(value, yaml.MappingNode):
            out["endpoints"] = {k.value: v for k, v in value.value}
    return out


def _where(path: Path, node: yaml.Node | None, loc: tuple = ()) -> str:
    """`path line N`, N the line of the field at `loc` inside `node` (or of the node)."""
    if node is None:
        return str(path)
    for part in loc:
        if not isinstance(node, yaml.MappingNode):
            break
        child = next((v for k, v in node.value if k.value == part), None)
        if child is None:
            break
        node = child
    return f"{path} line {node.start_mark.line + 1}"


def _first(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "entry"
    return f"{where}: {err['msg']}"
