"""What the commands share: the parser that fails in one line, the options declared once, and the steps every
simulating command takes (which model, which context, which ensemble, where results go)."""
from __future__ import annotations

import argparse
from pathlib import Path

from alk5_pysb.errors import UserInputError
from alk5_pysb.io.files import atomic_write
from alk5_pysb.io.locations import NETWORKS


class Parser(argparse.ArgumentParser):
    def error(self, message):   # one line, exit 2 (argparse's own contract)
        self.exit(2, f"{self.prog}: error: {message}\n")


def pairs(items, what):
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


def name_list(text) -> list[str]:
    """A comma-separated list of names (readouts, parameters); empty entries dropped."""
    return [name.strip() for name in (text or "").split(",") if name.strip()]


def context_values(args) -> dict:
    """--context: a cell context by name or a parameter file (e.g. best.csv of alk5 calibrate); {} without."""
    from alk5_pysb.io.contexts import load
    return load(getattr(args, "context", None))


def set_names(args):
    return [*context_values(args), *pairs(getattr(args, "set", None), "set"), *pairs(getattr(args, "scale", None), "scale")]


def simulator(args, ligands=("TGFB1",), names=(), quiet=False, network=None):
    """The model a command runs on: a user SBML (--sbml), or a network of the exports in use
    (--models DIR, $ALK5_MODELS, else the shipped ones): --network full|tgfb1, or auto (default): the
    lean TGF-beta1 network when only TGF-beta1 is dosed and every named parameter is in it (same
    responses to ~1e-5, ~5x faster per simulation), else the full one."""
    from alk5_pysb.simulation.simulator import shared_simulator
    options = dict(models=getattr(args, "models", None), rtol=getattr(args, "rtol", 1e-6),
                   atol=getattr(args, "atol", None) or 1e-9)
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


def engine_settings(args):
    from alk5_pysb.analysis.dose_response import EngineOptions
    return EngineOptions("dask" if args.scheduler else args.executor, args.workers, args.scheduler)


def ensemble_members(args, sim=None):
    """--ensemble SPEC as members (None without it), with one line saying what they are."""
    spec = getattr(args, "ensemble", None)
    if not spec:
        return None
    from alk5_pysb.analysis import uncertainty
    from alk5_pysb.io.contexts import read_ranges
    table = uncertainty.prior(context_values(args), read_ranges(getattr(args, "context", None)))
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


def band_text(b, unit):
    failed = f", {b['n_failed']} failed" if b["n_failed"] else ""
    return f"{b['median']:.3g} {unit} (90% band {b['q05']:.3g}-{b['q95']:.3g}; {b['n']} members{failed})"


def print_bands(bands, what, unit):
    """One line per EC50/IC50 band (uncertainty.fit_bands)."""
    for _, row in bands.iterrows():
        label = " ".join(str(row[c]) for c in ("compound", "readout", "metric") if c in row)
        print(f"  {label:40s} {what} {band_text(row, unit)}")


def print_fits(fits, what="EC50", unit="pM"):
    for _, f in fits.iterrows():
        label = f"{f['readout']} [{f['metric']}]"
        value = f.get("ec50", f.get("ic50"))
        if f["converged"]:
            lo, hi = f.get("ec50_ci_low", f.get("ic50_ci_low")), f.get("ec50_ci_high", f.get("ic50_ci_high"))
            print(f"  {label:32s} {what} {value:.3g} {unit} (95% CI {lo:.3g}-{hi:.3g}), Hill {f['hill']:.2f}")
        else:
            print(f"  {label:32s} no {what}: {f['message']} (raw data kept)")


def write_fits(out: Path, fits, what: str, unit: str):
    """The fits next to the scan's CSV; over an ensemble the band of each value there, every member's fit in
    <name>.member_fits.csv."""
    if "member" in fits:
        from alk5_pysb.analysis.uncertainty import fit_bands
        atomic_write(member_fits_path(out), fits.to_csv(index=False, float_format="%.6g"))
        bands = fit_bands(fits)
        atomic_write(fits_path(out), bands.to_csv(index=False, float_format="%.6g"))
        print_bands(bands, what, unit)
    else:
        atomic_write(fits_path(out), fits.to_csv(index=False, float_format="%.6g"))
        print_fits(fits, what, unit)


def fits_path(out: Path) -> Path:
    return out.with_name(out.stem + ".fits.csv")


def member_fits_path(out: Path) -> Path:
    return out.with_name(out.stem + ".member_fits.csv")


def prepare_output(out, resume, force):
    if out is None:
        raise UserInputError("give an output file with -o (results are written as they are computed)")
    from alk5_pysb.analysis.dose_response import remove_outputs
    out = Path(out)
    if force and not resume:
        remove_outputs(out)
    return out


def scan_params(sim, args):
    return sim.resolve_parameters(pairs(getattr(args, "set", None), "set"), pairs(getattr(args, "scale", None), "scale"),
                                  context_values(args))


def checked_ligand(name):
    from alk5_pysb.model.names import ALL_LIGANDS
    if name not in ALL_LIGANDS:
        raise UserInputError(f"unknown ligand {name!r}: valid ligands are {', '.join(ALL_LIGANDS)}")
    return name


def check_ids(args):
    from alk5_pysb.analysis.validation import all_checks
    CHECKS = all_checks()
    ids = name_list(getattr(args, "behaviours", None)) or list(CHECKS)
    unknown = [i for i in ids if i not in CHECKS]
    if unknown:
        raise UserInputError(f"unknown behaviour(s) {', '.join(unknown)}; valid: {', '.join(CHECKS)}")
    return ids


def model_options(s):
    """Which model file and solver settings a simulating command uses (recorded in the provenance)."""
    g = s.add_argument_group("model and solver")
    g.add_argument("--models", metavar="DIR", help="exports folder to use (default: the shipped exports, "
                   "or $ALK5_MODELS); see `alk5 export-all`")
    g.add_argument("--sbml", metavar="PATH", help="run a user-modified SBML (it must keep the standard readouts)")
    g.add_argument("--rtol", type=float, default=1e-6, help="CVODE relative tolerance (default 1e-6)")
    g.add_argument("--atol", type=float, default=None,
                   help="CVODE absolute tolerance in molecules per cell, every species (default 1e-9; 1e-3 for "
                        "the behaviour evaluations of an ensemble: validate --ensemble, ensemble)")


def engine_options(s):
    executor_options(s)
    s.add_argument("--resume", action="store_true")


def context_option(s):
    s.add_argument("--context", metavar="NAME|FILE", help="a cell context: epithelial (the default table; cytostasis "
                   "and EMT), carcinoma (cytostasis lost, EMT kept), fibroblast (alpha-SMA, collagen, fibronectin, "
                   "autocrine TGF-beta1), endothelial (BMP9, ALK1, endoglin, Smad1/5, ID1), hepatocyte (fitted to "
                   "Lucarelli 2018), or a parameter file (best.csv of `alk5 calibrate`); each named context runs on "
                   "its own network (alk5 info lists them); --set/--scale act on top")


def param_options(s):
    context_option(s)
    s.add_argument("--set", action="append", metavar="NAME=VALUE", help="set a parameter (table unit); repeatable")
    s.add_argument("--scale", action="append", metavar="NAME=FACTOR", help="scale a parameter (0.1 = knock-down)")


def executor_options(s):
    model_options(s)
    s.add_argument("--network", default="auto", choices=["auto", *NETWORKS],
                   help="auto (default): the lean TGF-beta1-only network (models/alk5_tgfb1.sbml, ~5x faster) when "
                        "only TGF-beta1 is dosed and every named parameter is in it, else the full one")
    s.add_argument("--executor", default="processes", choices=["serial", "processes", "dask"],
                   help="serial, local processes (default, all cores) or a Dask LocalCluster")
    s.add_argument("--workers", type=int, help="worker processes (default: all cores)")
    s.add_argument("--scheduler", help="Dask scheduler address tcp://HOST:PORT (implies --executor dask)")


def inhibitor_scan_options(s, doses):
    s.add_argument("--doses", default=doses, help="inhibitor grid START:STOP:N or a list")
    s.add_argument("--ligand-dose", default="100pM")
    s.add_argument("--protocol", default="pretreat:60min", help="pretreat:60min | co | post:45min | washout:T")
    s.add_argument("--readouts", default="pSmad2,ERK_active,p38_active")
    s.add_argument("--metric", default="at:60min")


def ensemble_options(s):
    s.add_argument("--ensemble", metavar="N|prior:N|accepted|FILE",
                   help="run every member of an ensemble and report the median and central 90%% band: N members of "
                        "the shipped literature-constrained ensemble (draws from the prior ranges when none is "
                        "shipped), prior:N draws from the parameter ranges, or an ensemble CSV (alk5 ensemble)")
    s.add_argument("--seed", type=int, default=0, help="seed of the ensemble draws (default 0)")


def scan_options(s, what):
    s.add_argument("-o", "--output", help=f"{what} CSV; chunks stream to <name>.chunks/ as results come in")
    s.add_argument("--resume", action="store_true", help="continue an interrupted scan from its chunks")
    s.add_argument("--force", action="store_true", help="overwrite an existing output file and its chunks")
    executor_options(s)
