"""`folio reindex`: copy the embedded store from one engine to the other.

An install from before Qdrant Edge keeps its chunks in qdrant-client's local mode
(DATA_DIR/qdrant); `folio reindex` copies every point (ids, dense and BM25 vectors,
payloads, so nothing is embedded again) into the Edge shard (DATA_DIR/edge), checks the
count, and leaves the old folder as it was. `--to local` copies back.
"""

from __future__ import annotations

import time
from typing import Annotated, Literal

import typer
from rich.console import Console

from core.settings import Settings

BATCH = 512


def reindex_command(
    to: Annotated[
        str, typer.Option(help="Target engine: edge (from local mode) or local (from edge).")
    ] = "edge",
    force: Annotated[bool, typer.Option(help="Replace points already in the target.")] = False,
) -> None:
    """Copy the embedded store into the other engine (no re-embedding); exits 2 on a
    problem, leaving the source untouched."""
    err = Console(stderr=True)
    settings = Settings()
    if to not in ("edge", "local"):
        err.print("[red]error:[/red] --to is edge or local")
        raise typer.Exit(2)
    if settings.qdrant_url:
        err.print("[red]error:[/red] FOLIO_QDRANT_URL is set: a server store needs no reindex")
        raise typer.Exit(2)
    try:
        copied, seconds = reindex(settings, to, force)  # type: ignore[arg-type]
    except (RuntimeError, ValueError) as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    source = settings.qdrant_path if to == "edge" else settings.edge_path
    err.print(
        f"copied {copied} chunks to the {to} engine in {seconds:.1f}s; {source} is untouched"
        f" (delete it once FOLIO_STORE_ENGINE={to} serves as expected)"
    )


def reindex(settings: Settings, to: Literal["edge", "local"], force: bool = False):
    """Copy every point of the collection; returns (points copied, seconds)."""
    import qdrant_edge as qe
    from qdrant_client import models

    from core.storage.chunks import DENSE, SPARSE
    from core.storage.edge import EdgeClient
    from core.storage.qdrant import has_local_store, open_local_client

    started = time.perf_counter()
    name = settings.collection
    if to == "edge" and not has_local_store(settings):
        raise ValueError(f"no local-mode store to copy at {settings.qdrant_path}")
    if to == "local" and not (settings.edge_path / name).is_dir():
        raise ValueError(f"no Edge store to copy at {settings.edge_path}")
    local, edge = open_local_client(settings), EdgeClient(settings.edge_path)
    try:
        from core.storage.stores import store_for

        source = "local" if to == "edge" else "edge"
        source_count = _count(local, edge, name, source)
        # the target collection gets the source's dimension (an API embedder's may differ)
        target = store_for(edge if to == "edge" else local, name, _dim(local, edge, name, source))
        if _count(local, edge, name, to) and not force:
            raise ValueError(f"the {to} store already holds points; pass --force to replace")
        copied = 0
        for records in _scroll(local, edge, name, source):
            if to == "edge":
                points = [
                    qe.Point(
                        str(r.id),
                        {
                            DENSE: list(r.vector[DENSE]),
                            SPARSE: qe.SparseVector(
                                list(r.vector[SPARSE].indices), list(r.vector[SPARSE].values)
                            ),
                        },
                        r.payload,
                    )
                    for r in records
                ]
                target.shard.update(qe.UpdateOperation.upsert_points(points))
            else:
                points = [
                    models.PointStruct(
                        id=str(r.id),
                        vector={
                            DENSE: list(r.vector[DENSE]),
                            SPARSE: models.SparseVector(
                                indices=list(r.vector[SPARSE].indices),
                                values=list(r.vector[SPARSE].values),
                            ),
                        },
                        payload=r.payload,
                    )
                    for r in records
                ]
                local.upsert(name, points=points, wait=True)
            copied += len(points)
        if _count(local, edge, name, to) != source_count:
            raise RuntimeError(f"copied {copied} of {source_count} points; the source is kept")
        return copied, time.perf_counter() - started
    finally:
        local.close()
        edge.close()


def _count(local, edge, name: str, engine: str) -> int:
    if engine == "local":
        return local.count(name, exact=True).count if local.collection_exists(name) else 0
    if not edge.collection_exists(name):
        return 0
    import qdrant_edge as qe

    return edge.shard(name, 384).count(qe.CountRequest(exact=True))


def _dim(local, edge, name: str, engine: str) -> int:
    if engine == "local":
        from core.storage.chunks import DENSE

        return local.get_collection(name).config.params.vectors[DENSE].size
    import qdrant_edge as qe

    records, _ = edge.shard(name, 384).scroll(qe.ScrollRequest(limit=1, with_vector=True))
    return len(records[0].vector["dense"]) if records else 384


def _scroll(local, edge, name: str, engine: str):
    offset = None
    while True:
        if engine == "local":
            records, offset = local.scroll(
                name, limit=BATCH, offset=offset, with_payload=True, with_vectors=True
            )
        else:
            import qdrant_edge as qe

            request = qe.ScrollRequest(
                offset=offset, limit=BATCH, with_payload=True, with_vector=True
            )
            records, offset = edge.shard(name, 384).scroll(request)
        if records:
            yield records
        if offset is None:
            return


def register(app: typer.Typer) -> None:
    app.command("reindex")(reindex_command)
