"""The NIAH report's heatmaps and charts as PNG (eval/common/plotting.py)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from matplotlib.colors import LinearSegmentedColormap

from eval.common.plotting import plt, save
from eval.niah.result import NiahResult
from eval.niah.summary import Stats, cost_basis, cost_of, group, mean_of

# The reference harness's red-to-green scale.
SCORE_CMAP = LinearSegmentedColormap.from_list("score", ["#F0496E", "#EBB839", "#0CD79F"])


def _length_label(n: int) -> str:
    return f"{n / 1000:g}K" if n >= 1000 else str(n)


def accuracy_heatmaps(
    rows: Sequence[NiahResult], suite: str, path: Path, field: str = "score"
) -> bool:
    """One panel per mode: mean `field` by depth (rows) x context length (columns)."""
    rows = [r for r in rows if r.suite == suite and r.depth is not None]
    if field != "score":
        rows = [r for r in rows if getattr(r, field) is not None]
    if not rows:
        return False
    modes = list(dict.fromkeys(r.mode for r in rows))
    lengths = sorted({r.context_length for r in rows})
    depths = sorted({r.depth for r in rows})
    fig, axes = plt.subplots(
        1,
        len(modes),
        figsize=(1.6 + 1.1 * len(lengths) * len(modes), 1.2 + 0.45 * len(depths)),
        squeeze=False,
    )
    for ax, mode in zip(axes[0], modes, strict=True):
        cells = group((r for r in rows if r.mode == mode), ("depth", "context_length"))
        grid = [
            [mean_of(getattr(r, field) for r in cells.get((d, n), [])) for n in lengths]
            for d in depths
        ]
        shown = [[float("nan") if v is None else v for v in line] for line in grid]
        ax.imshow(shown, cmap=SCORE_CMAP, vmin=0, vmax=1, aspect="auto")
        for i, line in enumerate(grid):
            for j, value in enumerate(line):
                if value is not None:
                    ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=7)
        ax.set_xticks(range(len(lengths)), [_length_label(n) for n in lengths], fontsize=8)
        ax.set_yticks(range(len(depths)), [f"{d:g}%" for d in depths], fontsize=8)
        ax.set_xlabel("context length (tokens)")
        ax.set_title(mode)
    axes[0][0].set_ylabel("needle depth")
    what = "accuracy" if field == "score" else field.replace("_", " ")
    fig.suptitle(f"{suite}: {what} by context length and depth")
    save(fig, path)
    return True


def cost_latency(rows: Sequence[NiahResult], path: Path) -> bool:
    """Mean cost and latency against context length, a line per mode (the classic grid's
    rows when there are any, so other suites' document sizes do not blur the lines)."""
    rows = [r for r in rows if r.context_length and not r.error]
    rows = [r for r in rows if r.suite == "single"] or rows
    if not rows:
        return False
    cost = cost_of(rows)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    for (mode,), bucket in group(rows, ("mode",)).items():
        by_len = group(bucket, ("context_length",))
        xs = sorted(n for (n,) in by_len)
        left.plot(xs, [mean_of(cost(r) for r in by_len[(n,)]) or 0 for n in xs], "o-", label=mode)
        right.plot(
            xs,
            [mean_of(r.latency_ms or r.wall_ms for r in by_len[(n,)]) for n in xs],
            "o-",
            label=mode,
        )
    for ax in (left, right):
        ax.set_xscale("log")
        ax.set_xlabel("context length (tokens)")
        ax.grid(alpha=0.3)
        ax.legend()
    if all(v > 0 for line in left.get_lines() for v in line.get_ydata()):
        left.set_yscale("log")
    left.set_ylabel("USD per question")
    left.set_title(f"cost ({cost_basis(rows).replace('$', 'USD ')})", fontsize=9)
    right.set_ylabel("ms per question")
    right.set_title("latency (service-reported)", fontsize=9)
    save(fig, path)
    return True


def router_frontier(strategies: dict[str, Stats], basis: str, path: Path) -> bool:
    """Accuracy against cost for auto, always-stuff, always-rag and the oracle."""
    points = {k: v for k, v in strategies.items() if v.get("accuracy") is not None}
    if not points:
        return False
    fig, ax = plt.subplots(figsize=(5.5, 4))
    for i, (name, s) in enumerate(points.items()):
        ax.scatter(s["cost_usd"] or 0, s["accuracy"], s=60, label=name)
        # Staggered labels: strategies often share a point (e.g. rag and the oracle).
        ax.annotate(
            name,
            (s["cost_usd"] or 0, s["accuracy"]),
            textcoords="offset points",
            xytext=(6, 4 - 11 * i),
            fontsize=9,
        )
    ax.set_xlabel(f"mean USD per question ({basis.replace('$', 'USD ')})")
    ax.set_ylabel("accuracy")
    ax.set_ylim(-0.05, 1.05)
    ax.grid(alpha=0.3)
    ax.set_title("router: accuracy vs cost")
    save(fig, path)
    return True
