"""`folio ask "question"`: answer from the documents, showing the route, its cost and the pages.

Goes through a running folio server (`--url`, or one answering at FOLIO_URL / the
configured host and port), since the embedded store has one owner; with no server it
answers in this process over the local data dir.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

import typer
from rich.console import Console, ConsoleOptions, RenderResult
from rich.live import Live
from rich.markup import escape
from rich.text import Text

from cli.errors import reported
from cli.local import local_read_path
from cli.options import AsJson, ServerUrl
from cli.server import connect
from cli.session import Session
from client.folio import Event
from core.settings import Settings


def register(app: typer.Typer) -> None:
    app.command("ask")(ask)


def ask(
    question: Annotated[str, typer.Argument(help="The question, in plain language.")],
    doc: Annotated[
        list[str] | None, typer.Option("--doc", help="Document id to ask (repeat; default: all).")
    ] = None,
    mode: Annotated[str, typer.Option(help="auto, stuff (read everything) or rag.")] = "auto",
    max_cost: Annotated[
        float | None, typer.Option("--max-cost", help="Refuse routes estimated above this ($).")
    ] = None,
    prefer: Annotated[
        str | None,
        typer.Option(help="cost, balanced or quality (the learned router, auto), or fast."),
    ] = None,
    max_latency_ms: Annotated[
        float | None,
        typer.Option("--max-latency-ms", help="Refuse routes expected to take longer (ms)."),
    ] = None,
    as_json: AsJson = False,
    url: ServerUrl = None,
) -> None:
    """Ask your documents; prints the answer, its sources, the route taken and its cost."""
    s = Session.start()
    body = {"question": question, "document_ids": doc or None, "mode": mode}
    if max_cost is not None:
        body["max_cost_usd"] = max_cost
    if prefer is not None:
        body["prefer"] = prefer
    if max_latency_ms is not None:
        body["max_latency_ms"] = max_latency_ms
    with reported(s.err):
        events = _events(body, url, s.settings, s.err, stream=not as_json)
        result = _show(events, s.out, as_json)
    if as_json:
        s.print_json(result)


def _events(body: dict, url: str | None, settings: Settings, err: Console, stream: bool):
    client = connect(settings, url, err)
    if client is None:
        return _local(body, settings, err)
    return client.query_stream(body) if stream else iter([("answer", client.query(body))])


def _local(body: dict, settings: Settings, err: Console) -> Iterator[Event]:
    """No server: this process opens the data dir and answers (it is the composition root)."""
    from query import answer
    from query.views import event_view

    with local_read_path(settings, err) as rp:
        q = answer.prepare(
            rp,
            body["question"],
            body["document_ids"],
            body["mode"],
            body.get("max_cost_usd"),
            body.get("prefer"),
            max_latency_ms=body.get("max_latency_ms"),
            streaming=True,
        )
        for event in answer.stream(rp, q):
            yield event_view(event)


def _show(events: Iterator[Event], out: Console, quiet: bool) -> dict:
    """Print the answer once, then its sources, route and cost; return the body.

    On a terminal the text is shown as it comes, in a region that is cleared at the end
    (an escalation's `reset` empties it), so whatever happens one answer is printed: the
    final one. Elsewhere (a pipe, a file) only the final answer is printed."""
    result: dict = {}
    live = None if quiet or not out.is_terminal else _Streaming(out)
    try:
        for kind, data in events:
            if kind == "answer":
                result = data
            elif live is not None:
                live.show(kind, data)
    finally:
        if live is not None:
            live.close()
    if not quiet and result:
        out.print(escape(result["answer"]), soft_wrap=True)
        _summary(result, out)
    return result


class _Streaming:
    """The answer as it is written, in a transient region of the terminal: its last lines
    (as many as fit), under a note when an escalation asks again."""

    def __init__(self, out: Console) -> None:
        self.text, self.note = "", ""
        self.live = Live(console=out, transient=True, auto_refresh=False)
        self.live.start()

    def show(self, kind: str, data: dict) -> None:
        if kind == "delta":
            self.text += data["text"]
        elif kind == "reset":  # what was written is replaced by the next call's answer
            self.text, self.note = "", f"({data['reason']}; asking again with the whole text)"
        self.live.update(self, refresh=True)

    def close(self) -> None:
        self.live.stop()

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        room = max(1, console.size.height - 2)
        if self.note:
            yield Text(self.note, style="yellow")
            room -= 1
        lines = Text(self.text).wrap(console, options.max_width)
        yield from lines[-room:]


def _summary(body: dict, out: Console) -> None:
    if body.get("citations"):
        out.print("\n[bold]Sources[/bold]")
        for i, c in enumerate(body["citations"], 1):
            quote = c["quote"] if len(c["quote"]) <= 160 else c["quote"][:157] + "..."
            out.print(f"  [{i}] {escape(c['filename'])}, page {c['page']}: “{escape(quote)}”")
    if body.get("dropped_citations"):
        out.print(f"  ({body['dropped_citations']} citation(s) dropped: quote not on its page)")
    r, u = body["route"], body["usage"]
    # The plain sentence first (an older server has none), then the router's details.
    out.print(f"\n[bold]Route[/bold] {escape(r.get('summary') or r['mode'])}")
    escalated = ", escalated" if r["escalated"] else ""
    out.print(f"  [dim]{r['mode']} with {r['model']}{escalated}: {escape(r['reason'])}[/dim]")
    out.print(
        f"  cost: estimated ${r['estimated_cost_usd']:.4f}, actual ${body['cost_usd']:.4f}"
        f" | tokens: {u['input_tokens']:,} in ({u['cached_input_tokens']:,} cached),"
        f" {u['output_tokens']:,} out | {body['latency_ms'] / 1000:.1f} s"
    )
    for alt in r["alternatives"]:
        out.print(
            f"  [dim]not {alt['mode']} with {alt['model']} (${alt['estimated_cost_usd']:.4f}):"
            f" {escape(alt['rejected_because'])}[/dim]"
        )
