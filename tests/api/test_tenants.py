"""Keys and tenants through the real app (auth on): 401, 403, 404 across tenants, 402 at a
budget, 429 past a rate limit, revocation at once, and no key in any log or answer.

Paid calls go to a real HTTP server on 127.0.0.1 speaking OpenAI's protocol."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from cli.service import build_app
from core.access.binding import UnsafeBindError
from core.settings import Settings
from tests.api.uploading import SMALL_PDFS, multipart, offline_settings, wait_done
from tests.fakes.openai_server import FakeOpenAIServer, Reply

_CITED = re.compile(r'<document id="([^"]+)"')
#: Every id a (hostile) model cites besides those it was shown, e.g. another tenant's.
EXTRA_CITED: list[str] = []


def _answer(body: dict) -> Reply:
    """A JSON answer citing each document the prompt holds, and EXTRA_CITED too."""
    shown = _CITED.findall(str(body["messages"]))
    cited = [
        {"document_id": doc_id, "page": 1, "quote": "Agreement"}
        for doc_id in [*shown, *EXTRA_CITED]
    ]
    return Reply(json.dumps({"answer": "Per the agreement.", "found": True, "citations": cited}))


@pytest.fixture(scope="module")
def fake():
    server = FakeOpenAIServer(default=_answer).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def api(tmp_path_factory, embedder, fake):
    settings = offline_settings(tmp_path_factory.mktemp("tenants") / "data").model_copy(
        update={
            "auth": "on",
            "openai_base_url": fake.base_url,
            "openai_api_key": SecretStr("upstream-key"),
        }
    )
    with TestClient(build_app(settings, embedder=embedder)) as client:
        yield client


def _auth(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture(scope="module")
def secrets(api) -> dict[str, str]:
    """An operator key (made as `folio serve` does) and keys made over /keys."""
    _, operator = api.app.state.guard.keys.create("ops", name="operator", operator=True)
    made = {"operator": operator}
    for name, body in {
        "acme": {"tenant": "acme", "name": "acme app"},
        "beta": {"tenant": "beta"},
        "beta_capped": {"tenant": "beta", "budget_usd": 0.000001},
    }.items():
        response = api.post("/keys", json=body, headers=_auth(operator))
        assert response.status_code == 201, response.text
        made[name] = response.json()["secret"]
    return made


@pytest.fixture(scope="module")
def docs(api, secrets, shared_data: Path) -> dict[str, str]:
    """The same contract uploaded by acme and by beta, and one more of beta's."""
    paths = {"acme": SMALL_PDFS[0], "beta": SMALL_PDFS[0], "beta2": SMALL_PDFS[1]}
    ids = {}
    for who, rel in paths.items():
        key = secrets[who.rstrip("2")]
        response = api.post("/documents", headers=_auth(key), **multipart(shared_data / rel))
        assert response.status_code == 202, response.text
        ids[who] = response.json()["id"]
    for who, doc_id in ids.items():
        client = _Keyed(api, secrets[who.rstrip("2")])
        assert wait_done(client, doc_id)["status"] == "ready"
    return ids


class _Keyed:
    """The test client with one key on every request (for wait_done)."""

    def __init__(self, api: TestClient, secret: str) -> None:
        self.api, self.headers = api, _auth(secret)

    def get(self, url: str):
        return self.api.get(url, headers=self.headers)


def test_no_key_or_a_wrong_one_is_401_and_probes_stay_open(api, secrets) -> None:
    for headers in ({}, _auth("folio_" + "x" * 43), {"Authorization": "Basic abc"}):
        for method, url in (("GET", "/documents"), ("POST", "/query"), ("GET", "/usage")):
            response = api.request(method, url, headers=headers, json={"question": "q"})
            assert response.status_code == 401, (url, headers)
            assert response.headers["www-authenticate"].startswith("Bearer")
            assert "Authorization: Bearer" in response.json()["detail"]
    for url in ("/healthz", "/docs", "/openapi.json", "/metrics"):
        assert api.get(url).status_code == 200, url
    assert api.get("/documents", headers=_auth(secrets["acme"])).status_code == 200


def test_the_same_file_in_two_tenants_is_two_documents_each_private(api, secrets, docs, fake):
    acme, beta = _auth(secrets["acme"]), _auth(secrets["beta"])
    assert docs["acme"] != docs["beta"]
    listed = {d["id"] for d in api.get("/documents", headers=beta).json()["items"]}
    assert listed == {docs["beta"], docs["beta2"]}
    mine = {d["id"] for d in api.get("/documents", headers=acme).json()["items"]}
    assert mine == {docs["acme"]}
    # Another tenant's document is not found, never forbidden.
    for method, url in (
        ("GET", f"/documents/{docs['acme']}"),
        ("GET", f"/documents/{docs['acme']}/file"),
        ("DELETE", f"/documents/{docs['acme']}"),
    ):
        assert api.request(method, url, headers=beta).status_code == 404, url
    asked = {"query": "governing law", "document_ids": [docs["acme"]]}
    assert api.post("/search", json=asked, headers=beta).status_code == 404
    found = api.post("/search", json={"query": "governing law", "k": 20}, headers=beta).json()
    assert found["results"] and {r["document_id"] for r in found["results"]} <= listed
    question = {"question": "What law governs?", "document_ids": [docs["acme"]]}
    assert api.post("/query", json=question, headers=beta).status_code == 404
    before = len(fake.requests)
    EXTRA_CITED[:] = [docs["acme"]]  # a model that cites what it was never shown
    try:
        answer = api.post("/query", json={"question": "What law governs?"}, headers=beta)
    finally:
        EXTRA_CITED.clear()
    assert answer.status_code == 200, answer.text
    cited = {c["document_id"] for c in answer.json()["citations"]}
    assert cited and cited <= listed  # acme's id was dropped, beta's kept
    prompts = " ".join(str(r.body["messages"]) for r in fake.requests[before:])
    assert prompts and docs["acme"] not in prompts and docs["beta"] in prompts


def test_usage_is_the_callers_tenant_by_key(api, secrets, docs) -> None:
    asked = {"question": "What law governs?", "document_ids": [docs["beta"]]}
    assert api.post("/query", json=asked, headers=_auth(secrets["beta"])).status_code == 200
    admin = _auth(secrets["operator"])
    ids = {
        tenant: {k["id"] for k in api.get(f"/keys?tenant={tenant}", headers=admin).json()["items"]}
        for tenant in ("acme", "beta")
    }
    beta = api.get("/usage", headers=_auth(secrets["beta"])).json()
    assert beta["by_key"] and {r["key"] for r in beta["by_key"]} <= ids["beta"]
    assert sum(r["cost_usd"] for r in beta["by_key"]) > 0
    acme = api.get("/usage", headers=_auth(secrets["acme"])).json()
    assert {r["key"] for r in acme["by_key"]} <= ids["acme"]  # none of beta's spend


def test_a_budget_refuses_a_paid_question_with_402(api, secrets, docs, fake) -> None:
    before = len(fake.requests)
    response = api.post(
        "/query", json={"question": "What law governs?"}, headers=_auth(secrets["beta_capped"])
    )
    assert response.status_code == 402, response.text
    detail = response.json()["detail"]
    assert "monthly budget of $0.00" in detail and "spent $0.0000" in detail
    assert "resets at" in detail
    assert len(fake.requests) == before  # refused before anything was spent
    budget = api.get("/usage", headers=_auth(secrets["beta_capped"])).json()["budget"]
    assert budget["key_budget_usd"] == 0.000001 and budget["key_spent_usd"] == 0
    assert budget["tenant_budget_usd"] is None and budget["resets_at"].endswith("T00:00:00Z")
    # The tenant's own cap: set below what beta has spent, every beta key is refused.
    api.app.state.guard.keys.set_tenant_budget("beta", 0.0)
    try:
        again = api.post(
            "/query", json={"question": "Who are the parties?"}, headers=_auth(secrets["beta"])
        )
        assert again.status_code == 402 and "the tenant" in again.json()["detail"]
        assert api.post("/search", json={"query": "parties"}, headers=_auth(secrets["beta"]))
    finally:
        api.app.state.guard.keys.set_tenant_budget("beta", None)


def test_a_key_past_its_rate_limit_gets_429_with_retry_after(api, secrets) -> None:
    made = api.post("/keys", json={"tenant": "beta", "rpm": 2}, headers=_auth(secrets["operator"]))
    slow = _auth(made.json()["secret"])  # its own key: no other test has spent its minute
    assert [api.get("/usage", headers=slow).status_code for _ in range(2)] == [200, 200]
    refused = api.get("/usage", headers=slow)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert api.get("/usage", headers=_auth(secrets["beta"])).status_code == 200  # per key


def test_only_admins_manage_keys_and_a_revoked_key_stops_at_once(api, secrets) -> None:
    beta, admin = _auth(secrets["beta"]), _auth(secrets["operator"])
    assert api.post("/keys", json={"tenant": "beta"}, headers=beta).status_code == 403
    assert api.get("/keys", headers=beta).status_code == 403
    made = api.post("/keys", json={"tenant": "gamma", "name": "temp"}, headers=admin).json()
    temp = _auth(made["secret"])
    assert api.get("/documents", headers=temp).json()["items"] == []  # a new, empty tenant
    listed = api.get("/keys", headers=admin).text
    assert made["key"]["id"] in listed and made["secret"] not in listed
    assert api.delete(f"/keys/{made['key']['id']}", headers=admin).json()["revoked_at"]
    assert api.get("/documents", headers=temp).status_code == 401
    assert api.delete("/keys/key_nope", headers=admin).status_code == 404


def test_a_tenant_admin_manages_its_own_tenant_only(api, secrets, docs) -> None:
    """Issue 33: alpha's admin key made a key for beta and read beta's documents with it.
    An admin manages its own tenant's keys; across tenants it is refused."""
    operator = _auth(secrets["operator"])
    made = api.post("/keys", json={"tenant": "alpha", "admin": True}, headers=operator).json()
    alpha = _auth(made["secret"])
    assert made["key"]["admin"] and not made["key"]["operator"]
    own = api.post("/keys", json={"tenant": "alpha", "name": "app"}, headers=alpha)
    assert own.status_code == 201, own.text
    across = api.post("/keys", json={"tenant": "beta", "name": "mine now"}, headers=alpha)
    assert across.status_code == 403 and "own keys only" in across.json()["detail"]
    assert api.get("/keys?tenant=beta", headers=alpha).status_code == 403
    listed = api.get("/keys", headers=alpha).json()["items"]
    assert {k["tenant"] for k in listed} == {"alpha"} and len(listed) == 2
    beta_key = api.get("/keys/me", headers=_auth(secrets["beta"])).json()["id"]
    assert api.delete(f"/keys/{beta_key}", headers=alpha).status_code == 404
    assert api.get(f"/documents/{docs['beta']}", headers=alpha).status_code == 404
    assert api.get("/documents", headers=_auth(secrets["beta"])).status_code == 200  # intact
    # No operator's powers: no operator keys, no tenant caps.
    for body in (
        {"tenant": "alpha", "operator": True},
        {"tenant": "alpha", "tenant_budget_usd": 9},
    ):
        assert api.post("/keys", json=body, headers=alpha).status_code == 403, body
    assert api.delete(f"/keys/{own.json()['key']['id']}", headers=alpha).json()["revoked_at"]


def test_the_operator_manages_every_tenant_and_its_last_key_stays(api, secrets) -> None:
    operator = _auth(secrets["operator"])
    me = api.get("/keys/me", headers=operator).json()
    assert me["operator"] and me["admin"]
    # An admin of the operator's own tenant cannot revoke the operator's key.
    ops_admin = api.post("/keys", json={"tenant": "ops", "admin": True}, headers=operator)
    refused = api.delete(f"/keys/{me['id']}", headers=_auth(ops_admin.json()["secret"]))
    assert refused.status_code == 403
    # The last operator key cannot be revoked, not even by itself.
    last = api.delete(f"/keys/{me['id']}", headers=operator)
    assert last.status_code == 409 and "last operator key" in last.json()["detail"]
    second = api.post("/keys", json={"tenant": "ops", "operator": True}, headers=operator)
    assert second.json()["key"]["operator"]
    assert api.delete(f"/keys/{second.json()['key']['id']}", headers=operator).status_code == 200
    assert api.delete(f"/keys/{me['id']}", headers=operator).status_code == 409
    assert api.get("/keys/me", headers=operator).status_code == 200


def test_any_key_reads_itself_at_keys_me_but_never_its_secret(api, secrets) -> None:
    made = api.post(
        "/keys", json={"tenant": "beta", "name": "portal", "budget_usd": 5, "rpm": 90},
        headers=_auth(secrets["operator"]),
    ).json()  # fmt: skip
    me = api.get("/keys/me", headers=_auth(made["secret"]))
    assert me.status_code == 200
    assert me.json() == made["key"]  # id, tenant beta, name, budget, rpm, not revoked
    assert made["secret"] not in me.text
    other = api.get("/keys/me", headers=_auth(secrets["acme"])).json()
    assert other["tenant"] == "acme" and other["id"] != made["key"]["id"]
    assert api.get("/keys/me").status_code == 401


def test_keys_me_is_404_with_auth_off(tmp_path, embedder) -> None:
    settings = offline_settings(tmp_path / "data").model_copy(update={"auth": "off"})
    with TestClient(build_app(settings, embedder=embedder)) as client:
        answer = client.get("/keys/me")
    assert answer.status_code == 404 and "FOLIO_AUTH=off" in answer.json()["detail"]


def test_deleting_one_tenants_copy_keeps_the_others(api, secrets, shared_data) -> None:
    acme, beta = _auth(secrets["acme"]), _auth(secrets["beta"])
    res = api.app.state.resources
    docs = {}  # its own pair, so the module's documents stay for the other tests
    for who in ("acme", "beta"):
        sent = api.post("/documents", headers=_auth(secrets[who]), **multipart(
            shared_data / SMALL_PDFS[2]))  # fmt: skip
        assert sent.status_code == 202, sent.text
        docs[who] = sent.json()["id"]
        assert wait_done(_Keyed(api, secrets[who]), docs[who])["status"] == "ready"
    sha = api.get(f"/documents/{docs['beta']}", headers=beta).json()
    file_path = res.files.path_for(res.registry.get(sha["id"]).sha256)
    assert api.delete(f"/documents/{docs['acme']}", headers=acme).status_code == 204
    assert api.get(f"/documents/{docs['beta']}", headers=beta).json()["status"] == "ready"
    served = api.get(f"/documents/{docs['beta']}/file", headers=beta)
    assert served.status_code == 200 and served.content.startswith(b"%PDF")
    assert res.store.count("beta", docs["beta"]) > 0 and res.store.count("acme", docs["acme"]) == 0
    assert api.delete(f"/documents/{docs['beta']}", headers=beta).status_code == 204
    assert not file_path.exists()  # the last document of that file took it along


def test_keys_never_reach_logs_answers_or_the_model(api, secrets, docs, fake, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    headers = [_auth(s) for s in secrets.values()] + [_auth("folio_" + "y" * 43)]
    bodies = []
    for h in headers:
        for method, url, body in (
            ("GET", "/documents", None),
            ("GET", "/documents/nope", None),
            ("POST", "/search", {"query": "term"}),
            ("POST", "/query", {"question": "What is the term?"}),
            ("POST", "/query", {"question": ""}),
            ("GET", "/usage", None),
        ):
            bodies.append(api.request(method, url, headers=h, json=body).text)
    seen = caplog.text + "".join(bodies) + "".join(str(r.body) for r in fake.requests)
    for secret in [*secrets.values(), "folio_" + "y" * 43]:
        assert secret not in seen and secret[6:30] not in seen


def test_metrics_takes_its_own_token(tmp_path) -> None:
    settings = offline_settings(tmp_path / "data").model_copy(
        update={"metrics_token": SecretStr("scrape-me")}
    )
    client = TestClient(build_app(settings))  # no lifespan: /metrics needs none
    refused = client.get("/metrics")
    assert refused.status_code == 401 and refused.headers["www-authenticate"]
    assert client.get("/metrics", headers=_auth("wrong")).status_code == 401
    assert client.get("/metrics", headers=_auth("scrape-me")).status_code == 200


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "example.org"])
def test_auth_off_is_refused_on_a_reachable_address(tmp_path, host) -> None:
    settings = Settings(data_dir=tmp_path, auth="off", host=host, _env_file=None)
    with pytest.raises(UnsafeBindError, match="loopback"):
        create_app(settings, jobs=None)  # type: ignore[arg-type]
    for loopback in ("127.0.0.1", "::1", "localhost"):
        create_app(settings.model_copy(update={"host": loopback}), jobs=None)  # type: ignore[arg-type]
