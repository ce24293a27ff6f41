"""/keys: operator and admin keys create, list and revoke API keys (as `folio keys` does
locally): the operator's for every tenant, an admin's for its own (core/access/roles.py);
any key reads itself at /keys/me."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from api.deps import CallerDep, GuardDep, ManagerDep
from api.errors import responses
from api.schemas.common import InvalidOut
from api.schemas.keys import KeyCreate, KeyCreated, KeyList, KeyOut
from core.access.roles import KeyRequest

router = APIRouter(prefix="/keys", tags=["keys"])

_ERRORS = responses(400, 403, 404, 409, 413) | {422: {"model": InvalidOut}}


@router.post("", status_code=201, responses=_ERRORS)
def create_key(body: KeyCreate, manager: ManagerDep, guard: GuardDep) -> KeyCreated:
    """Create a key for `tenant` (the tenant too, if new). The secret is in this answer
    only: store it now. An operator key may make any tenant's keys (operator keys too) and
    set a tenant's `tenant_budget_usd`; an admin key only its own tenant's, 403 otherwise."""
    key, secret = manager.create(guard.keys, KeyRequest(**body.model_dump()))
    return KeyCreated(key=KeyOut.of(key), secret=secret)


@router.get("", responses=_ERRORS)
def list_keys(
    manager: ManagerDep,
    guard: GuardDep,
    tenant: Annotated[str | None, Query(max_length=64)] = None,
) -> KeyList:
    """Keys, revoked ones included, never a secret: an operator sees every tenant's (of
    one `tenant` if given), an admin its own tenant's (403 for another `tenant`)."""
    return KeyList(items=[KeyOut.of(k) for k in manager.list(guard.keys, tenant)])


@router.get("/me", responses=_ERRORS)
def my_key(caller: CallerDep, guard: GuardDep) -> KeyOut:
    """The key this request came with: its tenant, role, budget and requests per minute;
    never the secret. Any key may ask. 404 with FOLIO_AUTH=off, where requests carry no key."""
    key = guard.keys.get(caller.key_id) if caller.key_id is not None else None
    if key is None:
        raise HTTPException(404, "this request carries no API key (FOLIO_AUTH=off)")
    return KeyOut.of(key)


@router.delete("/{key_id}", responses=_ERRORS)
def revoke_key(key_id: str, manager: ManagerDep, guard: GuardDep) -> KeyOut:
    """Revoke a key: requests with it are refused from now on. 404 for an id that is not
    one of the caller's tenant's keys (an operator's: any tenant's); 403 for an admin key
    revoking an operator key; 409 for the last operator key, which nothing would replace."""
    return KeyOut.of(manager.revoke(guard.keys, key_id))
