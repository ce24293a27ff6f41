"""/keys: admin keys create, list and revoke API keys (as `folio keys` does locally); any
key reads itself at /keys/me."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from api.deps import AdminDep, CallerDep, GuardDep
from api.errors import responses
from api.schemas.common import InvalidOut
from api.schemas.keys import KeyCreate, KeyCreated, KeyList, KeyOut
from core.access.keys import KeyRequestError

router = APIRouter(prefix="/keys", tags=["keys"])

_ERRORS = responses(400, 403, 404, 413) | {422: {"model": InvalidOut}}


@router.post("", status_code=201, responses=_ERRORS)
def create_key(body: KeyCreate, admin: AdminDep, guard: GuardDep) -> KeyCreated:
    """Create a key for `tenant` (the tenant too, if new). The secret is in this answer
    only: store it now. 403 unless the caller's key is an admin key."""
    try:
        key, secret = guard.keys.create(
            body.tenant, body.name, body.admin, body.budget_usd, body.rpm
        )
    except KeyRequestError as exc:
        raise HTTPException(422, str(exc)) from None
    if body.tenant_budget_usd is not None:
        guard.keys.set_tenant_budget(body.tenant, body.tenant_budget_usd)
    return KeyCreated(key=KeyOut.of(key), secret=secret)


@router.get("", responses=_ERRORS)
def list_keys(
    admin: AdminDep,
    guard: GuardDep,
    tenant: Annotated[str | None, Query(max_length=64)] = None,
) -> KeyList:
    """Every key (of one `tenant` if given), revoked ones included; never a secret."""
    return KeyList(items=[KeyOut.of(k) for k in guard.keys.list(tenant)])


@router.get("/me", responses=_ERRORS)
def my_key(caller: CallerDep, guard: GuardDep) -> KeyOut:
    """The key this request came with: its tenant, budget and requests per minute; never
    the secret. Any key may ask. 404 with FOLIO_AUTH=off, where requests carry no key."""
    key = guard.keys.get(caller.key_id) if caller.key_id is not None else None
    if key is None:
        raise HTTPException(404, "this request carries no API key (FOLIO_AUTH=off)")
    return KeyOut.of(key)


@router.delete("/{key_id}", responses=_ERRORS)
def revoke_key(key_id: str, admin: AdminDep, guard: GuardDep) -> KeyOut:
    """Revoke a key: requests with it are refused from now on. 404 for an unknown id."""
    key = guard.keys.revoke(key_id)
    if key is None:
        raise HTTPException(404, f"no key {key_id}")
    return KeyOut.of(key)
