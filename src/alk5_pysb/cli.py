"""The ``alk5`` command: info, export, export-all, simulate, dose-response, inhibition,
compare-compounds, run and scan (experiment files), validate, calibrate (PEtab problems).

User errors (unknown names, bad numbers or units, bad times) print one line and exit 2;
a solver failure prints the condition that failed and exits 1.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from alk5_pysb.io.files import atomic_write
from alk5_pysb.errors import UserInputError
from alk5_pysb.io.units import format_concentration, parse_concentration, parse_duration
from alk5_pysb.io.locations import EXTRA_NETWORKS, NETWORKS

EXPORT_FORMATS = {"sbml": "alk5.sbml", "sbml-rest": "alk5_rest.sbml", "antimony": "alk5.ant", "bngl": "alk5.bngl",
                  "net": "alk5.net", "sedml": "alk5_experiments.sedml", "omex": "alk5.omex"}


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


def _names(text) -> list[str]:
    """A comma-separated list of names (readouts, parameters); empty entries dropped."""
    return [name.strip() for name in (text or "").split(",") if name.strip()]


# -- commands --------------------------------------------------------------------------------
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
    sim = _simulator(args, [protocol.ligand], [*_set_names(args)], quiet=True)
    readouts = _names(args.readouts) or sim.readouts()
    sim.check_readouts(readouts)
    params = sim.resolve_parameters(_pairs(args.set, "set"), _pairs(args.scale, "scale"), _context(args))
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


def _members(args, sim=None):
    """--ensemble SPEC as members (None without it), with one line saying what they are."""
    spec = getattr(args, "ensemble", None)
    if not spec:
        return None
    from alk5_pysb.analysis import uncertainty
    from alk5_pysb.io.contexts import read_ranges
    table = uncertainty.prior(_context(args), read_ranges(getattr(args, "context", None)))
    if getattr(args, "context", None) and str(spec).isdigit():
        spec = f"prior:{spec}"     # the shipped ensemble is constrained for the default context only
    from alk5_pysb.io.contexts import network as context_network
    extra = context_network(getattr(args, "context", None)) == "fibrosis"    # the fibrosis block's constants too
    members, text = uncertainty.resolve(spec, seed=args.seed, table=table, extra=extra)
    if sim is not None:        # parameters a network does not have cannot act in it
        keep = [c for c in uncertainty.fold_columns(members) if c.split(":", 1)[1] in sim.table_parameters]
        members = members[["member", *keep]]
    print(f"ensemble: {text}; results as median and central 90% band (5th-95th percentile) over the members")
    return members


def _band_text(b, unit):
    failed = f", {b['n_failed']} failed" if b["n_failed"] else ""
    return f"{b['median']:.3g} {unit} (90% band {b['q05']:.3g}-{b['q95']:.3g}; {b['n']} members{failed})"


def _simulate_ensemble(args, sim, protocol, readouts, params):
    import dataclasses
    from alk5_pysb.analysis import uncertainty
    if not args.output:
        raise UserInputError("--ensemble needs -o FILE (the bands go there, every member to <name>.members.csv)")
    members = _members(args, sim)
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
        print(f"  {r:18s} peak {_band_text(summary['peak'][r], '')}")
    return 0


def _print_bands(bands, what, unit):
    """One line per EC50/IC50 band (uncertainty.fit_bands)."""
    for _, row in bands.iterrows():
        label = " ".join(str(row[c]) for c in ("compound", "readout", "metric") if c in row)
        print(f"  {label:40s} {what} {_band_text(row, unit)}")


def _write_fits(out: Path, fits, what: str, unit: str):
    """The fits next to the scan's CSV; over an ensemble the band of each value there, every member's fit in
    <name>.member_fits.csv."""
    if "member" in fits:
        from alk5_pysb.analysis.uncertainty import fit_bands
        atomic_write(_member_fits_path(out), fits.to_csv(index=False, float_format="%.6g"))
        bands = fit_bands(fits)
        atomic_write(_fits_path(out), bands.to_csv(index=False, float_format="%.6g"))
        _print_bands(bands, what, unit)
    else:
        atomic_write(_fits_path(out), fits.to_csv(index=False, float_format="%.6g"))
        _print_fits(fits, what, unit)


def cmd_validate(args):
    from alk5_pysb.analysis.validation import run_checks, to_markdown
    if args.ensemble:
        return _validate_ensemble(args)
    ids = _check_ids(args)
    sim = _simulator(args, quiet=True, network="full")
    table = run_checks(sim, ids)
    print(to_markdown(table))
    args.provenance = (sim, {})
    if args.output:
        atomic_write(Path(args.output), table.to_csv(index=False))
        args.outputs = [args.output]
    passed = int(table["passed"].sum())
    print(f"{passed}/{len(table)} behaviours pass")
    return 0


def _validate_ensemble(args):
    """Each behaviour's pass fraction over an ensemble (and over the shipped accepted one)."""
    from alk5_pysb.analysis import constrained, uncertainty
    from alk5_pysb.analysis.validation import all_checks
    CHECKS = all_checks()
    if not args.output:
        raise UserInputError("validate --ensemble needs -o DIR (each member's evaluation is written as it finishes)")
    if args.sbml:
        raise UserInputError("validate --ensemble runs the exported networks (full and lean): use --models DIR, "
                             "not --sbml")
    ids = _check_ids(args)
    members = _members(args)
    out = Path(args.output)
    passes = constrained.run(members, out / "prior", ids, workers=args.workers, models=args.models,
                             resume=args.resume, rtol=args.rtol, atol=args.atol)
    summary = constrained.summary(passes, ids, args.seed, str(args.ensemble))
    columns = {"this ensemble": summary["pass_fraction_prior"]}
    accepted = uncertainty.shipped_ensemble()
    if accepted is not None and str(args.ensemble) != "accepted":
        acc = constrained.run(accepted, out / "accepted", ids, workers=args.workers, models=args.models,
                              resume=args.resume, rtol=args.rtol, atol=args.atol)
        columns["accepted ensemble"] = {i: float(acc[i].mean()) for i in ids}
    table = [{"id": i, "behaviour": CHECKS[i].__name__.split("_", 1)[1].replace("_", " "),
              **{k: v[i] for k, v in columns.items()}} for i in ids]
    import pandas as pd
    frame = pd.DataFrame(table)
    atomic_write(out / "pass_fractions.csv", frame.to_csv(index=False, float_format="%.4g"))
    uncertainty.write_summary(out / "summary.json", summary)
    print(frame.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    narrow = [i for i in ids if 0 < summary["pass_fraction_prior"][i] < 0.5]
    if narrow:
        print(f"met by fewer than half of the members (pass only in a narrow part of the plausible space): "
              f"{', '.join(narrow)}")
    if summary["structural_misses"]:
        print(f"met by no member (structural misses): {', '.join(summary['structural_misses'])}")
    print(f"{summary['accepted']}/{summary['drawn']} members meet every behaviour that any member meets "
          f"(acceptance {summary['acceptance_rate']:.1%}); per member {summary['seconds_per_member_cpu']:.1f} s CPU "
          f"-> {out}")
    return 0


def _check_ids(args):
    from alk5_pysb.analysis.validation import all_checks
    CHECKS = all_checks()
    ids = _names(getattr(args, "behaviours", None)) or list(CHECKS)
    unknown = [i for i in ids if i not in CHECKS]
    if unknown:
        raise UserInputError(f"unknown behaviour(s) {', '.join(unknown)}; valid: {', '.join(CHECKS)}")
    return ids


def cmd_ensemble(args):
    """The literature-constrained ensemble: ABC by subset simulation by default, rejection on request."""
    if args.method == "subset":
        return _ensemble_subset(args)
    from alk5_pysb.analysis import constrained, uncertainty
    ids = _check_ids(args)
    if args.draws < 2:
        raise UserInputError(f"--draws must be at least 2, got {args.draws}")
    table = uncertainty.prior()
    members = uncertainty.draw(args.draws, args.seed, table)
    out = Path(args.output)
    passes = constrained.run(members, out, ids, workers=args.workers, models=args.models, resume=args.resume)
    summary = constrained.summary(passes, ids, args.seed, f"prior:{args.draws}")
    accepted_ids, _ = constrained.acceptance(passes, ids)
    accepted = members[members["member"].isin(passes.loc[accepted_ids.to_numpy(), "member"])]
    atomic_write(out / "members.csv", members.to_csv(index=False, float_format="%.17g"))
    atomic_write(out / "passes.csv", passes.to_csv(index=False))
    atomic_write(out / "accepted.csv", accepted.to_csv(index=False, float_format="%.17g"))   # full precision, as evaluated
    taught = constrained.teach(members, accepted["member"], table)
    atomic_write(out / "parameter_ranges.csv", taught.to_csv(index=False, float_format="%.4g"))
    uncertainty.write_summary(out / "summary.json", summary)
    print(f"{summary['accepted']} of {summary['drawn']} draws meet the behaviours (acceptance "
          f"{summary['acceptance_rate']:.1%}); structural misses: {', '.join(summary['structural_misses']) or 'none'}")
    print(f"per member {summary['seconds_per_member_cpu']:.1f} s CPU; accepted members: {out / 'accepted.csv'}; what "
          f"the behaviours teach about each constant: {out / 'parameter_ranges.csv'}")
    return 0


def _ensemble_subset(args):
    from alk5_pysb.analysis import subset
    if args.max_levels < 1:
        raise UserInputError(f"--max-levels must be at least 1, got {args.max_levels}")
    from alk5_pysb.analysis import uncertainty
    from alk5_pysb.io.contexts import read_ranges
    ids = _check_ids(args) if args.behaviours else None
    if getattr(args, "context", None) and (ids is None or any(i.startswith("B") for i in ids)):
        raise UserInputError("--context applies to the cell-context behaviours only (--behaviours F1,... for "
                             "fibroblasts, C/M for epithelial cells, E for endothelial cells): the B behaviours run on "
                             "the default table")
    out = Path(args.output)
    table = uncertainty.prior(_context(args), read_ranges(getattr(args, "context", None)))
    if args.vary:
        table = uncertainty.restrict(table, _names(args.vary))
    summary = subset.run(out, population=args.population, ids=ids, seed=args.seed, workers=args.workers,
                         models=args.models, resume=args.resume, max_levels=args.max_levels, table=table)
    print(f"subset simulation: {summary['levels']} levels, {summary['simulated']} parameter sets simulated in "
          f"{summary['seconds'] / 60:.1f} min; last tolerance {summary['final_tolerance']:.3g} "
          + ("(every constraint met)" if summary["reached_zero"] else "(not yet 0: --resume with more --max-levels)"))
    if summary["reached_zero"]:
        print(f"{summary['accepted']} members ({summary['distinct_accepted']} distinct) meet every constraint "
              f"({', '.join(summary['constraints'])}); prior probability of meeting them all "
              f"{summary['prior_probability_of_meeting_all']:.2g}")
        print(f"-> {out / 'accepted.csv'} (use with --ensemble FILE), {out / 'parameter_ranges.csv'} (what the "
              f"behaviours teach about each constant), {out / 'levels.csv'}")
    print(f"structural misses left out: {', '.join(summary['structural_misses']) or 'none'}")
    return 0


def cmd_measure_next(args):
    """Which constants the headline predictions rest on, and the experiments that would measure them."""
    from alk5_pysb.analysis import measure_next, uncertainty
    if args.over == "accepted":
        accepted = uncertainty.shipped_ensemble()
        if accepted is None:
            raise UserInputError("--over accepted: no accepted ensemble is shipped (run alk5 ensemble, or --over prior)")
        sim = _simulator(args, names=[], network="tgfb1")
        result = measure_next.run_accepted(sim, accepted, args.base, args.seed, args.output, _engine(args),
                                           top=args.top)
        print(result["markdown"])
        print(f"-> {Path(args.output) / 'ranking.csv'} (every factor), {Path(args.output) / 'measure_next.md'}")
        return 0
    if args.members < 64:
        raise UserInputError(f"--members must be at least 64 (RBD-FAST needs a few hundred), got {args.members}")
    sim = _simulator(args, names=[], network="tgfb1")
    result = measure_next.run(sim, args.members, args.seed, args.output, _engine(args), top=args.top)
    print(result["markdown"])
    print(f"-> {Path(args.output) / 'ranking.csv'} (every constant), {Path(args.output) / 'by_evidence.csv'}, "
          f"{Path(args.output) / 'measure_next.md'}")
    return 0


# -- scans -------------------------------------------------------------------------------------
def _fits_path(out: Path) -> Path:
    return out.with_name(out.stem + ".fits.csv")


def _prepare_output(out, resume, force):
    if out is None:
        raise UserInputError("give an output file with -o (results are written as they are computed)")
    from alk5_pysb.analysis.dose_response import remove_outputs
    out = Path(out)
    if force and not resume:
        remove_outputs(out)
    return out


def _simulator(args, ligands=("TGFB1",), names=(), quiet=False, network=None):
    """The model a command runs on: a user SBML (--sbml), or a network of the exports in use
    (--models DIR, $ALK5_MODELS, else the shipped ones): --network full|tgfb1, or auto (default): the
    lean TGF-beta1 network when only TGF-beta1 is dosed and every named parameter is in it (same
    responses to ~1e-5, ~5x faster per simulation), else the full one."""
    from alk5_pysb.simulation.simulator import shared_simulator
    options = dict(models=getattr(args, "models", None), rtol=getattr(args, "rtol", 1e-6),
                   atol=getattr(args, "atol", 1e-9))
    from alk5_pysb.io.contexts import network as context_network
    if getattr(args, "sbml", None):
        sim = shared_simulator("full", sbml=str(Path(args.sbml).resolve()), **options)
    else:
        own = context_network(getattr(args, "context", None))     # fibroblast: the fibrosis network
        if own and getattr(args, "network", None) in (None, "auto", own):
            network = own
        network = network or getattr(args, "network", "full")
        if network == "auto":
            lean = shared_simulator("tgfb1", **options)
            network = "tgfb1" if set(ligands) <= {"TGFB1"} and all(n in lean.table_parameters for n in names) else "full"
        sim = shared_simulator(network, **options)
    for ligand in ligands:
        sim.check_ligand(ligand)
    if not quiet:
        print(f"model: {sim.source} ({sim.network} network, {len(sim.species)} species)")
    return sim


def _engine(args):
    from alk5_pysb.analysis.dose_response import EngineOptions
    return EngineOptions("dask" if args.scheduler else args.executor, args.workers, args.scheduler)


def _print_fits(fits, what="EC50", unit="pM"):
    for _, f in fits.iterrows():
        label = f"{f['readout']} [{f['metric']}]"
        value = f.get("ec50", f.get("ic50"))
        if f["converged"]:
            lo, hi = f.get("ec50_ci_low", f.get("ic50_ci_low")), f.get("ec50_ci_high", f.get("ic50_ci_high"))
            print(f"  {label:32s} {what} {value:.3g} {unit} (95% CI {lo:.3g}-{hi:.3g}), Hill {f['hill']:.2f}")
        else:
            print(f"  {label:32s} no {what}: {f['message']} (raw data kept)")


def _scan_params(sim, args):
    return sim.resolve_parameters(_pairs(getattr(args, "set", None), "set"), _pairs(getattr(args, "scale", None), "scale"),
                                  _context(args))


def _ligand(name):
    from alk5_pysb.model.names import ALL_LIGANDS
    if name not in ALL_LIGANDS:
        raise UserInputError(f"unknown ligand {name!r}: valid ligands are {', '.join(ALL_LIGANDS)}")
    return name


def _member_fits_path(out: Path) -> Path:
    return out.with_name(out.stem + ".member_fits.csv")


def run_dose_response(sim, experiment, doses_text, out, resume=False, engine=None, members=None):
    from alk5_pysb.analysis.dose_response import dose_response
    from alk5_pysb.io.units import parse_dose_grid
    doses = parse_dose_grid(doses_text, to="pM", what="--doses")
    sim.check_readouts(experiment.readouts)
    data, fits = dose_response(sim, experiment, doses, out=out, resume=resume, engine=engine, members=members)
    print(f"{experiment.ligand} dose-response: {len(doses)} doses x {len(experiment.readouts)} readouts x "
          f"{len(experiment.metrics)} metrics -> {out} (fits: {_fits_path(out)})")
    _write_fits(out, fits, "EC50", "pM")
    return data, fits


def _context(args) -> dict:
    """--context: a cell context by name or a parameter file (e.g. best.csv of alk5 calibrate); {} without."""
    from alk5_pysb.io.contexts import load
    return load(getattr(args, "context", None))


def _set_names(args):
    return [*_context(args), *_pairs(getattr(args, "set", None), "set"), *_pairs(getattr(args, "scale", None), "scale")]


def cmd_dose_response(args):
    out = _prepare_output(args.output, args.resume, args.force)
    sim = _simulator(args, [_ligand(args.ligand)], _set_names(args))
    params = _scan_params(sim, args)
    from alk5_pysb.simulation.experiment import Experiment
    from alk5_pysb.simulation.metrics import parse_metrics
    experiment = Experiment(ligand=args.ligand, readouts=_names(args.readouts), metrics=parse_metrics(args.metric),
                            params=params)
    members = _members(args, sim)
    run_dose_response(sim, experiment, args.doses, out, args.resume, _engine(args), members)
    args.provenance, args.outputs = (sim, params), [out, _fits_path(out)]
    return 0


def _inhibition_experiment(ligand, ligand_dose_text, protocol_text, readouts, metrics_text, params):
    from alk5_pysb.simulation.experiment import Experiment, schedule
    from alk5_pysb.simulation.metrics import parse_metrics
    return Experiment(ligand=_ligand(ligand), dose_pM=parse_concentration(ligand_dose_text, to="pM", what="--ligand-dose"),
                      readouts=readouts, metrics=parse_metrics(metrics_text), params=params, **schedule(protocol_text))


def run_inhibition(sim, experiment, compound, doses_text, out, resume=False, engine=None, members=None):
    from alk5_pysb.analysis.dose_response import inhibition
    from alk5_pysb.io.units import parse_dose_grid
    doses = parse_dose_grid(doses_text, to="nM", molar_mass_kDa=None, what="--doses")
    sim.check_readouts(experiment.readouts)
    data, fits = inhibition(sim, experiment, compound, doses, out=out, resume=resume, engine=engine, members=members)
    print(f"{compound.name} (cellular Kd {compound.kd_cell_nM:.3g} nM), {experiment.schedule_text}, "
          f"{experiment.ligand} {format_concentration(experiment.dose_pM)}: {len(doses)} doses -> {out}")
    _write_fits(out, fits, "IC50", "nM")
    return data, fits


def cmd_inhibition(args):
    from alk5_pysb.pharmacology.compounds import get_compound
    compound = get_compound(args.compound, args.ki, args.compound_file)
    out = _prepare_output(args.output, args.resume, args.force)
    sim = _simulator(args, [_ligand(args.ligand)], _set_names(args))
    params = _scan_params(sim, args)
    experiment = _inhibition_experiment(args.ligand, args.ligand_dose, args.protocol, _names(args.readouts), args.metric,
                                        params)
    run_inhibition(sim, experiment, compound, args.doses, out, args.resume, _engine(args), _members(args, sim))
    args.provenance, args.outputs = (sim, params), [out, _fits_path(out)]
    return 0


def cmd_compare_compounds(args):
    from alk5_pysb.analysis.comparison import compare_compounds
    out = _prepare_output(args.output, args.resume, args.force)
    readouts = _names(args.readouts)
    sim = _simulator(args)
    members = _members(args, sim)
    table = compare_compounds(sim, readouts, args.doses, args.ligand_dose, args.protocol,
                              args.metric, out, resume=args.resume, engine=_engine(args), members=members)
    args.provenance, args.outputs = (sim, {}), [out, Path(out).with_name(Path(out).stem + ".data.csv")]
    cols = [c for c in ("compound", "alk5_input_nM", "alk5_assay_class", "model_kd_cell_nM", "reported_cell_ic50_nM",
                        "declared_readout", "model_cell_ic50_nM", "fold_error", "cell_verified",
                        "model_ic50_pSmad2_at:60min_nM") if c in table]
    short = table[cols].rename(columns=lambda c: c.replace("model_ic50_", "IC50 ").replace("_at:60min_nM", " 1h"))
    print(short.to_string(index=False, float_format=lambda v: f"{v:.3g}", na_rep="-"))
    from alk5_pysb.analysis.comparison import summarise
    summary = summarise(table)
    print(f"geometric-mean fold error (model/reported, declared readouts): {summary['gmfe_verified']:.3g} over "
          f"verified values (n = {summary['n_verified']}), {summary['gmfe_verified_or_secondary']:.3g} with secondary "
          f"sources (n = {summary['n_verified_or_secondary']}), {summary['gmfe_all']:.3g} over all (n = {summary['n_all']}), "
          f"{summary['gmfe_not_used_in_fit']:.3g} over the values not used to fit the residual factor "
          f"(n = {summary['n_not_used_in_fit']}); "
          f"Kd_residual_factor {summary['Kd_residual_factor']:.3g}")
    if members is not None:
        summary_path = Path(out).with_name(Path(out).stem + ".summary.json")
        ens = json.loads(summary_path.read_text(encoding="utf-8")).get("ensemble", {})
        for label in ("verified", "verified_or_secondary", "all"):
            if f"gmfe_{label}" in ens:
                print(f"  GMFE ({label}) over the members: {_band_text(ens[f'gmfe_{label}'], '')}")
    stem = Path(out).with_name(Path(out).stem)
    print(f"full table: {out} (raw data: {stem}.data.csv; GMFE: {stem}.summary.json; parity plot: {stem}.parity.png)")
    return 0


def _days(text: str, what: str, allow_zero: bool) -> float:
    """Days from '14', '14d', '2w' or '36h' (a bare number is days)."""
    try:
        value = float(text)
    except ValueError:
        return parse_duration(text, to="h", what=what, allow_zero=allow_zero) / 24.0
    if not (value > 0 or (allow_zero and value == 0)):
        raise UserInputError(f"{what} {text!r}: expected {'0 or more' if allow_zero else 'more than 0'} days")
    return value


def cmd_regimen(args):
    from alk5_pysb.analysis.regimen import run_regimen
    from alk5_pysb.io.units import parse_mass
    from alk5_pysb.pharmacology.pk import Regimen
    from alk5_pysb.simulation.simulator import readout_table
    regimen = Regimen(dose_mg=parse_mass(args.dose, what="--dose"),
                      every_h=parse_duration(args.every, to="h", what="--every", allow_zero=False),
                      days_on=_days(args.days, "--days", False), days_off=_days(args.off, "--off", True),
                      cycles=args.cycles)
    washout = _days(args.washout, "--washout", True)
    fu = None
    if args.fu is not None:
        try:
            fu = float(args.fu)
        except ValueError:
            raise UserInputError(f"--fu {args.fu!r}: expected a fraction unbound in (0, 1]") from None
    from alk5_pysb.io.contexts import network as context_network
    network = context_network(args.context) or "tgfb1"
    values = _context(args)
    readouts = _names(args.readouts)
    table = readout_table()
    valid = [r for r in table.index if table.loc[r, "network"] in ("any", *EXTRA_NETWORKS.get(network, ()))]
    if not readouts or len(set(readouts)) != len(readouts) or any(r not in valid for r in readouts):
        raise UserInputError(f"--readouts {args.readouts!r}: expected distinct readouts from {', '.join(valid)}"
                             + ("" if network in EXTRA_NETWORKS else " (fibrosis readouts need --context fibroblast, "
                                                                   "cytostasis and EMT readouts --context epithelial)"))
    out = Path(args.output)
    if (out / "summary.json").exists() and not args.force:
        raise UserInputError(f"{out} already holds a regimen (summary.json): use --force to overwrite it or choose "
                             "another folder")
    residence = parse_duration(args.residence_time, what="--residence-time", allow_zero=False) \
        if args.residence_time else None
    summary = run_regimen(args.compound, regimen, parse_concentration(args.tgfb1, to="pM", what="--tgfb1"),
                          readouts, out, fu=fu, models=args.models, residence_time_min=residence,
                          washout_days=washout, network=network, values=values)
    ss = summary["steady_state_closed_form"]
    print(f"{summary['compound']}: {regimen.n_doses} doses of {regimen.dose_mg:g} mg; closed-form steady state of "
          f"dosing every {regimen.every_h:g} h: C_max {ss['C_max_nM']:.4g} nM, C_min {ss['C_min_nM']:.4g} nM (unbound "
          f"{ss['C_max_unbound_nM']:.4g} / {ss['C_min_unbound_nM']:.4g} nM); cellular Kd {summary['Kd_cell_nM']:.4g} nM")
    for row in summary["cycles"]:
        print(f"  {row['readout']} cycle {row['cycle']}: peak inhibition {100 * row['peak_inhibition']:.1f}%, "
              f"trough {100 * row['trough_inhibition']:.1f}%, {row['hours_above_50pct']:.1f} h above 50%")
    for rec in summary["recovery"]:
        if rec["hours_to_below_10pct"] is None:
            print(f"  {rec['readout']}: still >= 10% inhibited at the end, {rec['observed_after_last_dose_h']:.1f} h "
                  "after the last dose (recovery not reached: lengthen --washout)")
        else:
            print(f"  {rec['readout']}: below 10% inhibition {rec['hours_to_below_10pct']:.1f} h after the last dose")
    if args.ensemble:
        from alk5_pysb.analysis.regimen import regimen_ensemble
        members = _members(args)
        if fu is not None:
            print("ensemble: --fu fixes the fraction unbound; the other PK values are drawn from their ranges")
        ens = regimen_ensemble(args.compound, regimen, parse_concentration(args.tgfb1, to="pM", what="--tgfb1"),
                               readouts, members, out, seed=args.seed, models=args.models, washout_days=washout,
                               residence_time_min=residence, fu=fu, network=network, values=values)
        for key, b in ens["metrics"].items():
            if "trough" in key or "peak" in key:
                print(f"  {key}: {_band_text({**b, 'median': 100 * b['median'], 'q05': 100 * b['q05'], 'q95': 100 * b['q95']}, '%')}")
        print(f"  ensemble: {out / 'ensemble_cycles.csv'} (every member), {out / 'ensemble_timecourse.csv'}, "
              f"{out / 'regimen_ensemble.png'}" + (f"; {len(ens['failed'])} members failed" if ens["failed"] else ""))
    print(f"wrote {out}/timecourse.csv, cycles.csv, summary.json, regimen.sbml, regimen.png")
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
    context = _context(args)
    sim = _simulator(args, [_ligand(spec.ligand)], [*spec.parameter_names(), *context])
    params = sim.resolve_parameters(spec.set, spec.scale, context)
    outdir = Path(args.output or f"results/{spec.name}")
    t0 = time.perf_counter()
    members = _members(args, sim)
    result = run_file(sim, spec, params, outdir, _engine(args), resume=args.resume, force=args.force,
                      allow_large=args.yes, chunk_size=args.chunk_size, members=members)
    wall = time.perf_counter() - t0
    args.provenance, args.outputs = (sim, params), result.outputs
    where = ", ".join(str(p / "results.parquet") if p.is_dir() else str(p) for p in result.outputs)
    print(f"{spec.name} ({result.kind}): {result.conditions} condition(s) ({result.failed} failed), {wall:.1f} s "
          f"-> {where}")
    if result.fits is not None:
        what = ("EC50", "pM") if result.kind == "dose-response" else ("IC50", "nM")
        (_print_bands if members is not None else _print_fits)(result.fits, *what)
    return 0


def cmd_scan(args):
    return cmd_run(args)


def _engine_experiment(args, readouts):
    from alk5_pysb.pharmacology.compounds import get_compound
    from alk5_pysb.simulation.experiment import Experiment
    from alk5_pysb.simulation.metrics import parse_metrics
    compound = get_compound(args.compound, getattr(args, "ki", None)) if getattr(args, "compound", None) or \
        getattr(args, "ki", None) else None
    return Experiment(readouts=readouts, metrics=parse_metrics(args.metric), ligand=_ligand(args.ligand),
                      dose_pM=parse_concentration(args.ligand_dose, to="pM", what="--ligand-dose"),
                      compound=compound, pretreat_min=parse_duration(args.pretreat, what="--pretreat"))


def cmd_sensitivity(args):
    from alk5_pysb.analysis.ensembles import sensitivity
    from alk5_pysb.analysis.plots import sobol_figure
    params = _names(args.params)
    sim = _simulator(args, [_ligand(args.ligand)], params)
    readouts = _names(args.readouts)
    sim.check_readouts(readouts)
    exp = _engine_experiment(args, readouts)
    out = Path(args.output)
    engine = _engine(args)
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
    params = _names(args.params) or list(POPULATION_DEFAULTS)
    values = _context(args)
    sim = _simulator(args, [_ligand(args.ligand)], [*params, *values])
    readouts = _names(args.readouts)
    sim.check_readouts(readouts)
    exp = _engine_experiment(args, readouts)
    exp.params = dict(values)                 # the context's values under every cell's own protein levels
    if args.feed_every:
        exp = _fed(exp, args.feed_every)
    out = Path(args.output)
    engine = _engine(args)
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


def cmd_calibrate(args):
    """`alk5 calibrate PROBLEM.yaml`: multi-start PEtab fit on alk5's engine (analysis/calibration.py)."""
    import pypesto  # noqa: F401  (missing: the [calibrate] extra message)
    from alk5_pysb.analysis.calibration import calibrate, load_problem, problem_ligands_and_parameters, problem_path
    label = args.problem                                     # as given: no machine path in best.csv
    args.problem = str(problem_path(args.problem))          # a YAML file or a shipped problem's name
    problem = load_problem(args.problem)
    ligands, names = problem_ligands_and_parameters(problem)
    if args.profile and args.profile != "all":      # before a fit of minutes, not after it
        estimated = list(problem.parameter_df.index[problem.parameter_df["estimate"] == 1])
        unknown = [n for n in _names(args.profile) if n not in estimated]
        if unknown:
            raise UserInputError(f"--profile: {', '.join(unknown)} not estimated in this problem; estimated: "
                                 f"{', '.join(estimated)}")
    sim = _simulator(args, ligands, names)
    outdir = Path(args.output)
    summary = calibrate(args.problem, sim, outdir, n_starts=args.starts, optimizer_name=args.optimizer,
                        workers=args.workers, seed=args.seed, resume=args.resume, max_iter=args.max_iter,
                        command="alk5 calibrate", label=label)
    args.provenance, args.outputs = (sim, {}), [outdir]
    print(f"best NLL {summary['objective_nll']:.6g} ({summary['starts_converged']}/{summary['starts']} starts "
          f"within {0.1:g}), AIC {summary['AIC']:.4g}, BIC {summary['BIC']:.4g}, {summary['n_data']} data, "
          f"{summary['n_estimated']} parameters, {summary['wall_time_s']:.1f} s -> {outdir / 'best.csv'}, "
          f"{outdir / 'confidence.csv'}, {outdir / 'summary.json'}")
    if args.profile:
        from alk5_pysb.analysis.profiles import profile_fit
        names = None if args.profile == "all" else _names(args.profile)
        _, intervals = profile_fit(args.problem, sim, outdir, parameters=names, workers=args.workers)
        print("profile likelihoods (95%; identifiability judged from the profiles, not the FIM):")
        print(intervals[["parameter", "best", "lower", "upper", "identifiability"]].to_string(
            index=False, float_format=lambda v: f"{v:.4g}"))
        print(f"-> {outdir / 'profile_intervals.csv'}, {outdir / 'profiles.png'}")
    return 0


def _model_options(s):
    """Which model file and solver settings a simulating command uses (recorded in the provenance)."""
    g = s.add_argument_group("model and solver")
    g.add_argument("--models", metavar="DIR", help="exports folder to use (default: the shipped exports, "
                   "or $ALK5_MODELS); see `alk5 export-all`")
    g.add_argument("--sbml", metavar="PATH", help="run a user-modified SBML (it must keep the standard readouts)")
    g.add_argument("--rtol", type=float, default=1e-6, help="CVODE relative tolerance (default 1e-6)")
    g.add_argument("--atol", type=float, default=1e-9,
                   help="CVODE absolute tolerance in molecules per cell, every species (default 1e-9)")


def _engine_options(s):
    _executor_options(s)
    s.add_argument("--resume", action="store_true")


def _context_option(s):
    s.add_argument("--context", metavar="NAME|FILE", help="a cell context: epithelial (the default table; cytostasis "
                   "and EMT), carcinoma (cytostasis lost, EMT kept), fibroblast (alpha-SMA, collagen, fibronectin, "
                   "autocrine TGF-beta1), endothelial (BMP9, ALK1, endoglin, Smad1/5, ID1), hepatocyte (fitted to "
                   "Lucarelli 2018), or a parameter file (best.csv of `alk5 calibrate`); each named context runs on "
                   "its own network (alk5 info lists them); --set/--scale act on top")


def _param_options(s):
    _context_option(s)
    s.add_argument("--set", action="append", metavar="NAME=VALUE", help="set a parameter (table unit); repeatable")
    s.add_argument("--scale", action="append", metavar="NAME=FACTOR", help="scale a parameter (0.1 = knock-down)")


def _executor_options(s):
    _model_options(s)
    s.add_argument("--network", default="auto", choices=["auto", *NETWORKS],
                   help="auto (default): the lean TGF-beta1-only network (models/alk5_tgfb1.sbml, ~5x faster) when "
                        "only TGF-beta1 is dosed and every named parameter is in it, else the full one")
    s.add_argument("--executor", default="processes", choices=["serial", "processes", "dask"],
                   help="serial, local processes (default, all cores) or a Dask LocalCluster")
    s.add_argument("--workers", type=int, help="worker processes (default: all cores)")
    s.add_argument("--scheduler", help="Dask scheduler address tcp://HOST:PORT (implies --executor dask)")


def _inhibitor_scan_options(s, doses):
    s.add_argument("--doses", default=doses, help="inhibitor grid START:STOP:N or a list")
    s.add_argument("--ligand-dose", default="100pM")
    s.add_argument("--protocol", default="pretreat:60min", help="pretreat:60min | co | post:45min | washout:T")
    s.add_argument("--readouts", default="pSmad2,ERK_active,p38_active")
    s.add_argument("--metric", default="at:60min")


def _ensemble_options(s):
    s.add_argument("--ensemble", metavar="N|prior:N|accepted|FILE",
                   help="run every member of an ensemble and report the median and central 90%% band: N members of "
                        "the shipped literature-constrained ensemble (draws from the prior ranges when none is "
                        "shipped), prior:N draws from the parameter ranges, or an ensemble CSV (alk5 ensemble)")
    s.add_argument("--seed", type=int, default=0, help="seed of the ensemble draws (default 0)")


def _scan_options(s, what):
    s.add_argument("-o", "--output", help=f"{what} CSV; chunks stream to <name>.chunks/ as results come in")
    s.add_argument("--resume", action="store_true", help="continue an interrupted scan from its chunks")
    s.add_argument("--force", action="store_true", help="overwrite an existing output file and its chunks")
    _executor_options(s)


def build_parser():
    from alk5_pysb.analysis.ensembles import SENSITIVITY_DEFAULTS
    p = _Parser(prog="alk5", description="Rule-based ALK5 (TGF-beta type I receptor) model: export and simulate.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

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
    _param_options(s)
    s.add_argument("--readouts", help="comma-separated readouts (default: all standard readouts)")
    s.add_argument("--points", type=int, default=241, help="output time points (default 241)")
    s.add_argument("-o", "--output", help="CSV file (default: stdout)")
    _ensemble_options(s)
    _model_options(s)
    s.set_defaults(func=cmd_simulate)

    s = sub.add_parser("dose-response", help="ligand dose-response with Hill fits (EC50, CI, Hill, bottom, top)")
    s.add_argument("--ligand", default="TGFB1")
    s.add_argument("--doses", default="0.1pM:10nM:25", help="log grid START:STOP:N or a list (1pM,10pM)")
    s.add_argument("--readouts", "--readout", dest="readouts", default="pSmad2", help="readout(s), comma-separated")
    s.add_argument("--metric", default="at:45min",
                   help="peak, time_to_peak, auc:0-4h, at:45min, at:8h, steady_state (comma-separated)")
    _param_options(s)
    _ensemble_options(s)
    _scan_options(s, "dose-response")
    s.set_defaults(func=cmd_dose_response)

    s = sub.add_parser("inhibition", help="ALK5-inhibitor potency (IC50 per readout) under a protocol")
    s.add_argument("--compound", help="library compound (see `alk5 compare-compounds`), or a name for --ki")
    s.add_argument("--ki", help="biochemical ALK5 Ki/IC50 of your own compound (30nM)")
    s.add_argument("--compound-file", help="CSV with columns name,alk5_ic50_nM[,tbrii_ic50_nM,cell_ic50_nM]")
    s.add_argument("--ligand", default="TGFB1")
    _inhibitor_scan_options(s, "1nM:30uM:25")
    _param_options(s)
    _ensemble_options(s)
    _scan_options(s, "inhibition")
    s.set_defaults(func=cmd_inhibition)

    s = sub.add_parser("compare-compounds", help="all library compounds: literature vs model cellular IC50")
    _inhibitor_scan_options(s, "0.1nM:100uM:19")
    _scan_options(s, "comparison")
    _ensemble_options(s)
    s.set_defaults(func=cmd_compare_compounds)

    for name, func, text in (("run", cmd_run, "run an experiment file (TOML) or a shipped one by name: a time course, "
                              "a dose-response, an inhibition or any scan"),
                             ("scan", cmd_scan, "run an experiment file with a [scan] table: grid, Latin hypercube, "
                              "Sobol or CSV designs")):
        s = sub.add_parser(name, help=text)
        s.add_argument("file", help="experiment file (TOML), or the name of a shipped one (listed by `alk5 info`)"
                       if name == "run" else "experiment file (TOML) with a [scan] table")
        s.add_argument("-o", "--output", help="results folder (default results/<experiment name>)")
        _executor_options(s)
        s.add_argument("--chunk-size", type=int, help="conditions per chunk file (default: at least 4 chunks per "
                       "worker, at most 50 conditions)")
        s.add_argument("--resume", action="store_true", help="continue an interrupted run in the same folder")
        _context_option(s)
        s.add_argument("--force", action="store_true", help="start again: remove the previous run's chunks and "
                       "results from the folder first")
        s.add_argument("--yes", action="store_true", help="run designs larger than the file's max_conditions")
        _ensemble_options(s)
        s.set_defaults(func=func)

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
    _engine_options(s)
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
    _context_option(s)
    _engine_options(s)
    s.set_defaults(func=cmd_population)

    s = sub.add_parser("regimen", help="oral dosing regimen: PK-driven unbound drug vs pSmad2 and target genes over "
                       "days (a PK sub-model inside the SBML)")
    s.add_argument("--compound", required=True, help="a compound with PK in data/pk.csv (galunisertib, vactosertib)")
    s.add_argument("--dose", required=True, help="oral dose (150mg)")
    s.add_argument("--every", required=True, help="dosing interval (12h)")
    s.add_argument("--days", required=True, help="days on treatment per cycle (14)")
    s.add_argument("--off", default="0", help="days off treatment per cycle (default 0)")
    s.add_argument("--cycles", type=int, default=1, help="number of cycles (default 1)")
    s.add_argument("--washout", default="7", help="days simulated after the last cycle, to see recovery (default 7)")
    s.add_argument("--tgfb1", default="100pM", help="constant TGF-beta1 level in the medium (default 100pM)")
    s.add_argument("--fu", help="fraction unbound in plasma (default: the PK table's, 1 = assumed all unbound)")
    s.add_argument("--readouts", default="pSmad2,PAI1_mRNA", help="readouts (default pSmad2,PAI1_mRNA)")
    s.add_argument("--residence-time", help="drug residence time on ALK5, 1/koff (e.g. 24h; default: kon 1e7 /M/s "
                   "with the cellular Kd, i.e. seconds); the slow-dissociation option for effects outlasting the drug")
    s.add_argument("-o", "--output", required=True, help="results folder")
    s.add_argument("--force", action="store_true", help="overwrite a regimen already in the results folder")
    _ensemble_options(s)
    _context_option(s)
    s.add_argument("--models", help="exports folder (default: the shipped exports)")
    s.set_defaults(func=cmd_regimen)

    s = sub.add_parser("validate", help="literature behaviours B1-B26: behaviour | source | target | model | pass")
    s.add_argument("-o", "--output", help="CSV of the table (a folder with --ensemble)")
    s.add_argument("--behaviours", metavar="B1,B3,...", help="only these behaviours")
    _ensemble_options(s)
    s.add_argument("--workers", type=int, help="processes for --ensemble (default: all cores)")
    s.add_argument("--resume", action="store_true", help="--ensemble: continue an interrupted evaluation")
    _model_options(s)
    s.set_defaults(func=cmd_validate)

    s = sub.add_parser("measure-next", help="what to measure next: the constants each headline prediction rests on "
                       "(Sobol total-order over the accepted ensemble, or RBD-FAST over the prior) and the "
                       "experiment for each")
    s.add_argument("--over", choices=["accepted", "prior"], default="accepted",
                   help="accepted: Sobol total-order indices over the shipped constrained ensemble's marginals "
                        "(default); prior: RBD-FAST first-order indices over prior draws")
    s.add_argument("--base", type=int, default=64,
                   help="--over accepted: Sobol base samples, a power of two (runs = base x (factors + 2); default 64)")
    s.add_argument("--members", type=int, default=512, help="--over prior: prior draws (default 512)")
    s.add_argument("--seed", type=int, default=0, help="seed of the draws (default 0)")
    s.add_argument("--top", type=int, default=5, help="constants listed per prediction (default 5)")
    s.add_argument("-o", "--output", required=True, help="results folder")
    _executor_options(s)
    s.set_defaults(func=cmd_measure_next)

    s = sub.add_parser("ensemble", help="the literature-constrained ensemble: parameter sets from the prior ranges "
                       "that meet the behaviours of validate (accepted.csv: use it with --ensemble FILE)")
    s.add_argument("--method", choices=["subset", "rejection"], default="subset",
                   help="subset (default): ABC by subset simulation, levels of tolerance on the behaviours' summed "
                        "margins down to 0; rejection: keep the prior draws that meet every behaviour some draw meets")
    s.add_argument("--population", type=int, default=100, help="subset: members per level, a multiple of 5 "
                   "(default 100)")
    s.add_argument("--max-levels", type=int, default=40, help="subset: stop after this many levels (default 40)")
    s.add_argument("--draws", type=int, default=200, help="rejection: parameter sets drawn (default 200)")
    s.add_argument("--seed", type=int, default=0, help="seed of the draws (default 0)")
    s.add_argument("--behaviours", metavar="B1,B3,...", help="constraints (default: every behaviour of validate; "
                   "subset leaves out the structural miss B26)")
    s.add_argument("--resume", action="store_true", help="continue an interrupted run in the same folder")
    s.add_argument("-o", "--output", required=True, help="results folder")
    s.add_argument("--models", help="exports folder (default: the shipped exports)")
    s.add_argument("--workers", type=int, help="worker processes (default: all cores)")
    s.add_argument("--vary", metavar="BLOCK|NAME[,...]", help="subset: draw only these constants: blocks (column "
                   "block of parameters.csv, e.g. fibrosis) or single parameters (e.g. kdeg_ACTA2); the others stay "
                   "at their (context's) values")
    _context_option(s)
    s.set_defaults(func=cmd_ensemble)

    s = sub.add_parser("calibrate", help="multi-start fit of a PEtab (v1) problem on alk5's engine (pyPESTO; "
                       "needs the [calibrate] extra)")
    s.add_argument("problem", help="PEtab problem YAML (e.g. models/petab/problem.yaml), or a shipped problem: hepatocyte, potency")
    s.add_argument("--starts", type=int, default=50, help="local optimisations from random points (default 50)")
    s.add_argument("--optimizer", default="fides", choices=["fides", "scipy-ls", "nelder-mead"],
                   help="fides (default; trust region, needs fides), scipy-ls (least squares, normal noise) or "
                        "nelder-mead")
    s.add_argument("--workers", type=int, default=1, help="starts run in parallel on this many processes (default 1)")
    s.add_argument("--seed", type=int, default=0, help="seed of the starting points (default 0)")
    s.add_argument("--profile", nargs="?", const="all", metavar="NAMES",
                   help="profile likelihoods around the best fit (pyPESTO): profile-based 95%% intervals and "
                        "identifiability, profiles.png; every estimated parameter, or the comma-separated NAMES "
                        "(hepatocyte, all 11: ~5 min on 2 workers)")
    s.add_argument("--max-iter", type=int, default=200, help="iterations per start (fides), residual evaluations "
                   "(scipy-ls) or evaluations per parameter (nelder-mead); default 200")
    s.add_argument("--resume", action="store_true", help="continue a stopped fit in the same folder (finished starts "
                   "in starts.csv are kept)")
    s.add_argument("-o", "--output", required=True, help="results folder (best.csv, starts.csv, confidence.csv, "
                   "summary.json, figures)")
    s.add_argument("--network", default="auto", choices=["auto", *NETWORKS],
                   help="auto (default): the lean TGF-beta1-only network when the problem doses only TGF-beta1")
    _model_options(s)
    s.set_defaults(func=cmd_calibrate)
    return p


#: optional dependency -> the extra that installs it
EXTRAS = {"pysb": "build", "bionetgen": "build", "antimony": "build", "phrasedml": "build", "libsedml": "build",
          "libcombine": "build", "networkx": "build", "petab": "calibrate", "pypesto": "calibrate", "dask": "dask",
          "distributed": "dask", "COPASI": "crosscheck", "basico": "crosscheck", "tellurium": "crosscheck"}


def _write_provenance(args, argv):
    """A provenance sidecar beside every output the command wrote."""
    from alk5_pysb.io.provenance import record, write_sidecar
    sim, params = getattr(args, "provenance", (None, None))
    data = record(sim, params, argv=argv)
    for output in getattr(args, "outputs", []):
        if Path(output).exists():
            write_sidecar(output, data)


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        status = args.func(args)
        if status == 0:
            _write_provenance(args, sys.argv[1:] if argv is None else list(argv))
        return status
    except ModuleNotFoundError as err:
        top = (err.name or "").split(".")[0]
        if top not in EXTRAS:
            raise
        print(f"alk5: error: `alk5 {args.command}` needs {top}, which comes with the [{EXTRAS[top]}] extra: "
              f"pip install 'alk5-pysb[{EXTRAS[top]}]'", file=sys.stderr)
        return 2
    except UserInputError as err:
        print(f"alk5: error: {_one_line(err)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("alk5: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:    # `alk5 info | head`: the reader has gone; stop quietly, as `cat` would
        _stdout_to_devnull()
        return 141
    except Exception as err:   # solver failures and missing exports: one line, no traceback
        from alk5_pysb.errors import SimulationError
        if isinstance(err, (SimulationError, FileNotFoundError)):
            print(f"alk5: error: {_one_line(err)}", file=sys.stderr)
            return 1
        if isinstance(err, OSError):    # an output path that is a folder, read-only, full ...
            target = err.filename2 or err.filename
            print(f"alk5: error: cannot write {target}: {err.strerror}" if target else f"alk5: error: {_one_line(err)}",
                  file=sys.stderr)
            return 2
        raise


def _one_line(err) -> str:
    return " ".join(str(err).split())


def _stdout_to_devnull():
    """Python flushes stdout at exit; with the pipe closed that would print another BrokenPipeError."""
    import os
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


if __name__ == "__main__":
    sys.exit(main())
