"""Literature behaviours (``validation_targets.md`` B1-B8, B3) evaluated on the model.

Each check returns a :class:`Check` row: behaviour | target | model | pass | note. Tests assert
``passed``; ``alk5 validate`` and the issue note print the table. Tolerances are the
reviewer's, copied from the targets file; they are never adjusted to make a check pass.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from .analysis import fit_hill, half_life_of_decay, peak, value_at
from .simulate import Protocol, Simulator

SB431542_KD_NM = 683.0   # Schmierer 2008 (the model's default inhibitor)
NO_FEEDBACK = {"kon_Smad7_ALK5": 0.0}   # equivalent to build_model(exclude={"feedback"}) (tested)


@dataclass
class Check:
    id: str
    behaviour: str
    target: str
    model: str
    passed: bool
    note: str = ""


def _tc(sim, dose, t_end=1440, n=289, readouts=None, params=None, **kw):
    return sim.run(Protocol(dose_pM=dose, t_end_min=t_end, n_points=n, **kw), readouts=readouts, params=params)


def b1_peak_time(sim: Simulator) -> Check:
    doses = [1.0, 10.0, 50.0, 100.0, 1000.0]
    times = [peak(_tc(sim, d, t_end=480, n=481, readouts=["pSmad2"]), "pSmad2")[0] for d in doses]
    at_high = [t for d, t in zip(doses, times) if d >= 50]
    monotone = all(b <= a + 1e-9 for a, b in zip(times, times[1:]))
    ok = all(20 <= t <= 90 for t in at_high) and monotone
    model = ", ".join(f"{d:g} pM: {t:.0f} min" for d, t in zip(doses, times))
    return Check("B1", "pSmad2 peak time after a TGF-beta1 step", "peak 20-90 min at >= 50 pM; not later at higher dose",
                 model, ok)


def b2_sustained(sim: Simulator) -> Check:
    ratios = {}
    for dose in (50.0, 100.0):
        tc = _tc(sim, dose, t_end=480, n=481, readouts=["pSmad2"])
        ratios[dose] = value_at(tc, "pSmad2", 240) / peak(tc, "pSmad2")[1]
    ok = all(0.4 <= r <= 0.9 for r in ratios.values())
    return Check("B2", "sustained pSmad2 at saturating dose", "pSmad2(4 h)/peak 0.4-0.9 at >= 50 pM",
                 ", ".join(f"{d:g} pM: {r:.2f}" for d, r in ratios.items()), ok)


def b3_graded_short_term(sim: Simulator) -> Check:
    doses = np.logspace(-2, 3, 16)
    values = [value_at(_tc(sim, d, t_end=45, n=46, readouts=["pSmad2"]), "pSmad2", 45) for d in doses]
    fit = fit_hill(doses, values)
    ok = fit.converged and 0.5 <= fit.ec50 <= 50 and 0.7 <= fit.hill <= 1.5
    return Check("B3", "graded short-term dose response (pSmad2 at 45 min)", "EC50 0.5-50 pM, nH 0.7-1.5",
                 f"EC50 {fit.ec50:.2g} pM (95% CI {fit.ec50_ci[0]:.2g}-{fit.ec50_ci[1]:.2g}), nH {fit.hill:.2f}", ok)


def b4_inhibitor_washoff(sim: Simulator) -> Check:
    dose, t_add = 100.0, 45.0
    tc = sim.run(Protocol(dose_pM=dose, t_end_min=240, n_points=481, inhibitor_nM=10000.0, inhibitor_at_min=t_add),
                 readouts=["pSmad2", "nuc_Smad2"])
    rest = sim.run(Protocol(dose_pM=0.0, t_end_min=10, n_points=3), readouts=["pSmad2", "nuc_Smad2"]).iloc[0]
    before = value_at(tc, "pSmad2", t_add)
    t_half = half_life_of_decay(tc, "pSmad2", t_add, baseline=0.0)
    frac_90 = value_at(tc, "pSmad2", 90.0) / before
    frac_135 = value_at(tc, "pSmad2", t_add + 90.0) / before
    ok = 5 <= t_half <= 45 and frac_90 < 0.25
    return Check("B4", "pSmad2 falls after 10 uM SB-431542 at 45 min (100 pM TGF-beta1)",
                 "t1/2 5-45 min; < 25% of pre-inhibitor level by t = 90 min",
                 f"t1/2 {t_half:.1f} min; {100 * frac_90:.0f}% at 90 min ({100 * frac_135:.0f}% at 135 min); "
                 f"resting pSmad2 {100 * rest['pSmad2'] / before:.0f}% of pre-inhibitor", ok,
                 "t = 90 min read as 45 min after the inhibitor (strict reading of the target)")


def b5_nuclear_accumulation(sim: Simulator) -> Check:
    cols = ["nuc_Smad2", "cyt_Smad2", "Smad2_export_flux", "Smad2_import_flux"]
    tc = _tc(sim, 100.0, t_end=45, n=46, readouts=cols)
    vn, vc = sim.rr["V_nucleus"], sim.rr["V_cytoplasm"]
    r0, r45 = tc.iloc[0], tc.iloc[-1]
    ratio = lambda r: (r["nuc_Smad2"] / vn) / (r["cyt_Smad2"] / vc)
    fold = ratio(r45) / ratio(r0)
    nuc_fraction = r0["nuc_Smad2"] / (r0["nuc_Smad2"] + r0["cyt_Smad2"])
    export0, export45 = r0["Smad2_export_flux"] / r0["nuc_Smad2"], r45["Smad2_export_flux"] / r45["nuc_Smad2"]
    import0, import45 = r0["Smad2_import_flux"] / r0["cyt_Smad2"], r45["Smad2_import_flux"] / r45["cyt_Smad2"]
    export_drop, import_rise = export0 / export45, import45 / import0
    ok = 1.5 <= fold <= 4 and nuc_fraction < 0.5 and export_drop > import_rise
    return Check("B5", "nuclear accumulation of Smad2 (100 pM, 45 min)",
                 "N/C concentration ratio x1.5-4; basal nuclear fraction < 50%; mainly lower effective export",
                 f"x{fold:.2f}; basal nuclear fraction {100 * nuc_fraction:.0f}%; effective export /{export_drop:.1f}, "
                 f"effective import x{import_rise:.1f}", ok)


def b6_smad7_immediate_early(sim: Simulator) -> Check:
    rows, ok = [], True
    for dose in (50.0, 100.0):
        tc = _tc(sim, dose, readouts=["SMAD7_mRNA", "PAI1_mRNA"])
        t_pk, v_pk = peak(tc, "SMAD7_mRNA")
        at8 = value_at(tc, "SMAD7_mRNA", 480) / v_pk
        t_pai1 = peak(tc, "PAI1_mRNA")[0]
        ok &= 30 <= t_pk <= 180 and at8 < 0.5 and t_pk < t_pai1
        rows.append(f"{dose:g} pM: peak {t_pk / 60:.1f} h, 8 h at {100 * at8:.0f}% of peak, PAI-1 peak {t_pai1 / 60:.1f} h")
    return Check("B6", "SMAD7 mRNA is immediate-early and transient",
                 "peak 0.5-3 h; < 50% of peak by 8 h (50-100 pM); earlier than PAI-1", "; ".join(rows), ok)


def b7_pai1_delayed_switch(sim: Simulator) -> Check:
    tc = _tc(sim, 100.0, readouts=["PAI1_mRNA", "CTGF_mRNA", "COL1A1_mRNA", "ACTA2_mRNA"])
    t_pai1 = peak(tc, "PAI1_mRNA")[0]
    late = {g: peak(tc, g)[0] for g in ("CTGF_mRNA", "COL1A1_mRNA", "ACTA2_mRNA")}
    doses = np.logspace(-2, 3, 16)
    courses = [_tc(sim, d, t_end=1440, n=49, readouts=["PAI1_mRNA"]) for d in doses]
    fits = {h: fit_hill(doses, [value_at(tc, "PAI1_mRNA", 60 * h) for tc in courses]) for h in (8, 24)}
    steep = all(f.converged and f.hill >= 1.5 for f in fits.values())
    ok = t_pai1 >= 180 and steep and all(t >= 360 for t in late.values())
    return Check("B7", "PAI-1 delayed and switch-like at long times",
                 "PAI-1 mRNA peak >= 3 h; long-term (8 h and 24 h) dose response nH >= 1.5; CTGF/COL1A1/ACTA2 peak >= 6 h",
                 f"PAI-1 peak {t_pai1 / 60:.1f} h; nH {fits[8].hill:.2f} at 8 h, {fits[24].hill:.2f} at 24 h "
                 f"(EC50 {fits[8].ec50:.2g}, {fits[24].ec50:.2g} pM); "
                 + ", ".join(f"{g.split('_')[0]} {t / 60:.1f} h" for g, t in late.items()), ok,
                 "" if steep else "long-term switch missed: in Zi 2011 it comes from ligand depletion within ~1 h at low "
                 "doses; here receptor capture depletes low doses over 8-24 h, so the late dose response stays graded")


def b8_receptor_downregulation(sim: Simulator) -> Check:
    rows, ok = [], True
    for dose in (50.0, 100.0):
        tc = _tc(sim, dose, t_end=240, n=241, readouts=["total_TBRII", "total_TBRI", "pSmad2"])
        loss2 = 1 - value_at(tc, "total_TBRII", 180) / tc["total_TBRII"].iloc[0]
        loss1 = 1 - value_at(tc, "total_TBRI", 180) / tc["total_TBRI"].iloc[0]
        nofb = _tc(sim, dose, t_end=240, n=241, readouts=["pSmad2"], params=NO_FEEDBACK)
        gain = value_at(nofb, "pSmad2", 240) / value_at(tc, "pSmad2", 240) - 1
        ok &= 0.4 <= loss2 <= 0.9 and loss1 < loss2 and gain >= 0.2
        rows.append(f"{dose:g} pM: TbetaRII -{100 * loss2:.0f}%, TbetaRI -{100 * loss1:.0f}%, no feedback +{100 * gain:.0f}% pSmad2(4 h)")
    return Check("B8", "receptor down-regulation and Smad7 feedback",
                 "TbetaRII loss 40-90% by 3 h (>= 50 pM), TbetaRI loss smaller; no Smad7 feedback: pSmad2(4 h) +>= 20%",
                 "; ".join(rows), ok)


CHECKS = {
    "B1": b1_peak_time, "B2": b2_sustained, "B3": b3_graded_short_term, "B4": b4_inhibitor_washoff,
    "B5": b5_nuclear_accumulation, "B6": b6_smad7_immediate_early, "B7": b7_pai1_delayed_switch,
    "B8": b8_receptor_downregulation,
}


def run_checks(sim: Simulator, ids=None) -> pd.DataFrame:
    rows = [asdict(CHECKS[i](sim)) for i in (ids or CHECKS)]
    return pd.DataFrame(rows)


def to_markdown(frame: pd.DataFrame) -> str:
    lines = ["| # | behaviour | target | model | pass |", "|---|---|---|---|---|"]
    for _, r in frame.iterrows():
        lines.append(f"| {r['id']} | {r['behaviour']} | {r['target']} | {r['model']} | {'PASS' if r['passed'] else 'FAIL'} |")
    return "\n".join(lines) + "\n"
