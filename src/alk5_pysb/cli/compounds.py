"""`alk5 inhibition`, `alk5 compare-compounds` and `alk5 regimen`: inhibitors, their potency and dosing."""
from __future__ import annotations

import json
from pathlib import Path

from alk5_pysb.cli.common import (
    band_text, checked_ligand, context_option, context_values, engine_settings, ensemble_members, ensemble_options,
    fits_path, inhibitor_scan_options, name_list, param_options, prepare_output, scan_options, scan_params,
    set_names, simulator, write_fits)
from alk5_pysb.errors import UserInputError
from alk5_pysb.io.locations import EXTRA_NETWORKS
from alk5_pysb.io.units import format_concentration, parse_concentration, parse_duration


def _inhibition_experiment(ligand, ligand_dose_text, protocol_text, readouts, metrics_text, params):
    from alk5_pysb.simulation.experiment import Experiment, schedule
    from alk5_pysb.simulation.metrics import parse_metrics
    return Experiment(ligand=checked_ligand(ligand), dose_pM=parse_concentration(ligand_dose_text, to="pM", what="--ligand-dose"),
                      readouts=readouts, metrics=parse_metrics(metrics_text), params=params, **schedule(protocol_text))


def run_inhibition(sim, experiment, compound, doses_text, out, resume=False, engine=None, members=None):
    from alk5_pysb.analysis.dose_response import inhibition
    from alk5_pysb.io.units import parse_dose_grid
    doses = parse_dose_grid(doses_text, to="nM", molar_mass_kDa=None, what="--doses")
    sim.check_readouts(experiment.readouts)
    data, fits = inhibition(sim, experiment, compound, doses, out=out, resume=resume, engine=engine, members=members)
    print(f"{compound.name} (cellular Kd {compound.kd_cell_nM:.3g} nM), {experiment.schedule_text}, "
          f"{experiment.ligand} {format_concentration(experiment.dose_pM)}: {len(doses)} doses -> {out}")
    write_fits(out, fits, "IC50", "nM")
    return data, fits


def cmd_inhibition(args):
    from alk5_pysb.pharmacology.compounds import get_compound
    compound = get_compound(args.compound, args.ki, args.compound_file)
    out = prepare_output(args.output, args.resume, args.force)
    sim = simulator(args, [checked_ligand(args.ligand)], set_names(args))
    params = scan_params(sim, args)
    experiment = _inhibition_experiment(args.ligand, args.ligand_dose, args.protocol, name_list(args.readouts), args.metric,
                                        params)
    run_inhibition(sim, experiment, compound, args.doses, out, args.resume, engine_settings(args), ensemble_members(args, sim))
    args.provenance, args.outputs = (sim, params), [out, fits_path(out)]
    return 0


def cmd_compare_compounds(args):
    from alk5_pysb.analysis.comparison import compare_compounds
    out = prepare_output(args.output, args.resume, args.force)
    readouts = name_list(args.readouts)
    sim = simulator(args)
    members = ensemble_members(args, sim)
    table = compare_compounds(sim, readouts, args.doses, args.ligand_dose, args.protocol,
                              args.metric, out, resume=args.resume, engine=engine_settings(args), members=members)
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
                print(f"  GMFE ({label}) over the members: {band_text(ens[f'gmfe_{label}'], '')}")
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
    values = context_values(args)
    readouts = name_list(args.readouts)
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
        members = ensemble_members(args)
        if fu is not None:
            print("ensemble: --fu fixes the fraction unbound; the other PK values are drawn from their ranges")
        ens = regimen_ensemble(args.compound, regimen, parse_concentration(args.tgfb1, to="pM", what="--tgfb1"),
                               readouts, members, out, seed=args.seed, models=args.models, washout_days=washout,
                               residence_time_min=residence, fu=fu, network=network, values=values)
        for key, b in ens["metrics"].items():
            if "trough" in key or "peak" in key:
                print(f"  {key}: {band_text({**b, 'median': 100 * b['median'], 'q05': 100 * b['q05'], 'q95': 100 * b['q95']}, '%')}")
        for key, found in ens["rests_on"].items():
            parts = [f"{group.replace('_', ' ')}: " + (", ".join(f"{c['constant']} {c['spearman']:+.2f}"
                                                              for c in f["constants"][:3]) or "none above the noise floor")
                     for group, f in found.items()]
            print(f"  {key} rests on " + "; ".join(parts))
        print(f"  ensemble: {out / 'ensemble_cycles.csv'} (every member), {out / 'ensemble_timecourse.csv'}, "
              f"{out / 'regimen_ensemble.png'}" + (f"; {len(ens['failed'])} members failed" if ens["failed"] else ""))
    print(f"wrote {out}/timecourse.csv, cycles.csv, summary.json, regimen.sbml, regimen.png")
    return 0



def add_commands(sub):
    """The subcommands of this group."""
    s = sub.add_parser("inhibition", help="ALK5-inhibitor potency (IC50 per readout) under a protocol")
    s.add_argument("--compound", help="library compound (see `alk5 compare-compounds`), or a name for --ki")
    s.add_argument("--ki", help="biochemical ALK5 Ki/IC50 of your own compound (30nM)")
    s.add_argument("--compound-file", help="CSV with columns name,alk5_ic50_nM[,tbrii_ic50_nM,cell_ic50_nM]")
    s.add_argument("--ligand", default="TGFB1")
    inhibitor_scan_options(s, "1nM:30uM:25")
    param_options(s)
    ensemble_options(s)
    scan_options(s, "inhibition")
    s.set_defaults(func=cmd_inhibition)

    s = sub.add_parser("compare-compounds", help="all library compounds: literature vs model cellular IC50")
    inhibitor_scan_options(s, "0.1nM:100uM:19")
    scan_options(s, "comparison")
    ensemble_options(s)
    s.set_defaults(func=cmd_compare_compounds)

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
    ensemble_options(s)
    context_option(s)
    s.add_argument("--models", help="exports folder (default: the shipped exports)")
    s.set_defaults(func=cmd_regimen)
