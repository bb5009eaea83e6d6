"""Generate the documentation pages that come from the package's tables and outputs (``make docs``).

Writes ``docs/generated/`` (not committed): one page per mechanism module (its docstring through mkdocstrings and
the parameter table of its blocks: value, unit, evidence, range and source), the readouts, the contexts, the full
validation table (from ``figures/validation.md``), the behaviour targets (from the tables the
checks are judged by), the command-line reference (every ``alk5`` subcommand's
``--help``) and the figures the pages show. ``mkdocs build --strict`` then builds the site from ``docs/``.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: mechanism module -> (title, parameter-table blocks)
MODULES = {
    "receptor": ("Ligands and receptors", ("ligand", "receptor", "compartments")),
    "smad": ("Smads", ("smad",)),
    "transcription": ("Target genes", ("transcription",)),
    "feedback": ("Smad7 feedback", ("feedback",)),
    "noncanonical": ("Non-canonical branches", ("noncanonical",)),
    "inhibitors": ("Inhibitors and ligand traps", ("inhibitors",)),
    "fibrosis": ("Fibrosis block (fibroblast context)", ("fibrosis",)),
    "cytostasis": ("Cytostasis block (epithelial context)", ("cytostasis",)),
    "emt": ("EMT block (epithelial and carcinoma contexts)", ("emt",)),
    "endothelial": ("Endothelial block (ALK1/ALK5)", ("endothelial",)),
}


def _cell(value) -> str:
    text = "" if value is None or (isinstance(value, float) and value != value) else str(value)
    return text.replace("|", "/").replace("\n", " ")


def parameter_table(blocks) -> str:
    from alk5_pysb.model.parameters import default_table
    frame = default_table().frame
    rows = frame[frame["block"].isin(blocks)]
    lines = ["| name | value | unit | evidence | range | description | source |", "|---|---|---|---|---|---|---|"]
    for name, r in rows.iterrows():
        span = f"{r['distribution']} {_cell(r['low'])}-{_cell(r['high'])}" if r["distribution"] != "point" else "fixed"
        lines.append(f"| `{name}` | {_cell(r['value'])} | {_cell(r['unit'])} | {_cell(r['evidence'])} | {span} | "
                     f"{_cell(r['description'])} | {_cell(r['source'])} |")
    return "\n".join(lines) + "\n"


def module_page(module, title, blocks) -> str:
    return (f"# {title}\n\n::: alk5_pysb.model.{module}\n    options:\n      show_root_heading: false\n"
            f"      show_source: false\n\n## Parameters ({', '.join(blocks)})\n\n"
            "Every constant with its evidence class, its range (distribution, low-high) and its source; "
            "`alk5 info` prints the same table.\n\n" + parameter_table(blocks))


FAMILY_TITLES = {"canonical": "Canonical and non-canonical signalling (B, default table, full network)",
                 "fibrosis": "Fibroblasts (F, fibroblast context)", "cytostasis": "Epithelial growth arrest (C)",
                 "emt": "Epithelial-mesenchymal transition (M)", "endothelial": "Endothelial ALK1/ALK5 (E)"}


def _band(low, high, unit) -> str:
    has_low, has_high = low == low, high == high          # nan: open on that side
    text = f"{low:g}-{high:g}" if has_low and has_high else f">= {low:g}" if has_low else f"<= {high:g}"
    return f"{text} {unit}".strip()


def behaviours_page() -> str:
    """Every behaviour from the tables the engine judges with (data/behaviours/): the target as written
    before simulation, each quantity's band, the tag and the source; the model's values and verdicts from
    the last ``make figures`` (figures/validation.csv)."""
    import pandas as pd
    from alk5_pysb.analysis.checks import FAMILIES, band_table, behaviour_table
    behaviours, bands = behaviour_table(), band_table()
    results_file = ROOT / "figures" / "validation.csv"
    results = pd.read_csv(results_file).set_index("id") if results_file.is_file() else pd.DataFrame()
    lines = ["# Behaviour targets\n",
             "The literature behaviours as data: `src/alk5_pysb/data/behaviours/<family>.csv` (behaviour, target, "
             "tag, source) and `<family>_bands.csv` (one band per measured quantity). A check simulates its "
             "protocol and computes the quantities; one engine (`alk5_pysb.analysis.checks.judged`) passes a "
             "behaviour when every quantity is inside its band and sums each quantity's miss into the margin "
             "that the ensembles use. Model and verdict: the last `make figures`.\n"]
    for family in FAMILIES:
        rows = behaviours[behaviours["family"] == family]
        if rows.empty:
            continue
        lines += [f"## {FAMILY_TITLES[family]}\n", "| # | behaviour | target | bands | model | verdict | tag | source |",
                  "|---|---|---|---|---|---|---|---|"]
        for check_id, r in rows.iterrows():
            own = bands[bands["id"] == check_id]
            band_text = "<br>".join(f"`{b.quantity}` {_band(b.low, b.high, b.unit)}"
                                    + (f" (or-set {b.alternative.replace(':', ', option ')})" if b.alternative else "")
                                    for b in own.itertuples())
            model = results.loc[check_id, "model"] if check_id in results.index else "(not run)"
            verdict = ("PASS" if results.loc[check_id, "passed"] else "FAIL") if check_id in results.index else ""
            lines.append(f"| {check_id} | {_cell(r['behaviour'])} | {_cell(r['target'])} | {band_text} | "
                         f"{_cell(model)} | {verdict} | {_cell(r['tag'])} | {_cell(r['source'])} |")
        lines.append("")
    return "\n".join(lines)


def readouts_page() -> str:
    from alk5_pysb.simulation.simulator import readout_table
    table = readout_table()
    lines = ["# Readouts\n", "`network` says which network carries a readout (`any`: all of them).\n",
             "| readout | unit | network | description |", "|---|---|---|---|"]
    lines += [f"| `{name}` | {_cell(r['unit'])} | {_cell(r['network'])} | {_cell(r['description'])} |"
              for name, r in table.iterrows()]
    return "\n".join(lines) + "\n"


def contexts_page() -> str:
    from alk5_pysb.io import contexts
    lines = ["# Context list\n", "The shipped cell contexts (`--context NAME`), their networks and sources.\n"]
    for name in contexts.names():
        meta = contexts.metadata(name)
        values = contexts.load(name)
        lines += [f"## {name}\n", f"{meta.get('description', '')}\n", f"- network: `{meta.get('network', 'auto')}`",
                  f"- cell type: {meta.get('cell_type', '')}", f"- values changed from the default table: "
                  f"{len(values)}", "- sources: " + "; ".join(meta.get("sources", [])) + "\n"]
    return "\n".join(lines) + "\n"


def cli_page() -> str:
    from alk5_pysb.cli import build_parser
    parser = build_parser()
    lines = ["# Command-line reference\n", "Every `alk5` subcommand's `--help`, generated from the parser.\n",
             "```text", parser.format_help().rstrip(), "```\n"]
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for name, child in sub.choices.items():
        lines += [f"## alk5 {name}\n", "```text", child.format_help().rstrip(), "```\n"]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "generated"))
    args = parser.parse_args(argv)
    out = Path(args.out)
    if out.exists():
        shutil.rmtree(out)
    (out / "model").mkdir(parents=True)
    for module, (title, blocks) in MODULES.items():
        (out / "model" / f"{module}.md").write_text(module_page(module, title, blocks), encoding="utf-8")
    (out / "readouts.md").write_text(readouts_page(), encoding="utf-8")
    (out / "contexts.md").write_text(contexts_page(), encoding="utf-8")
    (out / "cli_reference.md").write_text(cli_page(), encoding="utf-8")
    (out / "behaviour_targets.md").write_text(behaviours_page(), encoding="utf-8")
    validation = (ROOT / "figures" / "validation.md").read_text(encoding="utf-8")
    (out / "validation_table.md").write_text(validation.replace("# Validation checks", "# Validation table", 1),
                                             encoding="utf-8")
    shutil.copytree(ROOT / "figures", out / "figures", ignore=shutil.ignore_patterns("*.csv", "*.json", "*.md", "*.svg"))
    print(f"documentation pages -> {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
