"""Literature behaviours (``validation_targets.md`` B1-B11; B12-B14 from Zi 2011 and Clarke 2009; B15-B19 the
non-canonical branches, B20-B24 target genes, B25-B26 pharmacology) evaluated on the model.

Each check returns a :class:`Check` row: behaviour | target | model | pass | note. Tests assert
``passed``; ``alk5 validate`` and the issue note print the table. Tolerances are the
reviewer's, copied from the targets file; they are never adjusted to make a check pass. They live in
``data/behaviours/canonical.csv`` (behaviour, target, source) and ``canonical_bands.csv`` (one band per
quantity a check computes): a check simulates and computes its quantities, ``checks.judged`` decides.
"""
from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd

from alk5_pysb.analysis.checks import SIMULATION_FAILED, Check, judged, miss, sibling_models
from alk5_pysb.analysis.fitting import fit_hill, half_life_of_decay
from alk5_pysb.simulation.metrics import peak, value_at
from alk5_pysb.simulation.experiment import Experiment
from alk5_pysb.simulation.simulator import Simulator

NO_FEEDBACK = {"kon_Smad7_ALK5": 0.0}   # equivalent to build_model(exclude={"feedback"}) (tested)
NO_SMAD4 = {"Smad4_0": 0.0}             # Smad4-null cells: no nuclear Smad complexes, no Smad target genes
NO_P38 = {"k_act_p38": 0.0, "k_act_p38_GADD45B": 0.0}   # p38 blocked (SB203580 or kinase-dead p38)


def _value(sim, name) -> float:
    """A parameter's value in the runs of this check (the model's, times the ensemble member's fold)."""
    return sim.nominal(name) * sim.folds.get(name, 1.0)


def _tc(sim, dose, t_end=1440, n=289, readouts=None, params=None, **kw):
    return sim.run(Experiment(dose_pM=dose, t_end_min=t_end, n_points=n, **kw), readouts=readouts, params=params)


def b1_peak_time(sim: Simulator) -> Check:
    doses = [1.0, 10.0, 50.0, 100.0, 1000.0]
    times = [peak(_tc(sim, d, t_end=480, n=481, readouts=["pSmad2"]), "pSmad2")[0] for d in doses]
    values = {f"peak_time_min_{d:g}pM": t for d, t in zip(doses, times) if d >= 50}
    # not later at the higher dose: each peak time over the previous dose's (1e-9 min tolerance) <= 1
    values.update({f"peak_time_{b:g}pM_over_{a:g}pM": tb / (ta + 1e-9)
                   for (a, ta), (b, tb) in zip(zip(doses, times), zip(doses[1:], times[1:]))})
    model = ", ".join(f"{d:g} pM: {t:.0f} min" for d, t in zip(doses, times))
    return judged("B1", values, model)


def b2_sustained(sim: Simulator) -> Check:
    ratios = {}
    for dose in (50.0, 100.0):
        tc = _tc(sim, dose, t_end=480, n=481, readouts=["pSmad2"])
        ratios[dose] = value_at(tc, "pSmad2", 240) / peak(tc, "pSmad2")[1]
    return judged("B2", {f"pSmad2_4h_over_peak_{d:g}pM": r for d, r in ratios.items()},
                  ", ".join(f"{d:g} pM: {r:.2f}" for d, r in ratios.items()))


def b3_graded_short_term(sim: Simulator) -> Check:
    doses = np.logspace(-2, 3, 16)
    values = [value_at(_tc(sim, d, t_end=45, n=46, readouts=["pSmad2"]), "pSmad2", 45) for d in doses]
    fit = fit_hill(doses, values)
    values = {"EC50_pM": fit.ec50, "hill": fit.hill} if fit.converged else {"EC50_pM": np.nan, "hill": np.nan}
    return judged("B3", values,
                  f"EC50 {fit.ec50:.2g} pM (95% CI {fit.ec50_ci[0]:.2g}-{fit.ec50_ci[1]:.2g}), nH {fit.hill:.2f}")


def b4_inhibitor_washoff(sim: Simulator) -> Check:
    from alk5_pysb.pharmacology.compounds import get_compound
    dose, t_add = 100.0, 45.0
    tc = sim.run(Experiment(dose_pM=dose, t_end_min=240, n_points=481, inhibitor_nM=10000.0, inhibitor_at_min=t_add,
                            compound=get_compound("SB-431542")),
                 readouts=["pSmad2", "nuc_Smad2"])
    rest = sim.run(Experiment(dose_pM=0.0, t_end_min=10, n_points=3), readouts=["pSmad2", "nuc_Smad2"]).iloc[0]
    before = value_at(tc, "pSmad2", t_add)
    t_half = half_life_of_decay(tc, "pSmad2", t_add, baseline=0.0)
    frac_90 = value_at(tc, "pSmad2", 90.0) / before
    frac_135 = value_at(tc, "pSmad2", t_add + 90.0) / before
    return judged("B4", {"half_life_min": t_half, "pSmad2_90min_over_pre_inhibitor": frac_90},
                  f"t1/2 {t_half:.1f} min; {100 * frac_90:.0f}% at 90 min ({100 * frac_135:.0f}% at 135 min); "
                  f"resting pSmad2 {100 * rest['pSmad2'] / before:.0f}% of pre-inhibitor",
                  "t = 90 min read as 45 min after the inhibitor (strict reading of the target)")


def b5_nuclear_accumulation(sim: Simulator) -> Check:
    cols = ["nuc_Smad2", "cyt_Smad2", "Smad2_export_flux", "Smad2_import_flux"]
    tc = _tc(sim, 100.0, t_end=45, n=46, readouts=cols)
    vn, vc = _value(sim, "V_nucleus"), _value(sim, "V_cytoplasm")
    r0, r45 = tc.iloc[0], tc.iloc[-1]
    ratio = lambda r: (r["nuc_Smad2"] / vn) / (r["cyt_Smad2"] / vc)
    fold = ratio(r45) / ratio(r0)
    nuc_fraction = r0["nuc_Smad2"] / (r0["nuc_Smad2"] + r0["cyt_Smad2"])
    export0, export45 = r0["Smad2_export_flux"] / r0["nuc_Smad2"], r45["Smad2_export_flux"] / r45["nuc_Smad2"]
    import0, import45 = r0["Smad2_import_flux"] / r0["cyt_Smad2"], r45["Smad2_import_flux"] / r45["cyt_Smad2"]
    export_drop, import_rise = export0 / export45, import45 / import0
    return judged("B5", {"NC_ratio_fold_45min": fold, "basal_nuclear_fraction": nuc_fraction,
                         "export_drop_over_import_rise": export_drop / import_rise},
                  f"x{fold:.2f}; basal nuclear fraction {100 * nuc_fraction:.0f}%; effective export /{export_drop:.1f}, "
                  f"effective import x{import_rise:.1f}")


def b6_smad7_immediate_early(sim: Simulator) -> Check:
    rows, values = [], {}
    for dose in (50.0, 100.0):
        tc = _tc(sim, dose, readouts=["SMAD7_mRNA", "PAI1_mRNA"])
        t_pk, v_pk = peak(tc, "SMAD7_mRNA")
        at8 = value_at(tc, "SMAD7_mRNA", 480) / v_pk
        t_pai1 = peak(tc, "PAI1_mRNA")[0]
        values.update({f"SMAD7_peak_time_min_{dose:g}pM": t_pk, f"SMAD7_8h_over_peak_{dose:g}pM": at8,
                       f"SMAD7_peak_over_PAI1_peak_{dose:g}pM": t_pk / t_pai1})
        rows.append(f"{dose:g} pM: peak {t_pk / 60:.1f} h, 8 h at {100 * at8:.0f}% of peak, PAI-1 peak {t_pai1 / 60:.1f} h")
    return judged("B6", values, "; ".join(rows))


def _long_term_fit(sim, readout: str, hours: float):
    """Hill fit of a readout at a late time over 16 doses (0.01-1000 pM), refined with 8 doses around the first
    EC50 estimate: a switch falls between two coarse doses, where one fit cannot place its EC50 or slope."""
    def values(doses):
        return [value_at(_tc(sim, d, t_end=60 * hours, n=2, readouts=[readout]), readout, 60 * hours) for d in doses]
    doses = list(np.logspace(-2, 3, 16))
    data = values(doses)
    first = fit_hill(doses, data)
    if np.isfinite(first.ec50) and 1e-2 < first.ec50 < 1e3:
        extra = list(np.logspace(np.log10(first.ec50 / 3), np.log10(first.ec50 * 3), 8))
        doses, data = doses + extra, data + values(extra)
    return fit_hill(doses, data)


def b7_pai1_delayed_switch(sim: Simulator) -> Check:
    tc = _tc(sim, 100.0, readouts=["PAI1_mRNA", "CTGF_mRNA", "COL1A1_mRNA", "ACTA2_mRNA"])
    t_pai1 = peak(tc, "PAI1_mRNA")[0]
    late = {g: peak(tc, g)[0] for g in ("CTGF_mRNA", "COL1A1_mRNA", "ACTA2_mRNA")}
    fits = {(r, h): _long_term_fit(sim, r, h) for r in ("PAI1_mRNA", "pSmad2") for h in (8, 24)}
    steep = all(f.converged and f.hill >= 1.5 for f in fits.values())
    values = {"PAI1_peak_time_min": t_pai1}
    values.update({f"{r.split('_')[0]}_hill_{h}h": f.hill if f.converged else np.nan for (r, h), f in fits.items()})
    values.update({f"{g.split('_')[0]}_peak_time_min": t for g, t in late.items()})
    slopes = "; ".join(f"{r.split('_')[0]} nH {fits[r, 8].hill:.2f} at 8 h, {fits[r, 24].hill:.2f} at 24 h "
                       f"(EC50 {fits[r, 8].ec50:.2g}, {fits[r, 24].ec50:.2g} pM)" for r in ("PAI1_mRNA", "pSmad2"))
    return judged("B7", values,
                  f"PAI-1 peak {t_pai1 / 60:.1f} h; {slopes}; "
                  + ", ".join(f"{g.split('_')[0]} {t / 60:.1f} h" for g, t in late.items()),
                  "the late switch comes from ligand depletion: low doses are consumed within hours (B12), "
                  "as in Zi et al. 2011" if steep else
                  "long-term switch missed: " + "; ".join(f"{r} {h} h: {f.message or f'nH {f.hill:.2f}'}"
                                                           for (r, h), f in fits.items() if not (f.converged and f.hill >= 1.5)))


def b8_receptor_downregulation(sim: Simulator) -> Check:
    rows, values = [], {}
    for dose in (50.0, 100.0):
        tc = _tc(sim, dose, t_end=240, n=241, readouts=["total_TBRII", "total_TBRI", "pSmad2"])
        loss2 = 1 - value_at(tc, "total_TBRII", 180) / tc["total_TBRII"].iloc[0]
        loss1 = 1 - value_at(tc, "total_TBRI", 180) / tc["total_TBRI"].iloc[0]
        nofb = _tc(sim, dose, t_end=240, n=241, readouts=["pSmad2"], params=NO_FEEDBACK)
        gain = value_at(nofb, "pSmad2", 240) / value_at(tc, "pSmad2", 240) - 1
        values.update({f"TBRII_loss_3h_{dose:g}pM": loss2, f"TBRI_loss_minus_TBRII_loss_{dose:g}pM": loss1 - loss2,
                       f"no_feedback_pSmad2_4h_gain_{dose:g}pM": gain})
        rows.append(f"{dose:g} pM: TbetaRII -{100 * loss2:.0f}%, TbetaRI -{100 * loss1:.0f}%, no feedback +{100 * gain:.0f}% pSmad2(4 h)")
    return judged("B8", values, "; ".join(rows))


def _ec50_45min(sim, ligand, doses, params=None):
    values = [value_at(sim.run(Experiment(ligand=ligand, dose_pM=d, t_end_min=45, n_points=46), readouts=["pSmad2"],
                               params=params), "pSmad2", 45) for d in doses]
    return fit_hill(doses, values)


def b9_isoforms(sim: Simulator) -> Check:
    doses = np.logspace(-2, 5, 22)
    no_bg = {"TBRIII_0": 0.0}
    f1, f2, f3 = (_ec50_45min(sim, iso, doses, no_bg) for iso in ("TGFB1", "TGFB2", "TGFB3"))
    g1, g2 = (_ec50_45min(sim, iso, doses) for iso in ("TGFB1", "TGFB2"))
    r2_without, r2_with, r3 = f2.ec50 / f1.ec50, g2.ec50 / g1.ec50, f3.ec50 / f1.ec50
    fitted = lambda ratio, *fits: ratio if all(f.converged for f in fits) else np.nan
    return judged("B9", {"EC50_b2_over_b1_without_betaglycan": fitted(r2_without, f2, f1),
                         "EC50_b2_over_b1_with_betaglycan": fitted(r2_with, g2, g1),
                         "EC50_b3_over_b1": fitted(r3, f3, f1)},
                  f"b2/b1 {r2_without:.0f} without betaglycan, {r2_with:.2f} with (TBRIII_0 default); b3/b1 {r3:.2f} "
                  f"(EC50 b1 {f1.ec50:.2g} pM)")


#: B10 potency order as validation_targets.md states it: vactosertib ~ RepSox < A-83-01 < SB-431542. The two
#: compounds written "~" form one rank (their order is not asserted: reported cellular IC50 16.5 vs 18 nM);
#: every compound of a rank must be more potent (lower IC50) than every compound of the next rank.
B10_ORDER = (("vactosertib", "RepSox"), ("A-83-01",), ("SB-431542",))
#: the compounds whose model IC50 is held to a band around the reported cellular IC50 (bands table)
B10_BANDED = ("vactosertib", "RepSox", "SB-431542")
B10_TARGET = ("model IC50 within 0.3-10x of the reported cellular IC50 (vactosertib, RepSox, SB-431542); potency order "
              + " < ".join(" ~ ".join(rank) for rank in B10_ORDER) + " (IC50 rising; '~': same rank, not ordered)")


def potency_order_breaks(ic50: dict, ranks=B10_ORDER) -> list[tuple[str, str]]:
    """Pairs (a, b) where a should be more potent than b (a lower IC50) but is not, over the full order."""
    return [(a, b) for rank, following in zip(ranks, ranks[1:]) for a in rank for b in following
            if not ic50[a] < ic50[b]]


def b10_inhibitor_potency(sim: Simulator) -> Check:
    from alk5_pysb.pharmacology.compounds import (declared_assay, get_compound, library, residual_factor,
                                                  simulable_compounds)
    from alk5_pysb.simulation.metrics import parse_metric
    from alk5_pysb.analysis.dose_response import inhibition
    doses = np.logspace(-1, 5, 19)
    results, skipped, values = {}, [], {}
    for name in (n for rank in B10_ORDER for n in rank):
        if name not in simulable_compounds():
            skipped.append(name)
            continue
        d = declared_assay(library().loc[name])
        pretreated = Experiment(dose_pM=d["dose_pM"], pretreat_min=d["pretreat_min"], readouts=[d["readout"]],
                                metrics=[parse_metric(d["metric"])])
        _, fits = inhibition(sim, pretreated, get_compound(name), doses)
        ic50 = float(fits["ic50"].iloc[0])
        reported = float(library().loc[name, "cell_ic50_nM"])
        results[name] = (ic50, reported, f"{d['readout']} {d['metric']}")
    for name in B10_BANDED:      # a banded compound the library cannot simulate has no IC50: nan, a miss
        values[f"IC50_over_reported_{name.replace('-', '')}"] = (results[name][0] / results[name][1]
                                                                  if name in results else np.nan)
    ranks = tuple(tuple(n for n in rank if n in results) for rank in B10_ORDER)
    broken = potency_order_breaks({n: v[0] for n, v in results.items()}, tuple(r for r in ranks if r))
    model = "; ".join(f"{n} {v[0]:.3g} nM vs {v[1]:g} ({v[0] / v[1]:.1f}x, {v[2]})" for n, v in results.items())
    order = " < ".join(sorted(results, key=lambda n: results[n][0]))
    note = (f"Kd_cell = Cheng-Prusoff Kd against cellular ATP x {residual_factor():.3g} (Kd_residual_factor, fitted on "
            "the verified cellular values: alk5 calibrate potency); each compound read on its declared assay "
            "(data/potency.csv)")
    if skipped:
        note += "; not simulated (no cell-free ALK5 potency): " + ", ".join(skipped)
    if broken:
        note += "; ORDER MISSED: " + ", ".join(f"{a} not more potent than {b}" for a, b in broken)
    check = judged("B10", values, model + f"; order {order}", note)
    # the potency order is an order, not a band: which pairs it compares depends on the compounds the library
    # can simulate (consecutive non-empty ranks), so it is judged here; a pair met with equality counts 1e-3
    check.passed = check.passed and not broken
    check.margin += sum(miss(results[a][0] / results[b][0], high=1) or 1e-3 for a, b in broken)
    return check


def b11_branch_selectivity(sim: Simulator) -> Check:
    from alk5_pysb.pharmacology.compounds import get_compound
    from alk5_pysb.simulation.metrics import parse_metric
    from alk5_pysb.analysis.dose_response import inhibition
    compound = get_compound("SB-431542")
    pretreated = Experiment(dose_pM=100.0, pretreat_min=60.0, readouts=["pSmad2"], metrics=[parse_metric("at:60min")])
    _, fits = inhibition(sim, pretreated, compound, np.logspace(0, 5, 16))
    ic50 = float(fits["ic50"].iloc[0])
    cols = ["pSmad2", "ERK_active", "p38_active", "JNK_active", "TAK1_active"]

    def fractions(params=None):
        ctrl = sim.run(Experiment(dose_pM=100.0, t_end_min=60, n_points=61), readouts=cols, params=params).iloc[-1]
        drug = sim.run(Experiment(dose_pM=100.0, t_end_min=60, n_points=61, compound=compound, inhibitor_nM=10 * ic50,
                                  pretreat_min=60), readouts=cols, params=params).iloc[-1]
        return {c: drug[c] / ctrl[c] for c in cols}
    frac = fractions()
    needs_kinase = fractions({"TRAF6_needs_ALK5_kinase": 1.0})
    flag = frac["p38_active"] >= 0.5 and frac["TAK1_active"] >= 0.5
    other = f"; with TRAF6_needs_ALK5_kinase = 1: p38 {100 * needs_kinase['p38_active']:.0f}%, " \
            f"JNK {100 * needs_kinase['JNK_active']:.0f}%"
    return judged("B11", {"pSmad2_fraction_of_control": frac["pSmad2"], "ERK_fraction_of_control": frac["ERK_active"]},
                  f"IC50 {ic50:.3g} nM; at 10x: " + ", ".join(f"{c} {100 * v:.1f}%" for c, v in frac.items()) + other,
                  "TAK1/p38 spared: the default TRAF6 arm is kinase-independent (Sorrentino 2008); with "
                  "TRAF6_needs_ALK5_kinase = 1 (Bakin 2002) it is inhibited, see figures/branch_selectivity.png" if flag else
                  "FLAG: TAK1/p38 inhibited > 50% (experimental data are mixed; TRAF6_needs_ALK5_kinase = "
                  f"{_value(sim, 'TRAF6_needs_ALK5_kinase'):g})")


def _medium_fraction(sim, dose, t_end=1440, params=None):
    """Free ligand left in the medium (fraction of the dose) after a step at t = 0, 1-min grid."""
    frame = _tc(sim, dose, t_end=t_end, n=int(t_end) + 1, readouts=["free_ligand"], params=params)
    return frame["time_min"].to_numpy(), frame["free_ligand"].to_numpy() / dose


def _time_to_half(times, fraction) -> float:
    """First time the fraction falls to 0.5 (linear between grid points); inf if it never does."""
    below = np.nonzero(fraction <= 0.5)[0]
    if not len(below) or below[0] == 0:
        return float("inf")
    i = below[0]
    return float(times[i - 1] + (fraction[i - 1] - 0.5) / (fraction[i - 1] - fraction[i]) * (times[i] - times[i - 1]))


def b12_ligand_depletion(sim: Simulator) -> Check:
    """Low doses are consumed by the cells within hours, high doses are not, and consumption scales with
    the number of cells per volume of medium (Zi 2011; Clarke 2009)."""
    from alk5_pysb.analysis.reference_models import zi2011_time_course
    left = {d: _medium_fraction(sim, d, t_end=480)[1][-1] for d in (1.0, 10.0, 50.0, 100.0)}
    zi = {d: zi2011_time_course(d, 480)["ligand_fraction"].iloc[-1] for d in (1.0, 10.0, 50.0, 100.0)}
    v_medium = _value(sim, "V_medium")     # the member's medium volume (run params are absolute)
    t_half = _time_to_half(*_medium_fraction(sim, 10.0))
    t_half_dense = _time_to_half(*_medium_fraction(sim, 10.0, params={"V_medium": v_medium / 2}))
    ratio = t_half_dense / t_half if np.isfinite(t_half) else float("nan")
    values = {f"ligand_left_8h_{d:g}pM": left[d] for d in (1.0, 10.0, 50.0, 100.0)}
    values["half_medium_time_to_half_ratio"] = ratio
    fmt = lambda values: ", ".join(f"{d:g} pM {100 * v:.0f}%" for d, v in values.items())
    return judged("B12", values,
                  f"left at 8 h: {fmt(left)}; 10 pM half-consumed at {t_half / 60:.1f} h, {t_half_dense / 60:.1f} h "
                  f"with half the medium (x{ratio:.2f})",
                  f"Zi 2011 model, same protocol, left at 8 h: {fmt(zi)}. Not independent: kon_ALK5_complex (assumed "
                  "2D assembly rate) was chosen against this behaviour; kon and the receptor amounts are Zi 2011's. "
                  "Depletion at 10-50 pM is limited by receptor supply (synthesis and recycling), so high doses persist")


def b13_transient_pulse(sim: Simulator) -> Check:
    """A 30-s pulse of TGF-beta gives a transient pSmad2 response (Zi 2011)."""
    from alk5_pysb.analysis.reference_models import zi2011_time_course
    ours, zi = {}, {}
    for dose in (50.0, 100.0):
        frame = _tc(sim, dose, t_end=480, n=481, readouts=["pSmad2"], washout_min=0.5)
        ours[dose] = frame["pSmad2"].iloc[240] / frame["pSmad2"].max()
        ref = zi2011_time_course(dose, 480, washout_min=0.5)
        zi[dose] = ref["pSmad2"].iloc[240] / ref["pSmad2"].max()
    fmt = lambda values: ", ".join(f"{d:g} pM {100 * v:.0f}%" for d, v in values.items())
    return judged("B13", {f"pSmad2_4h_over_peak_{d:g}pM": v for d, v in ours.items()},
                  f"pSmad2(4 h)/peak: {fmt(ours)}",
                  f"Zi 2011 model, same pulse: {fmt(zi)}. After the washout, ligand released from non-specific sites "
                  "(~2% of the dose) is consumed within an hour (B12), so receptor activity decays")


def b14_pulses_integrate(sim: Simulator) -> Check:
    """Repeated short pulses at short intervals integrate into a growing response (Zi 2011)."""
    from alk5_pysb.analysis.reference_models import zi2011_time_course
    dose, every, pulses = 50.0, 30.0, 3

    def ratio(frame):
        window = lambda lo, hi: frame[(frame["time_min"] >= lo) & (frame["time_min"] < hi)]["pSmad2"].max()
        return window((pulses - 1) * every, 480.0) / window(0.0, every)
    ours = ratio(_tc(sim, dose, t_end=480, n=481, readouts=["pSmad2"], washout_min=0.5, pulses=pulses,
                     pulse_every_min=every))
    zi = ratio(zi2011_time_course(dose, 480, washout_min=0.5, pulses=pulses, pulse_every_min=every))
    return judged("B14", {"last_pulse_peak_over_first": ours}, f"x{ours:.2f}", f"Zi 2011 model, same pulses: x{zi:.2f}")


# --- non-canonical branches (issue 11; docs/research/noncanonical.md; [V] read in the source, [R] recalled)
NONCANONICAL = ["pSmad2", "p38_active", "JNK_active", "ERK_active", "AKT_active", "RhoA_GTP"]


def _branches(sim, dose=100.0, params=None, t_end=1440):
    return _tc(sim, dose, t_end=t_end, n=int(t_end) + 1, readouts=NONCANONICAL, params=params)


def _pool(sim, name):
    return _value(sim, f"{name}_0")


def b15_p38_transient(sim: Simulator) -> Check:
    tc = _branches(sim)
    base = tc["p38_active"].iloc[0]
    t_pk, v_pk = peak(tc, "p38_active")
    at15, at4h, at24h = (value_at(tc, "p38_active", t) for t in (15, 240, 1440))
    pool = _pool(sim, "p38")
    return judged("B15", {"p38_15min_over_basal": at15 / base, "p38_peak_time_min": t_pk,
                          "p38_4h_over_peak": at4h / v_pk, "p38_24h_over_pool": at24h / pool},
                  f"x{at15 / base:.0f} basal at 15 min; peak {t_pk:.0f} min ({100 * v_pk / pool:.0f}% of pool); "
                  f"4 h {100 * at4h / v_pk:.0f}% of peak; 24 h {100 * at24h / pool:.0f}% of pool",
                  "transience comes from the p38-TAB1 feedback on TAK1 (Cheung 2003); the decay by 4 h is [R], "
                  "the 24-h bound is the issue's 'no branch saturated for a day'")


def b16_jnk_smad_independent(sim: Simulator) -> Check:
    ctrl, null = _branches(sim, t_end=240), _branches(sim, t_end=240, params=NO_SMAD4)
    t_pk, v_pk = peak(ctrl, "JNK_active")
    change = abs(peak(null, "JNK_active")[1] / v_pk - 1)
    t_p38 = peak(ctrl, "p38_active")[0]
    return judged("B16", {"JNK_peak_time_min": t_pk, "Smad4_null_JNK_peak_change": change},
                  f"peak {t_pk:.0f} min (p38 {t_p38:.0f} min), {100 * v_pk / _pool(sim, 'JNK'):.0f}% of pool; "
                  f"Smad4-null {100 * change:.1f}% change",
                  "JNK has its own constants (slower turnover than p38, assumed); both share TAK1")


def b17_erk_sustained(sim: Simulator) -> Check:
    tc = _branches(sim, t_end=240)
    base = tc["ERK_active"].iloc[0]
    t_pk, v_pk = peak(tc, "ERK_active")
    at10, at90 = value_at(tc, "ERK_active", 10), value_at(tc, "ERK_active", 90)
    weak = v_pk / _pool(sim, "ERK")
    return judged("B17", {"ERK_10min_over_basal": at10 / base, "ERK_90min_over_peak": at90 / v_pk},
                  f"x{at10 / base:.0f} basal at 10 min; {100 * at90 / v_pk:.0f}% of peak at 90 min; "
                  f"peak {t_pk:.0f} min, {100 * weak:.0f}% of pool",
                  "weak as Lee 2007 reports" if weak <= 0.3 else "FLAG: ERK peak above 30% of its pool")


def b18_akt_delayed_p38_dependent(sim: Simulator) -> Check:
    ctrl, blocked = _branches(sim), _branches(sim, params=NO_P38)
    t = {c: peak(ctrl, c)[0] for c in ("AKT_active", "p38_active", "pSmad2")}
    cut = 1 - peak(blocked, "AKT_active")[1] / peak(ctrl, "AKT_active")[1]
    # peak times on the 1-min grid of _branches: "after" is at least one grid step later
    return judged("B18", {"AKT_peak_minus_p38_peak_min": t["AKT_active"] - t["p38_active"],
                          "AKT_peak_minus_pSmad2_peak_min": t["AKT_active"] - t["pSmad2"],
                          "p38_blocked_AKT_peak_cut": cut},
                  f"peaks: AKT {t['AKT_active']:.0f}, p38 {t['p38_active']:.0f}, pSmad2 {t['pSmad2']:.0f} min; "
                  f"p38 blocked: AKT -{100 * cut:.0f}%",
                  "AKT runs through a lumped p38-dependent autocrine factor; the TRAF6-p85 route (Hamidi 2017) is weak")


def b19_rhoa_smad_independent(sim: Simulator) -> Check:
    ctrl, null = _branches(sim, t_end=240), _branches(sim, t_end=240, params=NO_SMAD4)
    t_pk, v_pk = peak(ctrl, "RhoA_GTP")
    at15 = value_at(ctrl, "RhoA_GTP", 15) / v_pk
    kept = peak(null, "RhoA_GTP")[1] / v_pk
    return judged("B19", {"RhoA_15min_over_peak": at15, "Smad4_null_RhoA_peak_over_control": kept},
                  f"{100 * at15:.0f}% of peak at 15 min (peak {t_pk:.0f} min); Smad4-null {100 * kept:.0f}% of control",
                  "the 5-15 min timing is [R]; a late, Smad4-dependent RhoA wave (Tsapara 2010) is not modelled")


# --- target genes (issue 11; docs/research/target_genes.md)
GENE_READOUTS = ["PAI1_mRNA", "SMAD7_mRNA", "CTGF_mRNA", "COL1A1_mRNA", "ACTA2_mRNA", "pSmad2"]
SMAD3_KNOCKDOWN = 0.1     # fraction of Smad3 left, a typical siRNA knock-down


def _genes(sim, dose=100.0, params=None, t_end=2880):
    return _tc(sim, dose, t_end=t_end, n=t_end // 10 + 1, readouts=GENE_READOUTS, params=params)


def _time_to_fraction(tc, readout, fraction):
    """First time the rise over basal reaches ``fraction`` of its maximal rise."""
    values = tc[readout].to_numpy()
    rise = values - values[0]
    return float(tc["time_min"].to_numpy()[np.argmax(rise >= fraction * rise.max())])


def b20_pai1_primary(sim: Simulator) -> Check:
    tc = _genes(sim, t_end=1440)
    base, top = tc["PAI1_mRNA"].iloc[0], tc["PAI1_mRNA"].max()
    t_half = _time_to_fraction(tc, "PAI1_mRNA", 0.5)
    at8 = value_at(tc, "PAI1_mRNA", 480) / top
    return judged("B20", {"PAI1_fold_max": top / base, "PAI1_half_rise_time_min": t_half, "PAI1_8h_over_max": at8},
                  f"x{top / base:.0f}; half-rise at {t_half / 60:.1f} h; 8 h at {100 * at8:.0f}% of max "
                  f"(peak {peak(tc, 'PAI1_mRNA')[0] / 60:.1f} h)",
                  "a direct Smad3/Smad4 target with a 2-h mRNA half-life, stabilised 2.5-fold; the model plateaus "
                  "after 8 h instead of falling, because nuclear Smad3 complexes stay at ~55% of peak for a day at 100 pM")


def b21_ctgf_direct(sim: Simulator) -> Check:
    tc = _genes(sim, t_end=1440)
    fold = tc["CTGF_mRNA"].max() / tc["CTGF_mRNA"].iloc[0]
    return judged("B21", {"CTGF_fold_max": fold}, f"x{fold:.1f}; peak {peak(tc, 'CTGF_mRNA')[0] / 60:.1f} h",
                  "direct Smad3 target, mRNA half-life 1.96 h (Kucich 2001)")


def b22_col1a1_post_transcriptional(sim: Simulator) -> Check:
    tc = _genes(sim, t_end=1440)
    plain = _genes(sim, t_end=1440, params={"f_stab_COL1A1": 1.0})
    rise = lambda frame: value_at(frame, "COL1A1_mRNA", 1440) / frame["COL1A1_mRNA"].iloc[0] - 1
    fold, share = 1 + rise(tc), 1 - rise(plain) / rise(tc)
    return judged("B22", {"COL1A1_fold_24h": fold, "stabilisation_share_of_rise": share},
                  f"x{fold:.1f} at 24 h; {100 * share:.0f}% of the rise from stabilisation",
                  "the stabilising mediator is unknown and lumped on nuclear Smad3 complexes")


def b23_acta2_late_sustained(sim: Simulator) -> Check:
    tc = _genes(sim)
    t_acta2, t_pai1 = _time_to_fraction(tc, "ACTA2_mRNA", 0.5), _time_to_fraction(tc, "PAI1_mRNA", 0.5)
    kept = value_at(tc, "ACTA2_mRNA", 2880) / tc["ACTA2_mRNA"].max()
    fold = tc["ACTA2_mRNA"].max() / tc["ACTA2_mRNA"].iloc[0]
    return judged("B23", {"ACTA2_half_rise_over_twice_PAI1": t_acta2 / (2 * t_pai1), "ACTA2_48h_over_max": kept},
                  f"half-rise {t_acta2 / 60:.1f} h (PAI-1 {t_pai1 / 60:.1f} h); 48 h at {100 * kept:.0f}% of max; "
                  f"x{fold:.1f}",
                  "a secondary target through a Smad-induced factor (coTF, lumped SRF induction); fold 2-5 is [R]")


def b24_smad3_knockdown(sim: Simulator) -> Check:
    ctrl = _genes(sim, t_end=480)
    kd = _genes(sim, t_end=480, params={"Smad3_0": SMAD3_KNOCKDOWN * _value(sim, "Smad3_0")})
    induction = lambda frame, r: value_at(frame, r, 480) - frame[r].iloc[0]
    cut = {r: 1 - induction(kd, r) / induction(ctrl, r) for r in ("PAI1_mRNA", "CTGF_mRNA", "SMAD7_mRNA")}
    psmad2 = abs(peak(kd, "pSmad2")[1] / peak(ctrl, "pSmad2")[1] - 1)
    return judged("B24", {"PAI1_induction_cut_8h": cut["PAI1_mRNA"], "CTGF_induction_cut_8h": cut["CTGF_mRNA"],
                          "pSmad2_peak_change": psmad2},
                  ", ".join(f"{r.split('_')[0]} -{100 * v:.0f}%" for r, v in cut.items()) + f"; pSmad2 peak {100 * psmad2:.0f}% change",
                  "SMAD7's Smad3 dependence is [R]; the model drives it by Smad3 complexes too")


# --- pharmacology (issue 12)
def b25_sb431542_washout(sim: Simulator) -> Check:
    """Washing out 10 uM SB-431542 (60-min pre-treatment) at ligand addition lets pSmad2 rise as without drug."""
    from alk5_pysb.pharmacology.compounds import get_compound
    sb = get_compound("SB-431542")
    untreated = _tc(sim, 100.0, t_end=240, n=241, readouts=["pSmad2"])
    washed = sim.run(Experiment(dose_pM=100.0, t_end_min=240, n_points=241, compound=sb, inhibitor_nM=10_000.0,
                                pretreat_min=60.0, inhibitor_washout_min=0.0), readouts=["pSmad2"])
    kept = sim.run(Experiment(dose_pM=100.0, t_end_min=240, n_points=241, compound=sb, inhibitor_nM=10_000.0,
                              pretreat_min=60.0), readouts=["pSmad2"])
    top = peak(untreated, "pSmad2")[1]
    reached = washed[washed["pSmad2"] >= 0.5 * top]["time_min"]
    t_half = float(reached.iloc[0]) if len(reached) else np.inf
    return judged("B25", {"washed_time_to_half_untreated_peak_min": t_half,
                          "kept_peak_over_untreated_peak": peak(kept, "pSmad2")[1] / top},
                  f"50% of the untreated peak at {t_half:.0f} min (untreated peak {peak(untreated, 'pSmad2')[0]:.0f} min); "
                  f"drug kept: peak {100 * peak(kept, 'pSmad2')[1] / top:.0f}%; residence time "
                  f"{60 * sb.residence_time_min:.2g} s",
                  "no published wash-out time was found: the 90-min threshold is ours, set by pSmad2's own rise "
                  "(peak 30-60 min) once receptors are free; kon is assumed (1e7 /M/s), so the residence time is too")


def b26_galunisertib_persistence(sim: Simulator) -> Check:
    """pSMAD2 inhibition outlasts galunisertib in plasma (Herbertz 2015), asked of the regimen model."""
    from alk5_pysb.analysis.regimen import _member_run, recovery
    from alk5_pysb.errors import SimulationError
    from alk5_pysb.io.locations import sbml_path
    from alk5_pysb.pharmacology.pk import Regimen, get_pk
    regimen = Regimen(150.0, 12.0, 14.0, 10.0, 1)
    # the regimen model built from the model's constants (times an ensemble member's folds, if any), from the
    # exports this simulator runs on (--models DIR), else the shipped ones
    lean = Path(sbml_path("tgfb1", sibling_models(sim, "tgfb1"))).read_text(encoding="utf-8")
    frame, cycles, error = _member_run(("galunisertib", regimen, 100.0, ["pSmad2"], lean, dict(sim.folds), {},
                                        10.0, None))
    if error:
        raise SimulationError(error)
    summary = {"recovery": [recovery(frame, regimen, "pSmad2")], "cycles": cycles.to_dict("records"),
               "pk": {"t_half_h": get_pk("galunisertib").t_half_h}}
    rec = summary["recovery"][0]
    cycle = summary["cycles"][0]
    below50, below10 = rec["hours_to_below_50pct"], rec["hours_to_below_10pct"]
    # still above 50% at the end of the run: at least the hours observed after the last dose (the fixed regimen
    # observes 10 days after it, more than the 7 days asked)
    hours50 = rec["observed_after_last_dose_h"] if below50 is None else below50
    fmt = lambda h: "not within the run" if h is None else f"{h:.0f} h"
    t_half = summary["pk"]["t_half_h"]
    return judged("B26", {"hours_to_below_50pct_after_last_dose": hours50},
                  f"on drug: peak {100 * cycle['peak_inhibition']:.0f}%, trough {100 * cycle['trough_inhibition']:.0f}%; "
                  f"after the last dose below 50% at {fmt(below50)} and below 10% at {fmt(below10)} "
                  f"(plasma t1/2 {t_half:g} h)",
                  "the model's inhibition follows the unbound drug (fast binding, pSmad turnover of minutes, ALK5 "
                  "resynthesis within hours); a slow off-rate (alk5 regimen --residence-time) cannot hold it either "
                  "because new ALK5 is made unbound; tissue retention or a slow downstream memory would be needed")


CHECKS = {
    "B1": b1_peak_time, "B2": b2_sustained, "B3": b3_graded_short_term, "B4": b4_inhibitor_washoff,
    "B5": b5_nuclear_accumulation, "B6": b6_smad7_immediate_early, "B7": b7_pai1_delayed_switch,
    "B8": b8_receptor_downregulation, "B9": b9_isoforms, "B10": b10_inhibitor_potency,
    "B11": b11_branch_selectivity, "B12": b12_ligand_depletion, "B13": b13_transient_pulse,
    "B14": b14_pulses_integrate, "B15": b15_p38_transient, "B16": b16_jnk_smad_independent,
    "B17": b17_erk_sustained, "B18": b18_akt_delayed_p38_dependent, "B19": b19_rhoa_smad_independent,
    "B20": b20_pai1_primary, "B21": b21_ctgf_direct, "B22": b22_col1a1_post_transcriptional,
    "B23": b23_acta2_late_sustained, "B24": b24_smad3_knockdown, "B25": b25_sb431542_washout,
    "B26": b26_galunisertib_persistence,
}


def _fibroblast_checks() -> dict:
    from alk5_pysb.analysis.validation_fibrosis import FIBROBLAST_CHECKS
    return FIBROBLAST_CHECKS


def _epithelial_checks() -> dict:
    from alk5_pysb.analysis.validation_cytostasis import EPITHELIAL_CHECKS
    return EPITHELIAL_CHECKS


def _emt_checks() -> dict:
    from alk5_pysb.analysis.validation_emt import EMT_CHECKS
    return EMT_CHECKS


def _endothelial_checks() -> dict:
    from alk5_pysb.analysis.validation_endothelial import ENDOTHELIAL_CHECKS
    return ENDOTHELIAL_CHECKS


def all_checks() -> dict:
    """Every behaviour: B1-B26 (default context; the constraints of ``alk5 ensemble``), F1-F10 (fibroblast
    context, fibrosis network; ``validation_fibrosis``), C1-C10 (epithelial context, cytostasis network;
    ``validation_cytostasis``), M1-M10 (epithelial context, EMT network; ``validation_emt``) and E1-E9
    (endothelial context and network; ``validation_endothelial``)."""
    return {**CHECKS, **_fibroblast_checks(), **_epithelial_checks(), **_emt_checks(), **_endothelial_checks()}


def run_check(sim: Simulator, check_id: str) -> Check:
    """One behaviour; a simulation that fails (or a readout that cannot be computed) makes it a FAIL row
    whose model column holds the solver's reason, so the other behaviours still run."""
    from alk5_pysb.errors import SimulationError
    from alk5_pysb.simulation.engine import solver_output_to_log
    try:
        with np.errstate(all="ignore"), solver_output_to_log(check_id):
            check = all_checks()[check_id](sim)
        if not isinstance(check.passed, (bool, np.bool_)):      # a verdict, never a truthy note
            raise TypeError(f"{check_id}: passed must be a bool, got {type(check.passed).__name__}")
        # the distance agrees with the verdict: 0 when it passes, > 0 when it does not (a strict
        # inequality met with equality, or a condition without a distance, counts as a small miss)
        check.margin = 0.0 if check.passed else (float(check.margin) if check.margin > 0 else 1e-3)
        return check
    except (SimulationError, FloatingPointError, ZeroDivisionError, ValueError, RuntimeError) as err:
        from alk5_pysb.errors import UserInputError
        if isinstance(err, UserInputError):
            raise
        reason = " ".join(str(err).split())
        doc = (all_checks()[check_id].__doc__ or "").strip().splitlines()
        return Check(check_id, doc[0] if doc else check_id, "(not evaluated)", f"simulation failed: {reason}",
                     False, "FAIL because the behaviour could not be simulated with these parameters",
                     margin=SIMULATION_FAILED)


def run_checks(sim: Simulator, ids=None) -> pd.DataFrame:
    checks = all_checks()
    unknown = [i for i in (ids or ()) if i not in checks]
    if unknown:
        from alk5_pysb.errors import UserInputError
        raise UserInputError(f"unknown behaviour(s) {', '.join(unknown)}; valid: {', '.join(checks)}")
    rows = [asdict(run_check(sim, i)) for i in (ids or checks)]
    return pd.DataFrame(rows)


def to_markdown(frame: pd.DataFrame) -> str:
    lines = ["| # | behaviour | source | target | model | pass |", "|---|---|---|---|---|---|"]
    for _, r in frame.iterrows():
        lines.append(f"| {r['id']} | {r['behaviour']} | {r['source'] or 'validation_targets.md'} | {r['target']} | "
                     f"{r['model']} | {'PASS' if r['passed'] else 'FAIL'} |")
    return "\n".join(lines) + "\n"
