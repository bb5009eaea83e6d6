"""`alk5 info`, `alk5 export` and `alk5 export-all`: what the model is and its files."""
from __future__ import annotations

import json
from pathlib import Path

from alk5_pysb.errors import UserInputError
from alk5_pysb.io.files import atomic_write


EXPORT_FORMATS = {"sbml": "alk5.sbml", "sbml-rest": "alk5_rest.sbml", "antimony": "alk5.ant", "bngl": "alk5.bngl",
                  "net": "alk5.net", "sedml": "alk5_experiments.sedml", "omex": "alk5.omex"}


def compound_info(name: str) -> str:
    """Every recorded value of one compound (potency.csv) and what the model makes of them."""
    import math as _math
    from alk5_pysb.pharmacology.compounds import get_compound, library, potency_table, simulable_compounds
    lib = library()
    lower = {n.lower(): n for n in lib.index}
    if name.lower() not in lower:
        raise UserInputError(f"unknown compound {name!r}: valid compounds are {', '.join(lib.index)}")
    compound_name = lower[name.lower()]
    rows = potency_table()[potency_table()["compound"] == compound_name]
    lines = [f"{compound_name} ({lib.loc[compound_name, 'synonyms']})"]
    for _, r in rows.iterrows():
        atp = f", ATP {r['atp_uM']} uM" if r["atp_uM"] else ""
        where = f", {r['cell_line']}" if r["cell_line"] else ""
        when = f", {r['time']}" if r["time"] else ""
        lines.append(f"  {r['target']:5s} {r['role']:9s} {r['measure']:4s} {float(r['value_nM']):>8.4g} nM  "
                     f"{r['assay_class']}: {r['readout']}{where}{atp}{when}; {r['source']} [verified: {r['verified']}]")
    if compound_name in simulable_compounds():
        c = get_compound(compound_name)
        tbrii = f"; TbetaRII cellular Kd {c.kd_tbrii_cell_nM:.4g} nM" if _math.isfinite(c.tbrii_ic50_nM) else \
            "; no TbetaRII activity recorded"
        lines.append(f"  model: Ki {c.ki_nM:.4g} nM -> Kd vs cellular ATP {c.kd_atp_nM:.4g} nM x residual "
                     f"{c.r:.3g} = cellular Kd {c.kd_cell_nM:.4g} nM; kon {c.kon:g} /nM/min, residence "
                     f"{c.residence_time_min:.3g} min{tbrii}")
    else:
        lines.append("  model: not simulated (no cell-free ALK5 potency)")
    lines.append("  ALK4/ALK7 values are reported only: the model has no activin/nodal arm")
    return "\n".join(lines)


def cmd_info(args):
    if args.compound:
        print(compound_info(args.compound))
        return 0
    from alk5_pysb.io.locations import MANIFEST_FILE, models_dir
    from alk5_pysb.model.parameters import default_table
    from alk5_pysb.simulation.simulator import readout_table
    manifest_path = models_dir(args.models) / MANIFEST_FILE
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.is_file() else {}
    table = default_table().frame
    readouts = readout_table()
    if args.json:
        print(json.dumps({
            "network": manifest,
            "readouts": readouts.reset_index().to_dict("records"),
            "parameters": table.reset_index()[["name", "value", "unit", "block", "evidence", "cell_type", "source",
                                               "distribution", "low", "high", "tied_to", "range_reason"]].to_dict("records"),
        }, indent=2))
        return 0
    print(f"alk5-pysb model: {manifest.get('species', '?')} species, {manifest.get('reactions', '?')} reactions, "
          f"{manifest.get('rules', '?')} rules, {len(table)} parameters (exports in {manifest_path.parent})")
    lean = manifest.get("tgfb1_network")
    if lean:
        print(f"lean TGF-beta1-only network for scans ({lean['file']}): {lean['species']} species, "
              f"{lean['reactions']} reactions")
    from alk5_pysb.io.experiment_files import load, standard_experiments
    print("\nShipped experiment files (alk5 run NAME):")
    for name in sorted(standard_experiments()):
        print(f"  {name:28s} {load(name).description}")
    from alk5_pysb.io import contexts
    print("\nCell contexts (--context NAME; hepatocyte fitted by `alk5 calibrate hepatocyte`):")
    for name in contexts.names():
        print(f"  {contexts.describe(name)}")
    print("\nReadouts:")
    for name, row in readouts.iterrows():
        print(f"  {name:18s} [{row['unit']}]  {row['description']}")
    from alk5_pysb.model.parameters import evidence_counts
    print("\nEvidence per block (measured | model | derived | fitted | assumed):")
    for line in evidence_counts(default_table()).to_string().splitlines():
        print(f"  {line}")
    print("\nParameters:")
    from alk5_pysb.simulation.simulator import INERT_PARAMETERS
    for name, row in table.iterrows():
        note = " [inert here: set by the protocol or annotation only]" if name in INERT_PARAMETERS else ""
        spread = "" if row["distribution"] == "point" else \
            f" [{row['distribution']} {float(row['low']):.3g}-{float(row['high']):.3g}]"
        print(f"  {name:28s} {row['value']:<12.6g} {row['unit']:20s} {row['evidence']:10s}{spread} "
              f"{row['source'][:90]}{note}")
    return 0


def cmd_export(args):
    from alk5_pysb.io.export import exports_current, render_all
    from alk5_pysb.io.locations import models_dir
    path = Path(args.output)
    if path.exists() and not args.force:
        raise UserInputError(f"{path} exists: use --force to overwrite")
    models = models_dir(args.models)
    name = EXPORT_FORMATS[args.format]
    if exports_current(models):
        text = (models / name).read_bytes() if name.endswith(".omex") else (models / name).read_text(encoding="utf-8")
    else:
        text = render_all()[name]
    atomic_write(path, text)
    print(f"wrote {args.format} to {path}")
    return 0


def cmd_export_all(args):
    from alk5_pysb.io.export import export_all
    from alk5_pysb.io.locations import user_models
    outdir = Path(args.outdir) if args.outdir else user_models()
    wrote = export_all(outdir, force=args.force)
    print(f"exports in {outdir} {'regenerated' if wrote else 'are current (source hash unchanged)'}"
          + ("" if args.outdir else f"; use them with --models {outdir}"))
    return 0



def add_commands(sub):
    """The subcommands of this group."""
    s = sub.add_parser("info", help="network size, readouts with units, parameters with units and sources")
    s.add_argument("--json", action="store_true")
    s.add_argument("--compound", help="print one compound's recorded potencies (ALK5, TbetaRII, ALK4, ALK7) with "
                   "assay, source and verified flag, and its model affinity")
    s.add_argument("--models", metavar="DIR", help="exports folder (default: the shipped exports or $ALK5_MODELS)")
    s.set_defaults(func=cmd_info)

    s = sub.add_parser("export", help="write one export (sbml, sbml-rest, antimony, bngl, net, sedml, omex)")
    s.add_argument("--format", required=True, choices=sorted(EXPORT_FORMATS))
    s.add_argument("-o", "--output", required=True)
    s.add_argument("--models", metavar="DIR", help="exports folder to copy from when current (default: shipped)")
    s.add_argument("--force", action="store_true", help="overwrite an existing file")
    s.set_defaults(func=cmd_export)

    s = sub.add_parser("export-all", help="regenerate every export into a folder (skipped when current; "
                       "needs the [build] extra)")
    s.add_argument("outdir", nargs="?", help="folder (default: the user cache, printed; pass it to --models)")
    s.add_argument("--force", action="store_true")
    s.set_defaults(func=cmd_export_all)
