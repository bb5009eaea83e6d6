"""`alk5 dose-response`, `alk5 sensitivity` and `alk5 population`: scans over doses, constants and cells."""
from __future__ import annotations

import numpy as np
import sys
from pathlib import Path

from alk5_pysb.cli.common import (
    checked_ligand, context_option, context_values, engine_options, engine_settings, ensemble_members,
    ensemble_options, fits_path, name_list, param_options, prepare_output, scan_options, scan_params, set_names,
    simulator, write_fits)
from alk5_pysb.errors import UserInputError
from alk5_pysb.io.files import atomic_write
from alk5_pysb.io.units import format_concentration, parse_concentration, parse_duration


def run_dose_response(sim, experiment, doses_text, out, resume=False, engine=None, members=None):
    from alk5_pysb.analysis.dose_response import dose_response
    from alk5_pysb.io.units import parse_dose_grid
    doses = parse_dose_grid(doses_text, to="pM", what="--doses")
    sim.check_readouts(experiment.readouts)
    data, fits = dose_response(sim, experiment, doses, out=out, resume=resume, engine=engine, members=members)
    print(f"{experiment.ligand} dose-response: {len(doses)} doses x {len(experiment.readouts)} readouts x "
          f"{len(experiment.metrics)} metrics -> {out} (fits: {fits_path(out)})")
    write_fits(out, fits, "EC50", "pM")
    return data, fits


def cmd_dose_response(args):
    out = prepare_output(args.output, args.resume, args.force)
    sim = simulator(args, [checked_ligand(args.ligand)], set_names(args))
    params = scan_params(sim, args)
    from alk5_pysb.simulation.experiment import Experiment
    from alk5_pysb.simulation.metrics import parse_metrics
    experiment = Experiment(ligand=args.ligand, readouts=name_list(args.readouts), metrics=parse_metrics(args.metric),
                            params=params)
    members = ensemble_members(args, sim)
    run_dose_response(sim, experiment, args.doses, out, args.resume, engine_settings(args), members)
    args.provenance, args.outputs = (sim, params), [out, fits_path(out)]
    return 0


def _engine_experiment(args, readouts):
    from alk5_pysb.pharmacology.compounds import get_compound
    from alk5_pysb.simulation.experiment import Experiment
    from alk5_pysb.simulation.metrics import parse_metrics
    compound = get_compound(args.compound, getattr(args, "ki", None)) if getattr(args, "compound", None) or \
        getattr(args, "ki", None) else None
    return Experiment(readouts=readouts, metrics=parse_metrics(args.metric), ligand=checked_ligand(args.ligand),
                      dose_pM=parse_concentration(args.ligand_dose, to="pM", what="--ligand-dose"),
                      compound=compound, pretreat_min=parse_duration(args.pretreat, what="--pretreat"))


def cmd_sensitivity(args):
    from alk5_pysb.analysis.ensembles import sensitivity
    from alk5_pysb.analysis.plots import sobol_figure
    params = name_list(args.params)
    sim = simulator(args, [checked_ligand(args.ligand)], params)
    readouts = name_list(args.readouts)
    sim.check_readouts(readouts)
    exp = _engine_experiment(args, readouts)
    out = Path(args.output)
    engine = engine_settings(args)
    indices, _ = sensitivity(sim, exp, params, args.fold, args.samples, out, executor=engine.executor,
                             workers=engine.workers, scheduler=engine.scheduler, resume=args.resume)
    sobol_figure(indices, out / "sobol_indices", f"Sobol indices, parameters x/÷{args.fold:g}, "
                 f"{args.ligand} {args.ligand_dose}")
    from alk5_pysb.analysis.ensembles import readability
    for output, grp in indices.groupby("output", sort=False):
        top = grp.sort_values("ST", ascending=False).head(3)
        print(f"{output}: " + ", ".join(f"{r.parameter} ST {r.ST:.2f}±{r.ST_conf:.2f} (S1 {r.S1:.2f}±{r.S1_conf:.2f})"
                                        for r in top.itertuples()))
    for line in readability(indices, args.samples):
        print(f"warning: {line}", file=sys.stderr)
    print(f"-> {out / 'sobol_indices.csv'}, {out / 'sobol_indices.png'}")
    args.provenance, args.outputs = (sim, {}), [out]
    return 0


def _fed(exp, every_text):
    """The experiment with its medium (and ligand) renewed every ``every_text`` over its metrics' window."""
    import dataclasses
    from alk5_pysb.simulation.experiment import feeding
    every = parse_duration(every_text, what="--feed-every", allow_zero=False)
    if every <= 1.0:
        raise UserInputError(f"--feed-every {every_text!r}: expected more than 1 min")
    return dataclasses.replace(exp, **feeding(exp.t_end_min, every))


def _ligand_population(args, sim, exp, params, out, engine):
    from alk5_pysb.analysis.ensembles import parse_responder, population_table, responder_fractions
    from alk5_pysb.analysis.plots import ligand_population_figure
    from alk5_pysb.io.units import parse_dose_grid
    from alk5_pysb.simulation.engine import run_scan
    doses = parse_dose_grid(args.ligand_doses, to="pM", what="--ligand-doses")
    responders = [parse_responder(r, exp.columns()) for r in args.responder]
    table = population_table(sim, args.cells, args.cv, params, [], seed=args.seed, ligand_doses_pM=doses,
                             base=exp.params)
    results = run_scan(sim, exp, table, out, executor=engine.executor, workers=engine.workers,
                       scheduler=engine.scheduler, resume=args.resume)
    atomic_write(out / "cells.csv", results.drop(columns=["condition_id"], errors="ignore").to_csv(
        index=False, float_format="%.5g"))
    fractions = responder_fractions(results, exp.columns(), responders)
    atomic_write(out / "fractions.csv", fractions.to_csv(index=False, float_format="%.5g"))
    ligand_population_figure(results, fractions, exp.columns(), out / "population",
                             f"{args.cells} cells, CV {args.cv:g} on {len(params)} protein levels; {args.ligand}"
                             + (f", fed every {args.feed_every}" if args.feed_every else ""))
    for _, row in fractions.iterrows():
        parts = [f"{c}: median {row[f'{c} median']:.3g} (bimodality {row[f'{c} bimodality']:.2f})" for c in exp.columns()]
        parts += [f"{k} {100 * v:.0f}%" for k, v in row.items() if str(k).startswith("fraction ")]
        print(f"{format_concentration(row['ligand_dose_pM'])}: " + "; ".join(parts))
    print(f"-> {out / 'fractions.csv'}, {out / 'cells.csv'}, {out / 'population.png'}")
    args.provenance, args.outputs = (sim, {}), [out]
    return 0


def cmd_population(args):
    from alk5_pysb.analysis.ensembles import POPULATION_DEFAULTS, population, population_table
    from alk5_pysb.analysis.plots import population_figure
    from alk5_pysb.io.units import parse_dose_grid
    params = name_list(args.params) or list(POPULATION_DEFAULTS)
    values = context_values(args)
    sim = simulator(args, [checked_ligand(args.ligand)], [*params, *values])
    readouts = name_list(args.readouts)
    sim.check_readouts(readouts)
    exp = _engine_experiment(args, readouts)
    exp.params = dict(values)                 # the context's values under every cell's own protein levels
    if args.feed_every:
        exp = _fed(exp, args.feed_every)
    out = Path(args.output)
    engine = engine_settings(args)
    if args.ligand_doses:
        if args.doses or args.compound or args.ki:
            raise UserInputError("--ligand-doses gives each cell a range of ligand doses: leave out --doses, "
                                 "--compound and --ki (inhibitor IC50s are the other mode)")
        return _ligand_population(args, sim, exp, params, out, engine)
    if args.responder:
        raise UserInputError("--responder needs --ligand-doses (fractions of responding cells per dose)")
    doses = parse_dose_grid(args.doses, to="nM", molar_mass_kDa=None, what="--doses") if args.doses else []
    table = population_table(sim, args.cells, args.cv, params, doses, seed=args.seed, base=exp.params)
    summary, _ = population(sim, exp, table, out, executor=engine.executor, workers=engine.workers,
                            scheduler=engine.scheduler, resume=args.resume)
    population_figure(summary, exp.columns(), out / "population", f"{args.cells} cells, CV {args.cv:g} on "
                      f"{len(params)} protein levels; {args.ligand} {args.ligand_dose}"
                      + (f", {exp.compound.name}" if exp.compound else ""))
    for column in exp.columns():
        values = summary[column]
        line = f"{column}: median {values.median():.4g}, 5-95% {values.quantile(0.05):.4g}-{values.quantile(0.95):.4g}"
        ic50 = summary.get(f"IC50_nM {column}")
        if ic50 is not None:
            line += f"; IC50 median {np.nanmedian(ic50):.3g} nM ({int(np.isfinite(ic50).sum())}/{len(ic50)} cells)"
        print(line)
    print(f"-> {out / 'cells.csv'}, {out / 'population.png'}")
    args.provenance, args.outputs = (sim, {}), [out]
    return 0



def add_commands(sub):
    """The subcommands of this group."""
    from alk5_pysb.analysis.ensembles import SENSITIVITY_DEFAULTS
    s = sub.add_parser("dose-response", help="ligand dose-response with Hill fits (EC50, CI, Hill, bottom, top)")
    s.add_argument("--ligand", default="TGFB1")
    s.add_argument("--doses", default="0.1pM:10nM:25", help="log grid START:STOP:N or a list (1pM,10pM)")
    s.add_argument("--readouts", "--readout", dest="readouts", default="pSmad2", help="readout(s), comma-separated")
    s.add_argument("--metric", default="at:45min",
                   help="peak, time_to_peak, auc:0-4h, at:45min, at:8h, steady_state (comma-separated)")
    param_options(s)
    ensemble_options(s)
    scan_options(s, "dose-response")
    s.set_defaults(func=cmd_dose_response)

    s = sub.add_parser("sensitivity", help="global Sobol indices (first order, total) of readout metrics")
    s.add_argument("--readouts", default="pSmad2")
    s.add_argument("--metric", default="at:45min,at:8h")
    s.add_argument("--params", default=",".join(SENSITIVITY_DEFAULTS))
    s.add_argument("--fold", type=float, default=10.0, help="each parameter from value/fold to value*fold (log-uniform)")
    s.add_argument("--samples", type=int, default=64, help="Sobol base samples N (N*(D+2) simulations)")
    s.add_argument("--ligand", default="TGFB1")
    s.add_argument("--ligand-dose", default="100pM")
    s.add_argument("--pretreat", default="0min")
    s.add_argument("-o", "--output", default="results/sensitivity")
    engine_options(s)
    s.set_defaults(func=cmd_sensitivity, compound=None)

    s = sub.add_parser("population", help="virtual population: log-normal protein levels, response and IC50 per cell")
    s.add_argument("--cells", type=int, default=200)
    s.add_argument("--cv", type=float, default=0.3, help="cell-to-cell coefficient of variation of protein levels")
    s.add_argument("--params", help="parameters that vary (default: receptor, Smad, Smurf2, PPM1A levels, Smad7 basal)")
    s.add_argument("--readouts", default="pSmad2")
    s.add_argument("--metric", default="at:45min")
    s.add_argument("--compound", help="inhibitor for per-cell IC50s (library name)")
    s.add_argument("--ki", help="or a biochemical potency for your own compound")
    s.add_argument("--doses", help="inhibitor doses for per-cell IC50s (e.g. 10nM:100uM:8)")
    s.add_argument("--pretreat", default="60min")
    s.add_argument("--ligand", default="TGFB1")
    s.add_argument("--ligand-dose", default="100pM")
    s.add_argument("--ligand-doses", help="ligand doses instead of inhibitor doses (e.g. 3pM:300pM:7): each cell at "
                   "each dose, for the fraction of cells that respond")
    s.add_argument("--feed-every", help="renew the medium with ligand this often (e.g. 48h) for multi-day metrics")
    s.add_argument("--responder", action="append", default=[], help="a cell responds when READOUT>=VALUE or "
                   "READOUT<=VALUE (e.g. EMT_index>=0.5); repeat for several; with --ligand-doses")
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("-o", "--output", default="results/population")
    context_option(s)
    engine_options(s)
    s.set_defaults(func=cmd_population)
