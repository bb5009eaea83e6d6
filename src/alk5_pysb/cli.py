"""The ``alk5`` command: info, export, export-all, simulate, validate.

User errors (unknown names, bad numbers or units, bad times) print one line and exit 2;
a solver failure prints the condition that failed and exits 1.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .files import atomic_write
from .units import UserInputError, format_concentration, parse_concentration, parse_duration

EXPORT_FORMATS = {"sbml": "alk5.sbml", "bngl": "alk5.bngl", "net": "alk5.net"}


class _Parser(argparse.ArgumentParser):
    def error(self, message):   # one line, exit 2 (argparse's own contract)
        self.exit(2, f"{self.prog}: error: {message}\n")


def _pairs(items, what):
    out = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise UserInputError(f"--{what} {item!r}: expected NAME=NUMBER (the number in the parameter's unit, see `alk5 info`)")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            raise UserInputError(f"--{what} {item!r}: {value!r} is not a number (expected NAME=NUMBER)") from None
    return out


# -- commands --------------------------------------------------------------------------------
def cmd_info(args):
    from .export import MANIFEST_FILE
    from .parameters import default_table
    from .simulate import default_sbml_path, readout_table
    manifest_path = default_sbml_path().parent / MANIFEST_FILE
    manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
    table = default_table().frame
    readouts = readout_table()
    if args.json:
        print(json.dumps({
            "network": manifest,
            "readouts": readouts.reset_index().to_dict("records"),
            "parameters": table.reset_index()[["name", "value", "unit", "block", "evidence", "source"]].to_dict("records"),
        }, indent=2))
        return 0
    print(f"alk5-pysb model: {manifest.get('species', '?')} species, {manifest.get('reactions', '?')} reactions, "
          f"{manifest.get('rules', '?')} rules, {len(table)} parameters (exports in {manifest_path.parent})")
    print("\nReadouts:")
    for name, row in readouts.iterrows():
        print(f"  {name:18s} [{row['unit']}]  {row['description']}")
    print("\nParameters:")
    for name, row in table.iterrows():
        print(f"  {name:28s} {row['value']:<12.6g} {row['unit']:20s} {row['evidence']:10s} {row['source'][:90]}")
    return 0


def cmd_export(args):
    from .export import export_all, exports_current, render_all
    from .simulate import default_sbml_path
    path = Path(args.output)
    if path.exists() and not args.force:
        raise UserInputError(f"{path} exists: use --force to overwrite")
    models = default_sbml_path().parent
    name = EXPORT_FORMATS[args.format]
    text = (models / name).read_text() if exports_current(models) else render_all()[name]
    atomic_write(path, text)
    print(f"wrote {args.format} to {path}")
    return 0


def cmd_export_all(args):
    from .export import export_all
    wrote = export_all(args.outdir, force=args.force)
    print(f"exports in {args.outdir} {'regenerated' if wrote else 'are current (source hash unchanged)'}")
    return 0


def _protocol(args):
    from .simulate import Protocol
    dose = parse_concentration(args.dose, to="pM", what="--dose")
    t_end = parse_duration(args.t_end, what="--t-end", allow_zero=False)
    inhibitor = parse_concentration(args.inhibitor_dose, to="nM", molar_mass_kDa=None, what="--inhibitor-dose") if args.inhibitor_dose else 0.0
    trap = parse_concentration(args.trap, to="nM", molar_mass_kDa=None, what="--trap") if args.trap else 0.0
    opt = lambda text, what: parse_duration(text, what=what) if text else None
    pretreat = opt(args.pretreat, "--pretreat") or 0.0
    if (args.pretreat or args.inhibitor_at) and not args.inhibitor_dose:
        raise UserInputError("--pretreat/--inhibitor-at need --inhibitor-dose")
    return Protocol(ligand=args.ligand, dose_pM=dose, t_end_min=t_end, inhibitor_nM=inhibitor, pretreat_min=pretreat,
                    inhibitor_at_min=opt(args.inhibitor_at, "--inhibitor-at"),
                    inhibitor_washout_min=opt(args.inhibitor_washout, "--inhibitor-washout"),
                    washout_min=opt(args.washout, "--washout"), trap_nM=trap, n_points=args.points)


def cmd_simulate(args):
    from .names import LIGANDS
    if args.ligand not in LIGANDS:
        raise UserInputError(f"unknown ligand {args.ligand!r}: valid ligands are {', '.join(LIGANDS)}")
    protocol = _protocol(args)
    protocol.check()
    from .simulate import default_readouts, shared_simulator
    readouts = [r.strip() for r in args.readouts.split(",") if r.strip()] if args.readouts else default_readouts()
    sim = shared_simulator()
    sim.check_readouts(readouts)
    params = sim.resolve_parameters(_pairs(args.set, "set"), _pairs(args.scale, "scale"))
    frame = sim.run(protocol, readouts=readouts, params=params)
    text = frame.to_csv(index=False, float_format="%.6g")
    if args.output:
        atomic_write(Path(args.output), text)
        summary = ", ".join(f"{r} max {frame[r].max():.4g}" for r in readouts[:4])
        print(f"{args.ligand} {format_concentration(protocol.dose_pM)}, {protocol.t_end_min:g} min: "
              f"{len(frame)} rows x {len(readouts)} readouts -> {args.output} ({summary})")
    else:
        sys.stdout.write(text)
    return 0


def cmd_validate(args):
    from .simulate import shared_simulator
    from .validation import run_checks, to_markdown
    table = run_checks(shared_simulator())
    print(to_markdown(table))
    if args.output:
        atomic_write(Path(args.output), table.to_csv(index=False))
    passed = int(table["passed"].sum())
    print(f"{passed}/{len(table)} behaviours pass")
    return 0


def build_parser():
    p = _Parser(prog="alk5", description="Rule-based ALK5 (TGF-beta type I receptor) model: export and simulate.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    s = sub.add_parser("info", help="network size, readouts with units, parameters with units and sources")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_info)

    s = sub.add_parser("export", help="write one export (sbml, bngl or net)")
    s.add_argument("--format", required=True, choices=sorted(EXPORT_FORMATS))
    s.add_argument("-o", "--output", required=True)
    s.add_argument("--force", action="store_true", help="overwrite an existing file")
    s.set_defaults(func=cmd_export)

    s = sub.add_parser("export-all", help="regenerate every export into a folder (skipped when current)")
    s.add_argument("outdir")
    s.add_argument("--force", action="store_true")
    s.set_defaults(func=cmd_export_all)

    s = sub.add_parser("simulate", help="one time course; CSV with time_min and readouts")
    s.add_argument("--ligand", default="TGFB1", help="TGFB1, TGFB2, TGFB3 or GDF11")
    s.add_argument("--dose", required=True, help="ligand dose: 100pM, 0.1nM, 2.5ng/mL (TGF-beta dimer 25 kDa)")
    s.add_argument("--t-end", default="24h", help="simulated time after ligand addition (24h, 90min)")
    s.add_argument("--inhibitor-dose", help="ALK5 kinase inhibitor concentration (1uM, 300nM)")
    s.add_argument("--pretreat", help="inhibitor added this long before the ligand (60min)")
    s.add_argument("--inhibitor-at", help="inhibitor added this long after the ligand (45min)")
    s.add_argument("--inhibitor-washout", help="inhibitor removed at this time after the ligand")
    s.add_argument("--washout", help="ligand washout (medium change) at this time after addition (30s: a pulse)")
    s.add_argument("--trap", help="ligand-trap antibody added with the ligand (10nM)")
    s.add_argument("--set", action="append", metavar="NAME=VALUE", help="set a parameter (table unit); repeatable")
    s.add_argument("--scale", action="append", metavar="NAME=FACTOR", help="scale a parameter (0.1 = knock-down)")
    s.add_argument("--readouts", help="comma-separated readouts (default: all standard readouts)")
    s.add_argument("--points", type=int, default=241, help="output time points (default 241)")
    s.add_argument("-o", "--output", help="CSV file (default: stdout)")
    s.set_defaults(func=cmd_simulate)

    s = sub.add_parser("validate", help="literature behaviours B1-B8: behaviour | target | model | pass")
    s.add_argument("-o", "--output", help="CSV of the table")
    s.set_defaults(func=cmd_validate)
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except UserInputError as err:
        print(f"alk5: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("alk5: interrupted", file=sys.stderr)
        return 130
    except Exception as err:   # solver failures and missing exports: one line, no traceback
        from .simulate import SimulationError
        if isinstance(err, (SimulationError, FileNotFoundError)):
            print(f"alk5: error: {err}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
