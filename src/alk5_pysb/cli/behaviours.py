"""`alk5 validate`, `alk5 ensemble`, `alk5 measure-next` and `alk5 calibrate`: the literature behaviours,
the constrained ensemble, what to measure next, and PEtab fits."""
from __future__ import annotations

from pathlib import Path

from alk5_pysb.cli.common import (
    check_ids, context_option, context_values, engine_settings, ensemble_members, ensemble_options, executor_options,
    model_options, name_list, simulator)
from alk5_pysb.errors import UserInputError
from alk5_pysb.io.files import atomic_write
from alk5_pysb.io.locations import NETWORKS


def cmd_validate(args):
    from alk5_pysb.analysis.validation import run_checks, to_markdown
    if args.ensemble:
        return _validate_ensemble(args)
    ids = check_ids(args)
    sim = simulator(args, quiet=True, network="full")
    table = run_checks(sim, ids)
    print(to_markdown(table))
    args.provenance = (sim, {})
    if args.output:
        atomic_write(Path(args.output), table.to_csv(index=False))
        args.outputs = [args.output]
    passed = int(table["passed"].sum())
    print(f"{passed}/{len(table)} behaviours pass")
    return 0


def _engine_options(args) -> dict:
    """Solver tolerances and executor of an ensemble's behaviour evaluations (atol: constrained.BEHAVIOUR_ATOL
    unless given)."""
    from alk5_pysb.calibration.constrained import BEHAVIOUR_ATOL
    atol = getattr(args, "atol", None)
    return {"rtol": getattr(args, "rtol", None) or 1e-6, "atol": BEHAVIOUR_ATOL if atol is None else atol,
            "executor": getattr(args, "executor", "processes"), "scheduler": getattr(args, "scheduler", None)}


def constraint_engine_options(s):
    s.add_argument("--executor", default="processes", choices=["processes", "dask"],
                   help="where members are evaluated: local processes (default) or Dask (a LocalCluster of --workers, "
                        "or --scheduler)")
    s.add_argument("--scheduler", help="Dask scheduler address tcp://HOST:PORT (implies --executor dask)")


def _validate_ensemble(args):
    """Each behaviour's pass fraction over an ensemble (and over the shipped accepted one)."""
    from alk5_pysb.calibration import constrained
    from alk5_pysb.analysis import uncertainty
    from alk5_pysb.analysis.validation import all_checks
    CHECKS = all_checks()
    if not args.output:
        raise UserInputError("validate --ensemble needs -o DIR (each member's evaluation is written as it finishes)")
    if args.sbml:
        raise UserInputError("validate --ensemble runs the exported networks (full and lean): use --models DIR, "
                             "not --sbml")
    ids = check_ids(args)
    members = ensemble_members(args)
    out = Path(args.output)
    # the given members' evaluations in DIR/members, the shipped ensemble's (for comparison) in DIR/accepted
    passes = constrained.run(members, out / "members", ids, workers=args.workers, models=args.models,
                             resume=args.resume, **_engine_options(args))
    summary = constrained.summary(passes, ids, args.seed, str(args.ensemble))
    columns = {"this ensemble": summary["pass_fraction_prior"]}
    accepted = uncertainty.shipped_ensemble()
    if accepted is not None and str(args.ensemble) != "accepted" and not args.no_compare:
        acc = constrained.run(accepted, out / "accepted", ids, workers=args.workers, models=args.models,
                              resume=args.resume, **_engine_options(args))
        columns["accepted ensemble"] = {i: float(acc[i].mean()) for i in ids}
    table = [{"id": i, "behaviour": CHECKS[i].__name__.split("_", 1)[1].replace("_", " "),
              **{k: v[i] for k, v in columns.items()}} for i in ids]
    import pandas as pd
    frame = pd.DataFrame(table)
    atomic_write(out / "pass_fractions.csv", frame.to_csv(index=False, float_format="%.4g"))
    found, tests = constrained.associations(members, passes, ids, uncertainty.prior())
    atomic_write(out / "associations.csv", found.to_csv(index=False, float_format="%.4g"))
    summary.update(association_tests=tests, association_alpha=constrained.ALPHA, associations=len(found),
                   associations_expected_by_chance=tests * constrained.ALPHA)
    uncertainty.write_summary(out / "summary.json", summary)
    print(frame.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    narrow = [i for i in ids if 0 < summary["pass_fraction_prior"][i] < 0.5]
    if narrow:
        print(f"met by fewer than half of the members (pass only in a narrow part of the plausible space): "
              f"{', '.join(narrow)}")
    if summary["structural_misses"]:
        print(f"met by no member (structural misses): {', '.join(summary['structural_misses'])}")
    print(f"constants associated with a behaviour (rank test, each value once, p < {constrained.ALPHA:g}): "
          f"{len(found)} of {tests} "
          f"tests, ~{tests * constrained.ALPHA:.1f} expected by chance -> {out / 'associations.csv'}")
    print(f"{summary['accepted']}/{summary['drawn']} members meet every behaviour that any member meets "
          f"(acceptance {summary['acceptance_rate']:.1%}); per member {summary['seconds_per_member_cpu']:.1f} s CPU "
          f"-> {out}")
    return 0


def cmd_ensemble(args):
    """The literature-constrained ensemble: ABC by subset simulation by default, rejection on request."""
    if args.method == "subset":
        return _ensemble_subset(args)
    from alk5_pysb.calibration import constrained
    from alk5_pysb.analysis import uncertainty
    ids = check_ids(args)
    if args.draws < 2:
        raise UserInputError(f"--draws must be at least 2, got {args.draws}")
    table = uncertainty.prior()
    members = uncertainty.draw(args.draws, args.seed, table)
    out = Path(args.output)
    passes = constrained.run(members, out, ids, workers=args.workers, models=args.models, resume=args.resume,
                             **_engine_options(args))
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
    from alk5_pysb.calibration import subset
    if args.max_levels < 1:
        raise UserInputError(f"--max-levels must be at least 1, got {args.max_levels}")
    from alk5_pysb.analysis import uncertainty
    from alk5_pysb.io.contexts import read_ranges
    ids = check_ids(args) if args.behaviours else None
    if getattr(args, "context", None) and (ids is None or any(i.startswith("B") for i in ids)):
        raise UserInputError("--context applies to the cell-context behaviours only (--behaviours F1,... for "
                             "fibroblasts, C/M for epithelial cells, E for endothelial cells): the B behaviours run on "
                             "the default table")
    out = Path(args.output)
    table = uncertainty.prior(context_values(args), read_ranges(getattr(args, "context", None)))
    if args.vary:
        table = uncertainty.restrict(table, name_list(args.vary))
    start = None
    if args.grow:
        if args.members is None:
            raise UserInputError("--grow needs --members N (the size of the grown ensemble)")
        if args.grow != "accepted" and not args.grow.endswith(".csv"):
            raise UserInputError(f"--grow: expected accepted (the shipped ensemble) or an ensemble CSV, got {args.grow!r}")
        start, described = uncertainty.resolve(args.grow)
        print(f"growing {described} to {args.members} members")
    if args.runs != 1 and start is not None:
        raise UserInputError("--runs builds independent ensembles from the prior: it does not combine with --grow")
    options = dict(population=args.population, ids=ids, workers=args.workers, models=args.models, resume=args.resume,
                   max_levels=args.max_levels, table=table, members=args.members, **_engine_options(args))
    summary = subset.run(out, seed=args.seed, start=start, **options) if args.runs == 1 else \
        subset.run_pooled(out, args.runs, seed=args.seed, **options)
    if summary.get("runs", 1) > 1:
        for r in summary["per_run"]:
            print(f"  run seed {r['seed']}: {r['accepted']} members ({r['distinct_accepted']} distinct), prior "
                  f"probability {r['prior_probability_of_meeting_all']:.2g}, {r['seconds'] / 60:.1f} min")
    print(f"subset simulation: {summary['levels']} levels, {summary['simulated']} parameter sets simulated in "
          f"{summary['seconds'] / 60:.1f} min; last tolerance {summary['final_tolerance']:.3g} "
          + ("(every constraint met)" if summary["reached_zero"] else "(not yet 0: --resume with more --max-levels)"))
    if summary["reached_zero"]:
        probability = summary["prior_probability_of_meeting_all"]
        print(f"{summary['accepted']} members ({summary['distinct_accepted']} distinct) meet every constraint "
              f"({', '.join(summary['constraints'])}); prior probability of meeting them all "
              + (f"{probability:.2g}" if probability == probability else "not estimated (grown from an ensemble; "
                 "see the run that built it)"))
        print(f"-> {out / 'accepted.csv'} (use with --ensemble FILE), {out / 'parameter_ranges.csv'} (what the "
              f"behaviours teach about each constant), {out / 'levels.csv'}")
    print(f"structural misses left out: {', '.join(summary['structural_misses']) or 'none'}")
    return 0


def cmd_measure_next(args):
    """Which constants the headline predictions rest on, and the experiments that would measure them."""
    from alk5_pysb.analysis import measure_next, uncertainty
    if args.context:
        from alk5_pysb.analysis import context_attribution
        if args.over != "accepted" or args.executor == "dask" or args.scheduler:
            raise UserInputError("--context runs over the context's ensemble (--over accepted) on local processes")
        result = context_attribution.run(args.context, args.base, args.output, args.seed,
                                         workers=1 if args.executor == "serial" else args.workers, top=args.top)
        print(result["markdown"])
        print(f"-> {Path(args.output) / 'ranking.csv'} (every factor), {Path(args.output) / 'summary.json'}")
        return 0
    if args.over == "accepted":
        accepted = uncertainty.shipped_ensemble()
        if accepted is None:
            raise UserInputError("--over accepted: no accepted ensemble is shipped (run alk5 ensemble, or --over prior)")
        sim = simulator(args, names=[], network="tgfb1")
        result = measure_next.run_accepted(sim, accepted, args.base, args.seed, args.output, engine_settings(args),
                                           top=args.top)
        print(result["markdown"])
        print(f"-> {Path(args.output) / 'ranking.csv'} (every factor), {Path(args.output) / 'measure_next.md'}")
        return 0
    if args.members < 64:
        raise UserInputError(f"--members must be at least 64 (RBD-FAST needs a few hundred), got {args.members}")
    sim = simulator(args, names=[], network="tgfb1")
    result = measure_next.run(sim, args.members, args.seed, args.output, engine_settings(args), top=args.top)
    print(result["markdown"])
    print(f"-> {Path(args.output) / 'ranking.csv'} (every constant), {Path(args.output) / 'by_evidence.csv'}, "
          f"{Path(args.output) / 'measure_next.md'}")
    return 0


def cmd_calibrate(args):
    """`alk5 calibrate PROBLEM.yaml`: multi-start PEtab fit on alk5's engine (calibration/objective.py)."""
    import pypesto  # noqa: F401  (missing: the [calibrate] extra message)
    from alk5_pysb.calibration.multistart import calibrate
    from alk5_pysb.calibration.problem import load_problem, problem_ligands_and_parameters, problem_path
    label = args.problem                                     # as given: no machine path in best.csv
    args.problem = str(problem_path(args.problem))          # a YAML file or a shipped problem's name
    problem = load_problem(args.problem)
    ligands, names = problem_ligands_and_parameters(problem)
    if args.sample is not None and args.sample < 100:      # before a fit of minutes, not after it
        raise UserInputError(f"--sample: expected a number of samples >= 100, got {args.sample}")
    if args.profile and args.profile != "all":      # before a fit of minutes, not after it
        estimated = list(problem.parameter_df.index[problem.parameter_df["estimate"] == 1])
        unknown = [n for n in name_list(args.profile) if n not in estimated]
        if unknown:
            raise UserInputError(f"--profile: {', '.join(unknown)} not estimated in this problem; estimated: "
                                 f"{', '.join(estimated)}")
    sim = simulator(args, ligands, names)
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
        from alk5_pysb.calibration.profiles import profile_fit
        names = None if args.profile == "all" else name_list(args.profile)
        _, intervals = profile_fit(args.problem, sim, outdir, parameters=names, workers=args.workers)
        print("profile likelihoods (95%; identifiability judged from the profiles, not the FIM):")
        print(intervals[["parameter", "best", "lower", "upper", "identifiability"]].to_string(
            index=False, float_format=lambda v: f"{v:.4g}"))
        print(f"-> {outdir / 'profile_intervals.csv'}, {outdir / 'profiles.png'}")
    if args.sample:
        from alk5_pysb.calibration.sampling import sample_fit
        _, summary = sample_fit(args.problem, sim, outdir, args.sample, seed=args.seed)
        print(f"posterior (adaptive Metropolis, {summary['n_samples']} samples, burn-in {summary['burn_in_geweke']}, "
              f"effective sample size {summary['effective_sample_size'] or 'not estimable'}, acceptance "
              f"{summary['acceptance_rate']:.0%}{'; too few effective samples to quote' if summary['rough'] else ''}):")
        print(summary["intervals"].drop(columns=["scale"]).to_string(index=False, float_format=lambda v: f"{v:.4g}"))
        print(f"-> {outdir / 'posterior_intervals.csv'}, {outdir / 'samples.csv'}, {outdir / 'posterior.png'}")
    return 0



def add_commands(sub):
    """The subcommands of this group."""
    s = sub.add_parser("validate", help="literature behaviours B1-B26: behaviour | source | target | model | pass")
    s.add_argument("-o", "--output", help="CSV of the table (a folder with --ensemble)")
    s.add_argument("--behaviours", metavar="B1,B3,...", help="only these behaviours")
    ensemble_options(s)
    s.add_argument("--workers", type=int, help="processes for --ensemble (default: all cores)")
    constraint_engine_options(s)
    s.add_argument("--resume", action="store_true", help="--ensemble: continue an interrupted evaluation")
    s.add_argument("--no-compare", action="store_true", help="--ensemble: leave out the column of the shipped "
                   "accepted ensemble (which re-runs its members into DIR/accepted)")
    model_options(s)
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
    s.add_argument("--context", choices=["fibroblast", "epithelial"],
                   help="instead of the headline predictions: the fibroblast prevention/reversal numbers or the "
                        "epithelial dual-role numbers, Sobol total-order over the members they are quoted over "
                        "(candidate constants, mechanism modules, model modules; resumable)")
    s.add_argument("-o", "--output", required=True, help="results folder")
    executor_options(s)
    s.set_defaults(func=cmd_measure_next)

    s = sub.add_parser("ensemble", help="the literature-constrained ensemble: parameter sets from the prior ranges "
                       "that meet the behaviours of validate (accepted.csv: use it with --ensemble FILE)")
    s.add_argument("--method", choices=["subset", "rejection"], default="subset",
                   help="subset (default): ABC by subset simulation, levels of tolerance on the behaviours' summed "
                        "margins down to 0; rejection: keep the prior draws that meet every behaviour some draw meets")
    s.add_argument("--population", type=int, default=100, help="subset: members per level, a multiple of 5 "
                   "(default 100)")
    s.add_argument("--members", type=int, help="subset: size of the accepted ensemble (default: --population); "
                   "above the population, chains at tolerance 0 grow it from its distinct members once every "
                   "constraint is met (one simulated set per member; some members repeat). A finished run grows "
                   "with --resume --members N")
    s.add_argument("--grow", metavar="accepted|FILE", help="subset: grow an accepted ensemble (the shipped one, or "
                   "an accepted.csv) to --members with chains at tolerance 0, instead of building one from the prior; "
                   "its members are checked against the constraints first")
    s.add_argument("--runs", type=int, default=1, help="subset: independent runs (seeds --seed, --seed + 1, ...; "
                   "folders run_1, ...) pooled with equal weight: one run's members descend from a few early draws, "
                   "so its bands can be too narrow (default 1)")
    s.add_argument("--max-levels", type=int, default=40, help="subset: stop after this many levels (default 40)")
    s.add_argument("--draws", type=int, default=200, help="rejection: parameter sets drawn (default 200)")
    s.add_argument("--seed", type=int, default=0, help="seed of the draws (default 0)")
    s.add_argument("--behaviours", metavar="B1,B3,...", help="constraints (default: every behaviour of validate; "
                   "subset leaves out the structural miss B26)")
    s.add_argument("--resume", action="store_true", help="continue an interrupted run in the same folder")
    s.add_argument("-o", "--output", required=True, help="results folder")
    s.add_argument("--models", help="exports folder (default: the shipped exports)")
    s.add_argument("--workers", type=int, help="worker processes (default: all cores)")
    constraint_engine_options(s)
    s.add_argument("--vary", metavar="BLOCK|NAME[,...]", help="subset: draw only these constants: blocks (column "
                   "block of parameters.csv, e.g. fibrosis) or single parameters (e.g. kdeg_ACTA2); the others stay "
                   "at their (context's) values")
    context_option(s)
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
    s.add_argument("--sample", type=int, metavar="N", help="after the fit (and profiles): N steps of an adaptive "
                   "Metropolis chain from the best fit (pyPESTO), the posterior's median and central 95%% interval per "
                   "parameter next to the profile interval; posterior_intervals.csv, samples.csv, posterior.png "
                   "(hepatocyte: ~30 ms per step; 20,000 steps reach its ridges, 5,000 do not)")
    s.add_argument("--max-iter", type=int, default=200, help="iterations per start (fides), residual evaluations "
                   "(scipy-ls) or evaluations per parameter (nelder-mead); default 200")
    s.add_argument("--resume", action="store_true", help="continue a stopped fit in the same folder (finished starts "
                   "in starts.csv are kept)")
    s.add_argument("-o", "--output", required=True, help="results folder (best.csv, starts.csv, confidence.csv, "
                   "summary.json, figures)")
    s.add_argument("--network", default="auto", choices=["auto", *NETWORKS],
                   help="auto (default): the lean TGF-beta1-only network when the problem doses only TGF-beta1")
    model_options(s)
    s.set_defaults(func=cmd_calibrate)
