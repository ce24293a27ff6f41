"""The OpenAPI page at /docs works on an air-gapped machine: its assets are served locally."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from cli.service import build_app


def test_docs_page_loads_swagger_from_this_server(settings) -> None:
    client = TestClient(build_app(settings))  # no lifespan needed for static pages
    page = client.get("/docs")
    assert page.status_code == 200
    assets = re.findall(r"""(?:src|href)=['"]([^'"]+)['"]""", page.text)
    scripts = [a for a in assets if a.endswith((".js", ".css"))]
    assert scripts and all(a.startswith("/") for a in scripts), scripts  # nothing remote
    for asset in scripts:
        response = client.get(asset)
        assert response.status_code == 200 and len(response.content) > 10_000, asset
    spec = client.get("/openapi.json").json()
    assert spec["info"]["title"] == "folio" and "/documents" in spec["paths"]
