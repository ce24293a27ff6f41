"""The model catalog: the packaged defaults, cost arithmetic, and validation errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.llm.catalog import CatalogError, load_catalog


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def test_defaults_follow_the_published_table(catalog) -> None:
    table = {  # model: (input, output $/1M, window) from the table
        "gpt-5.2": (1.75, 14.00, 400_000),
        "gpt-4o": (1.25, 10.00, 128_000),
        "claude-3.7": (1.50, 12.00, 200_000),
        "llama-4": (0.50, 4.00, 100_000),
    }
    for name, (price_in, price_out, window) in table.items():
        spec = catalog.get(name)
        assert (spec.price.input, spec.price.output, spec.context_window) == (
            price_in,
            price_out,
            window,
        )
    assert catalog.get("gpt-5.2").price.cached_input == 0.175
    assert catalog.for_role("long_context").name == "gpt-5.2"
    assert catalog.for_role("cheap").name == "gpt-4o"
    assert [m.name for m in catalog.chain("cheap")] == ["gpt-4o", "llama-4", "claude-3.7"]
    assert catalog.for_role("local").is_local
    assert catalog.endpoint(catalog.for_role("local")).kind == "local"


@pytest.mark.parametrize(
    ("model", "input_tokens", "cached", "output_tokens", "dollars"),
    [
        # 400K stuffed, nothing cached: 400,000 x 1.75 + 2,000 x 14 = 700,000 + 28,000
        ("gpt-5.2", 400_000, 0, 2_000, 0.728),
        # 100K of the 400K cached: 300,000 x 1.75 + 100,000 x 0.175 + 1,000 x 14
        ("gpt-5.2", 400_000, 100_000, 1_000, 0.5565),
        # gpt-4o, cached at its 0.625: 40,000 x 1.25 + 60,000 x 0.625 + 500 x 10
        ("gpt-4o", 100_000, 60_000, 500, 0.0925),
        # claude-3.7 has no cached price: cached tokens bill at 1.50
        ("claude-3.7", 10_000, 4_000, 1_000, 0.027),
        ("llama-4", 50_000, 0, 2_000, 0.033),
        ("offline-reader", 400_000, 0, 300, 0.0),
    ],
)
def test_cost_matches_hand_computed_values(
    catalog, model, input_tokens, cached, output_tokens, dollars
) -> None:
    spec = catalog.get(model)
    assert spec.cost(input_tokens, output_tokens, cached) == pytest.approx(dollars, abs=1e-12)


def test_cached_tokens_never_exceed_the_input(catalog) -> None:
    spec = catalog.get("gpt-5.2")
    assert spec.cost(1_000, 0, cached_input_tokens=5_000) == spec.cost(1_000, 0, 1_000)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "models.yaml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD_MODEL = """
  - name: small
    context_window: 8000
    price: {input: 1.0, output: 2.0}
    roles: [cheap]
"""


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "models:" + GOOD_MODEL + "  - name: bad\n    context_window: 8000\n"
            "    price: {input: -1, output: 2}\n",
            "line 8: model 'bad': price.input",
        ),
        (
            "models:\n  - name: x\n    context_window: 10\n    price: {input: 1, output: 1}\n"
            "    roles: [premium]\n",
            "unknown role(s) ['premium']",
        ),
        ("models:" + GOOD_MODEL + GOOD_MODEL, "'small' is listed twice"),
        ("models:" + GOOD_MODEL + "chains:\n  cheap: [small, ghost]\n", "unknown model 'ghost'"),
        ("models:" + GOOD_MODEL + "chains:\n  premium: [small]\n", "chain 'premium' is not a role"),
        (
            "models:" + GOOD_MODEL.replace("roles: [cheap]", "roles: [cheap]\n    endpoint: lab"),
            "unknown endpoint 'lab'",
        ),
        ("endpoints:\n  lab: {kind: grpc}\nmodels:" + GOOD_MODEL, "line 2: endpoint 'lab': kind"),
        ("models:" + GOOD_MODEL.replace("[cheap]", "[local]"), "go together"),
        (
            "endpoints:\n  local: {kind: local}\nmodels:"
            + GOOD_MODEL
            + "  - name: reader\n    endpoint: local\n    context_window: 9000\n"
            "    price: {input: 0, output: 0}\n    roles: [local]\n"
            "chains:\n  cheap: [small, reader]\n",
            "mixes the offline reader",
        ),
        ("models: [unclosed\n", "not valid YAML"),
        ("endpoints: {}\n", "expected a mapping with a `models:` list"),
        (
            "models:\n  - name: x\n    context_window: 100\n    max_output_tokens: 200\n"
            "    price: {input: 1, output: 1}\n",
            "max_output_tokens is larger",
        ),
    ],
)
def test_bad_catalogs_are_rejected_with_where_and_why(tmp_path, body, message) -> None:
    with pytest.raises(CatalogError) as err:
        load_catalog(_write(tmp_path, body))
    assert message in str(err.value)
    assert str(tmp_path / "models.yaml") in str(err.value)


def test_missing_file_is_a_catalog_error(tmp_path) -> None:
    with pytest.raises(CatalogError, match="cannot read model catalog"):
        load_catalog(tmp_path / "nope.yaml")


def test_custom_catalog_with_own_endpoint(tmp_path) -> None:
    path = _write(
        tmp_path,
        "endpoints:\n  lab:\n    base_url: http://127.0.0.1:8080/v1\n    api_key_env: LAB_KEY\n"
        "models:"
        + GOOD_MODEL.replace(
            "roles: [cheap]",
            "roles: [cheap]\n    endpoint: lab\n"
            "    provider_model: org/small-v2\n"
            "    token_limit_param: max_tokens",
        ),
    )
    catalog = load_catalog(path)
    spec = catalog.for_role("cheap")
    assert spec.api_model == "org/small-v2"
    assert spec.token_limit_param == "max_tokens"
    assert catalog.endpoint(spec).base_url == "http://127.0.0.1:8080/v1"
    assert catalog.chain("long_context") == []
    with pytest.raises(KeyError, match="no model in the catalog has role 'long_context'"):
        catalog.for_role("long_context")
