"""The benchmark's tables, as Markdown (they go into docs/performance.md as printed)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .harness import Run
from .probe import Measure


def _row(cells: Sequence[object]) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _table(header: list[str], rows: Sequence[Sequence[object]]) -> list[str]:
    return [_row(header), _row(["---"] * len(header)), *(_row(r) for r in rows)]


WHOLE = "kgbuild build (whole, incl. Python start)"
REBUILD = "kgbuild build again, same input (unchanged files linked)"
PSS = "kgbuild build again; MB: PSS summed over all its processes"


def _growth(now: float | None, before: float | None) -> str:
    if now is None or not before:
        return ""
    return f"×{now / before:.1f}"


def build_table(runs: list[Run]) -> list[str]:
    """Per stage of `kgbuild build`: seconds and peak MB per scale, growth to the next scale."""
    stages = list(dict.fromkeys([WHOLE, REBUILD, PSS] + [s for r in runs for s in r.build]))
    header = ["stage"]
    rows: list[list[object]] = []
    for i, r in enumerate(runs):
        header += [f"{r.label} s", f"{r.label} MB"] + (["growth"] if _synth(runs, i) else [])
    for stage in stages:
        row: list[object] = [stage]
        for i, r in enumerate(runs):
            now = _stage(r, stage)
            row += [f"{now['seconds']:.2f}" if now else "", f"{now['peak_mb']:.0f}" if now else ""]
            if _synth(runs, i):
                before = _stage(runs[i - 1], stage)
                row.append(
                    _growth(now["seconds"] if now else None, before["seconds"] if before else None)
                )
        rows.append(row)
    counts: list[object] = ["triples"]
    for i, r in enumerate(runs):
        counts += [r.triples, ""] + (
            [_growth(r.triples, runs[i - 1].triples)] if _synth(runs, i) else []
        )
    rows.append(counts)
    return _table(header, rows)


def _synth(runs: list[Run], i: int) -> bool:
    """A growth column follows every synthetic scale that has a synthetic scale before it."""
    return i > 0 and runs[i].label != "real" and runs[i - 1].label != "real"


def _stage(run: Run, stage: str) -> Measure | None:
    return {WHOLE: run.whole, REBUILD: run.rebuild, PSS: run.pss}.get(stage) or run.build.get(stage)


def engines_table(runs: list[Run]) -> list[str]:
    header = ["scale", "stage", "build s", "rdflib s", "rdflib / build", "build MB", "rdflib MB"]
    rows = []
    for r in runs:
        fast, slow = r.engines["fast"]["stages"], r.engines["rdflib"].get("stages")
        cut = "≥" if r.engines["rdflib"].get("failed") else ""
        for stage, f in fast.items():
            s = slow.get(stage) if slow else None
            at_least = cut if stage == "query" else ""
            rows.append(
                [
                    r.label,
                    stage,
                    f"{f['seconds']:.2f}",
                    f"{at_least}{s['seconds']:.2f}" if s else "skipped",
                    f"{at_least}{s['seconds'] / max(f['seconds'], 1e-6):.1f}" if s else "",
                    f"{f['peak_mb']:.0f}",
                    f"{s['peak_mb']:.0f}" if s else "",
                ]
            )
        total_f = sum(f["seconds"] for f in fast.values())
        total_s = sum(s["seconds"] for s in slow.values()) if slow else None
        rows.append(
            [
                r.label,
                "**all stages**",
                f"{total_f:.2f}",
                f"{cut}{total_s:.2f}" if total_s else "skipped",
                f"{cut}{total_s / total_f:.1f}" if total_s else "",
                "",
                "",
            ]
        )
    return _table(header, rows)


def skipped_lines(runs: list[Run]) -> list[str]:
    lines = [
        f"- rdflib path at {r.label} skipped: {r.engines['rdflib']['skipped']}"
        for r in runs
        if "skipped" in r.engines["rdflib"]
    ]
    for r in runs:
        for name, why in sorted(r.engines["rdflib"].get("failed", {}).items()):
            lines.append(f"- rdflib at {r.label}, query {name}: {why} (≥: a lower bound)")
    return lines


def queries_table(run: Run) -> list[str]:
    fast = run.engines["fast"].get("per_query", {})
    slow = run.engines["rdflib"].get("per_query", {})
    failed = run.engines["rdflib"].get("failed", {})
    rows = [[name, f"{t:.3f}", _slow_cell(name, slow, failed)] for name, t in sorted(fast.items())]
    return _table([f"query at {run.label}", "pyoxigraph s", "rdflib s"], rows)


def _slow_cell(name: str, slow: dict[str, Any], failed: dict[str, Any]) -> str:
    if name in failed:
        return f"failed after {slow[name]:.3f} ({failed[name]})"
    return f"{slow[name]:.3f}" if name in slow else "skipped"


def peers_table(runs: list[Run]) -> list[str]:
    """Validation of the build's N-Triples dump by each SHACL engine installed, as whole
    processes, parsing included; the ratio is to Jena's time and memory at that scale."""
    header = ["scale", "engine", "covers", "s", "MB", "conforms", "Jena s / this", "MB / Jena"]
    rows = []
    for r in runs:
        jena = next((p for p in r.peers if p["name"].startswith("Apache Jena")), None)
        for p in r.peers:
            if p.get("skipped"):
                rows.append([r.label, f"{p['name']} ({p['version']})", p["covers"], "skipped"])
                continue
            stopped = "stopped at ≥" if "stopped" in p else ""
            ratio = mem = ""
            if jena and "seconds" in jena and "stopped" not in jena and p is not jena:
                ratio = f"{jena['seconds'] / p['seconds']:.2f}" if not stopped else ""
                mem = f"{p['peak_mb'] / jena['peak_mb']:.2f}"
            rows.append(
                [
                    r.label,
                    f"{p['name']} ({p['version']})",
                    p["covers"],
                    f"{stopped}{p['seconds']:.2f}",
                    f"{p['peak_mb']:.0f}",
                    "" if stopped else ("yes" if p.get("conforms") else "no"),
                    ratio,
                    mem,
                ]
            )
    return _table(header, [row + [""] * (len(header) - len(row)) for row in rows])


def load_table(runs: list[Run]) -> list[str]:
    """`kgbuild load` of each synthetic dump into a fresh Oxigraph server, the check of its
    exact contents included, beside `oxigraph load` of the same dump into a fresh location."""
    header = ["scale", "triples", "oxigraph load s", "kgbuild load s", "kgbuild / oxigraph"]
    header += ["oxigraph MB", "kgbuild MB", "server MB"]
    rows: list[list[object]] = []
    for r in runs:
        if "skipped" in r.load:
            rows.append([r.label, r.triples, f"skipped: {r.load['skipped']}", "", "", "", "", ""])
        elif r.load:
            t = r.load
            rows.append(
                [
                    r.label,
                    t["triples"],
                    f"{t['oxigraph_seconds']:.2f}",
                    f"{t['kgbuild_seconds']:.2f}",
                    f"×{t['ratio']:.2f}",
                    f"{t['oxigraph_peak_mb']:.0f}",
                    f"{t['kgbuild_peak_mb']:.0f}",
                    f"{t['server_peak_mb']:.0f}",
                ]
            )
    return _table(header, rows)


def endpoint_table(runs: list[Run]) -> list[str]:
    """`kgbuild sparql` over the build's output, clients sending the canned queries at once."""
    header = ["scale", "clients", "requests", "median ms", "p95 ms", "p99 ms", "max ms"]
    header += ["req/s", "errors", "retries"]
    rows = [
        [
            r.label,
            e["clients"],
            e["requests"],
            f"{e['median_ms']:.1f}",
            f"{e['p95_ms']:.1f}",
            f"{e['p99_ms']:.1f}",
            f"{e['max_ms']:.1f}",
            f"{e['per_second']:.1f}",
            e["errors"],
            e["retries"],
        ]
        for r in runs
        if (e := r.endpoint)
    ]
    return _table(header, rows)


def _section(title: str, table: list[str]) -> list[str]:
    """A titled table, or nothing when it has no rows (the parts were left out of the run)."""
    return ["## " + title, "", *table, ""] if len(table) > 2 else []


def render(runs: list[Run]) -> str:
    lines = [
        "## The build, stage by stage",
        "",
        *build_table(runs),
        "",
        "## Side by side: the build's engines and the straightforward rdflib path",
        "",
        *engines_table(runs),
        "",
        *skipped_lines(runs),
        "",
        *(
            [
                "## Validation of the dump: SHACL engines as whole processes",
                "",
                *peers_table(runs),
                "",
            ]
            if any(r.peers for r in runs)
            else []
        ),
        *_section(
            "Loading the dump into a triple store: kgbuild load and oxigraph load", load_table(runs)
        ),
        *_section("The SPARQL endpoint under concurrent clients", endpoint_table(runs)),
        "## Canned queries on the largest scale",
        "",
        *queries_table(runs[-1]),
        "",
    ]
    return "\n".join(lines)
