"""`alk5 simulate` (one time course, or its band over an ensemble) and `alk5 run`/`alk5 scan` (experiment files)."""
from __future__ import annotations

import sys
from pathlib import Path

from alk5_pysb.cli.common import (
    band_text, checked_ligand, context_option, context_values, engine_settings, ensemble_members, ensemble_options,
    executor_options, model_options, name_list, pairs, param_options, print_bands, print_fits, set_names, simulator)
from alk5_pysb.errors import UserInputError
from alk5_pysb.io.files import atomic_write
from alk5_pysb.io.units import format_concentration, parse_concentration, parse_duration


def _experiment(args):
    """The experiment of `alk5 simulate` from its options."""
    from alk5_pysb.simulation.experiment import Experiment
    dose = parse_concentration(args.dose, to="pM", what="--dose")
    t_end = parse_duration(args.t_end, what="--t-end", allow_zero=False)
    inhibitor = parse_concentration(args.inhibitor_dose, to="nM", molar_mass_kDa=None, what="--inhibitor-dose") if args.inhibitor_dose else 0.0
    trap = parse_concentration(args.trap, to="nM", molar_mass_kDa=None, what="--trap") if args.trap else 0.0
    opt = lambda text, what: parse_duration(text, what=what) if text else None
    pretreat = opt(args.pretreat, "--pretreat") or 0.0
    if (args.pretreat or args.inhibitor_at or args.inhibitor_washout) and not args.inhibitor_dose:
        raise UserInputError("--pretreat/--inhibitor-at/--inhibitor-washout need --inhibitor-dose")
    return Experiment(ligand=args.ligand, dose_pM=dose, t_end_min=t_end, inhibitor_nM=inhibitor, pretreat_min=pretreat,
                    inhibitor_at_min=opt(args.inhibitor_at, "--inhibitor-at"),
                    inhibitor_washout_min=opt(args.inhibitor_washout, "--inhibitor-washout"),
                    washout_min=opt(args.washout, "--washout"), trap_nM=trap, n_points=args.points)


def cmd_simulate(args):
    from alk5_pysb.model.names import ALL_LIGANDS
    if args.ligand not in ALL_LIGANDS:
        raise UserInputError(f"unknown ligand {args.ligand!r}: valid ligands are {', '.join(ALL_LIGANDS)}")
    max_points = 100_000
    if not 2 <= args.points <= max_points:
        raise UserInputError(f"--points must be between 2 and {max_points} (got {args.points}): output time points "
                             "of one time course")
    if args.output and Path(args.output).is_dir():
        raise UserInputError(f"-o {args.output} is a folder: give a file name, e.g. {Path(args.output) / 'timecourse.csv'}")
    protocol = _experiment(args)
    protocol.check()
    sim = simulator(args, [protocol.ligand], [*set_names(args)], quiet=True)
    readouts = name_list(args.readouts) or sim.readouts()
    sim.check_readouts(readouts)
    params = sim.resolve_parameters(pairs(args.set, "set"), pairs(args.scale, "scale"), context_values(args))
    if args.ensemble:
        return _simulate_ensemble(args, sim, protocol, readouts, params)
    frame = sim.run(protocol, readouts=readouts, params=params)
    text = frame.to_csv(index=False, float_format="%.6g")
    args.provenance = (sim, params)
    if args.output:
        atomic_write(Path(args.output), text)
        args.outputs = [args.output]
        # the true maxima: every solver step, not only the output grid
        dense = sim.run(protocol, readouts=readouts[:4], params=params, dense=True)
        dense = dense[dense["time_min"] >= 0]
        summary = ", ".join(f"{r} peak {dense[r].max():.4g} at {dense['time_min'].iloc[dense[r].argmax()]:.4g} min"
                            for r in readouts[:4])
        print(f"{args.ligand} {format_concentration(protocol.dose_pM)}, {protocol.t_end_min:g} min: "
              f"{len(frame)} rows x {len(readouts)} readouts -> {args.output} ({summary})")
    else:
        sys.stdout.write(text)
    return 0


def _simulate_ensemble(args, sim, protocol, readouts, params):
    import dataclasses
    from alk5_pysb.analysis import uncertainty
    if not args.output:
        raise UserInputError("--ensemble needs -o FILE (the bands go there, every member to <name>.members.csv)")
    members = ensemble_members(args, sim)
    protocol = dataclasses.replace(protocol, params={**protocol.params, **params})
    out = Path(args.output)
    _, long, member_file = uncertainty.write_time_courses(sim, protocol, members, readouts, out)
    failed = long.loc[long["error"] != "", ["member", "error"]]
    summary = {"ensemble": args.ensemble, "seed": args.seed, "members": int(len(members)),
               "failed": int(len(failed)), "failures": failed.to_dict("records"), "band": list(uncertainty.BAND)}
    ok = long[long["error"] == ""]
    peaks = ok[ok["time_min"] >= 0].groupby("member")[readouts].max()
    summary["peak"] = {r: uncertainty.band(peaks[r]) for r in readouts}
    uncertainty.write_summary(out.with_name(out.stem + ".ensemble.json"), summary)
    args.provenance, args.outputs = (sim, params), [out, member_file]
    print(f"{protocol.describe()}: {len(members)} members ({len(failed)} failed) -> {out} (medians and bands), "
          f"{member_file} (every member)")
    for r in readouts[:6]:
        print(f"  {r:18s} peak {band_text(summary['peak'][r], '')}")
    return 0


def cmd_run(args):
    """`alk5 run FILE|NAME` and `alk5 scan FILE`: one runner for every experiment file."""
    import time
    from alk5_pysb.analysis.runner import run_file
    from alk5_pysb.io.experiment_files import load
    from alk5_pysb.model.parameters import default_table
    spec = load(args.file, valid_parameters=list(default_table().frame.index))
    if args.func is cmd_scan and spec.scan is None:
        raise UserInputError(f"{spec.origin}: `alk5 scan` needs a [scan] table (use `alk5 run` for one experiment)")
    context = context_values(args)
    sim = simulator(args, [checked_ligand(spec.ligand)], [*spec.parameter_names(), *context])
    params = sim.resolve_parameters(spec.set, spec.scale, context)
    outdir = Path(args.output or f"results/{spec.name}")
    t0 = time.perf_counter()
    members = ensemble_members(args, sim)
    result = run_file(sim, spec, params, outdir, engine_settings(args), resume=args.resume, force=args.force,
                      allow_large=args.yes, chunk_size=args.chunk_size, members=members)
    wall = time.perf_counter() - t0
    args.provenance, args.outputs = (sim, params), result.outputs
    where = ", ".join(str(p / "results.parquet") if p.is_dir() else str(p) for p in result.outputs)
    print(f"{spec.name} ({result.kind}): {result.conditions} condition(s) ({result.failed} failed), {wall:.1f} s "
          f"-> {where}")
    if result.fits is not None:
        what = ("EC50", "pM") if result.kind == "dose-response" else ("IC50", "nM")
        (print_bands if members is not None else print_fits)(result.fits, *what)
    return 0


def cmd_scan(args):
    return cmd_run(args)



def add_commands(sub):
    """The subcommands of this group."""
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
    param_options(s)
    s.add_argument("--readouts", help="comma-separated readouts (default: all standard readouts)")
    s.add_argument("--points", type=int, default=241, help="output time points (default 241)")
    s.add_argument("-o", "--output", help="CSV file (default: stdout)")
    ensemble_options(s)
    model_options(s)
    s.set_defaults(func=cmd_simulate)

    for name, func, text in (("run", cmd_run, "run an experiment file (TOML) or a shipped one by name: a time course, "
                              "a dose-response, an inhibition or any scan"),
                             ("scan", cmd_scan, "run an experiment file with a [scan] table: grid, Latin hypercube, "
                              "Sobol or CSV designs")):
        s = sub.add_parser(name, help=text)
        s.add_argument("file", help="experiment file (TOML), or the name of a shipped one (listed by `alk5 info`)"
                       if name == "run" else "experiment file (TOML) with a [scan] table")
        s.add_argument("-o", "--output", help="results folder (default results/<experiment name>)")
        executor_options(s)
        s.add_argument("--chunk-size", type=int, help="conditions per chunk file (default: at least 4 chunks per "
                       "worker, at most 50 conditions)")
        s.add_argument("--resume", action="store_true", help="continue an interrupted run in the same folder")
        context_option(s)
        s.add_argument("--force", action="store_true", help="start again: remove the previous run's chunks and "
                       "results from the folder first")
        s.add_argument("--yes", action="store_true", help="run designs larger than the file's max_conditions")
        ensemble_options(s)
        s.set_defaults(func=func)
