"""Epithelial cytostasis behaviours C1-C10 (issue 19) on the cytostasis network in the epithelial context.

Targets were written in ``docs/research/cytostasis.md`` before any simulation and are copied here unchanged;
protocol defaults there: 100 pM TGF-beta1, 1e6 cells in 2 mL, one dose (the default table's protocol);
"fold" = value / value of unstimulated cells at the same time; PI = ``proliferation_index`` relative to
unstimulated cells (S-phase entry, 1 = control); growth inhibition = 1 - PI; "increment" = stimulated -
unstimulated. Knock-down = initial amount x 0.1. Inhibitor = SB-431542 at 10 uM. A check receives any
simulator of the exports and runs on the cytostasis network of the same exports, with the same folds.
"""
from __future__ import annotations

import numpy as np

from alk5_pysb.analysis.checks import Check, inhibitor_fields, miss, network_simulator
from alk5_pysb.simulation.experiment import Experiment
from alk5_pysb.simulation.metrics import value_at

DOSE = 100.0
SB_NM = 10_000.0
SOURCE = "docs/research/cytostasis.md (targets written before simulation)"


def cytostasis_simulator(sim):
    """The cytostasis network of the exports ``sim`` runs on, carrying ``sim``'s ensemble folds."""
    return network_simulator(sim, "cytostasis")


def _run(sim, hours, readouts, params=None, dose=DOSE, n=None, **kw):
    cyto = cytostasis_simulator(sim)
    return cyto.run(Experiment(dose_pM=dose, t_end_min=60.0 * hours, n_points=n or int(4 * hours) + 1, **kw),
                    readouts=readouts, params=params or {})


def _sb(**kw):
    return inhibitor_fields(nM=SB_NM, **kw)


def _ratio(stim, rest, readout, hours):
    return value_at(stim, readout, 60 * hours) / value_at(rest, readout, 60 * hours)


def _nominal(sim, name):
    cyto = cytostasis_simulator(sim)
    return cyto.nominal(name) * cyto.folds.get(name, 1.0)


def _inhibition_24h(sim, params=None, dose=DOSE, **kw):
    cols = ["proliferation_index"]
    return 1 - _ratio(_run(sim, 24, cols, params, dose=dose, **kw), _run(sim, 24, cols, params, dose=0.0, **kw),
                      "proliferation_index", 24)


CITE = {
    "myc": "Matsumoto et al. 1990 J Cell Physiol; Chen et al. 2002 Cell 110:19; Frederick et al. 2004 Mol Cell Biol "
           "24:2546; Chen, Siegel & Massague 2001 PNAS 98:992 [V]",
    "p15": "Hannon & Beach 1994 Nature 371:257 (~30x, HaCaT) [V*]; Feng, Lin & Derynck 2000 EMBO J 19:5178; "
           "Seoane et al. 2001 Nat Cell Biol 3:400 [V]",
    "p21": "Datto et al. 1995 PNAS 92:5545 (rapid, p53-independent, HaCaT) [V]; Seoane et al. 2004 Cell 117:211 [V]",
    "arrest": "Law et al. 2002 (thymidine at 24 h: Mv1Lu 20%, BALB/MK 34%, HaCaT 53%, MCF10A 58% of control) [V]; "
              "Matsumoto et al. 1990 (3 h) [V]; Shipley et al. 1986 (48 h) [V]",
}


def c1_myc_repression(sim) -> Check:
    """MYC repression is fast, deep and sustained"""
    cols = ["MYC_mRNA"]
    stim, rest = _run(sim, 24, cols), _run(sim, 24, cols, dose=0.0)
    r1, r2, r4, r24 = (_ratio(stim, rest, "MYC_mRNA", h) for h in (1, 2, 4, 24))
    ok = r1 <= 0.6 and 0.1 <= r2 <= 0.4 and 0.1 <= r4 <= 0.4 and r24 <= 0.6
    margin = miss(r1, high=0.6) + miss(r2, 0.1, 0.4) + miss(r4, 0.1, 0.4) + miss(r24, high=0.6)
    return Check("C1", "MYC repression is fast, deep and sustained (epithelial, 100 pM)",
                 "MYC mRNA <= 60% of control at 1 h; 10-40% at 2 h and 4 h; <= 60% at 24 h",
                 f"{100 * r1:.0f}% at 1 h, {100 * r2:.0f}% at 2 h, {100 * r4:.0f}% at 4 h, {100 * r24:.0f}% at 24 h", ok,
                 "MYC mRNA t1/2 15 min (measured in other cells); depth set by r_MYC (assumed) and the sustained "
                 "nuclear Smad3 complexes against K_rep_MYC (assumed)", CITE["myc"], margin=margin)


def c2_p15_induction(sim) -> Check:
    """CDKN2B is strongly induced and stays up"""
    cols = ["CDKN2B_mRNA"]
    stim, rest = _run(sim, 24, cols), _run(sim, 24, cols, dose=0.0)
    fold = stim["CDKN2B_mRNA"] / rest["CDKN2B_mRNA"]
    i = int(fold.idxmax())
    peak, t_peak = float(fold[i]), float(stim["time_min"][i]) / 60
    f2, f24 = _ratio(stim, rest, "CDKN2B_mRNA", 2), _ratio(stim, rest, "CDKN2B_mRNA", 24)
    ok = f2 >= 2 and 10 <= peak <= 50 and 4 <= t_peak <= 24 and f24 >= 0.5 * peak
    margin = miss(f2, low=2) + miss(peak, 10, 50) + miss(t_peak, 4, 24) + miss(f24 / peak, low=0.5)
    return Check("C2", "CDKN2B (p15) is strongly induced and stays up (epithelial, 100 pM)",
                 "fold >= 2 at 2 h; peak fold 10-50 reached at 4-24 h; fold at 24 h >= 50% of the peak",
                 f"x{f2:.1f} at 2 h; peak x{peak:.1f} at {t_peak:.1f} h; x{f24:.1f} at 24 h", ok,
                 "k_tx_max_CDKN2B was chosen for a fold of the order of the single measured one (~30x, Hannon 1994): "
                 "not an independent test of the fold; the timing is", CITE["p15"], margin=margin)


def c3_p21_induction(sim) -> Check:
    """CDKN1A is induced early and modestly"""
    cols = ["CDKN1A_mRNA"]
    stim, rest = _run(sim, 8, cols), _run(sim, 8, cols, dose=0.0)
    fold = stim["CDKN1A_mRNA"] / rest["CDKN1A_mRNA"]
    f1 = _ratio(stim, rest, "CDKN1A_mRNA", 1)
    peak = float(fold[stim["time_min"] >= 60].max())
    ok = f1 >= 1.5 and 3 <= peak <= 10
    margin = miss(f1, low=1.5) + miss(peak, 3, 10)
    return Check("C3", "CDKN1A (p21) is induced early and modestly (epithelial, 100 pM)",
                 "fold >= 1.5 at 1 h; peak fold within 1-8 h of 3-10",
                 f"x{f1:.1f} at 1 h; peak x{peak:.1f} within 1-8 h", ok,
                 "the 3-10 band is assumed (fold not in the abstracts read); k_tx_max_CDKN1A chosen for it",
                 CITE["p21"], margin=margin)


def c4_arrest_with_lag(sim) -> Check:
    """growth arrest with a lag"""
    cols = ["proliferation_index"]
    stim, rest = _run(sim, 48, cols), _run(sim, 48, cols, dose=0.0)
    p3, p24, p48 = (_ratio(stim, rest, "proliferation_index", h) for h in (3, 24, 48))
    ok = p3 >= 0.8 and 0.2 <= p24 <= 0.6 and p48 <= 0.4
    margin = miss(p3, low=0.8) + miss(p24, 0.2, 0.6) + miss(p48, high=0.4)
    return Check("C4", "growth arrest with a lag (proliferation index relative to untreated, 100 pM)",
                 "PI at 3 h >= 0.8; at 24 h 0.2-0.6; at 48 h <= 0.4",
                 f"PI {p3:.2f} at 3 h, {p24:.2f} at 24 h, {p48:.2f} at 48 h", ok,
                 "the G1/S CDK constants are assumed (time constant ~8 h; K_p15_CDK, K_p21_CDK near resting levels)",
                 CITE["arrest"], margin=margin)


def c5_smad3_required(sim) -> Check:
    """Smad3 is required"""
    low = {"Smad3_0": 0.1 * _nominal(sim, "Smad3_0")}
    wt_inh, kd_inh = _inhibition_24h(sim), _inhibition_24h(sim, low)
    cols = ["MYC_mRNA", "CDKN2B_mRNA", "CDKN1A_mRNA"]
    wt, wt0 = _run(sim, 8, cols), _run(sim, 8, cols, dose=0.0)
    kd, kd0 = _run(sim, 8, cols, low), _run(sim, 8, cols, low, dose=0.0)
    myc2 = _ratio(kd, kd0, "MYC_mRNA", 2)
    inc = lambda s, r, g: value_at(s, g, 480) - value_at(r, g, 480)
    p15 = inc(kd, kd0, "CDKN2B_mRNA") / inc(wt, wt0, "CDKN2B_mRNA")
    p21 = inc(kd, kd0, "CDKN1A_mRNA") / inc(wt, wt0, "CDKN1A_mRNA")
    share = kd_inh / wt_inh
    ok = share <= 0.3 and myc2 >= 0.7 and p15 <= 0.3 and p21 <= 0.3
    margin = miss(share, high=0.3) + miss(myc2, low=0.7) + miss(p15, high=0.3) + miss(p21, high=0.3)
    return Check("C5", "Smad3 is required for cytostasis (Smad3 x 0.1)",
                 "24-h growth inhibition <= 30% of wild type; MYC mRNA at 2 h >= 70% of control; CDKN2B and "
                 "CDKN1A 8-h increments <= 30% of wild type",
                 f"growth inhibition {100 * share:.0f}% of wild type; MYC {100 * myc2:.0f}% at 2 h; increments "
                 f"CDKN2B {100 * p15:.0f}%, CDKN1A {100 * p21:.0f}%", ok,
                 "all three genes read nuclear Smad3-Smad4 complexes (the model's choice, after the sources)",
                 "Frederick et al. 2004 Mol Cell Biol 24:2546; Kretschmer et al. 2003; Kim et al. 2005; "
                 "Vijayachandra et al. 2003 [V]", margin=margin)


def c6_smad2_smad4(sim) -> Check:
    """Smad2 is dispensable, Smad4 partly required"""
    wt = _inhibition_24h(sim)
    s2 = _inhibition_24h(sim, {"Smad2_0": 0.1 * _nominal(sim, "Smad2_0")}) / wt
    s4 = _inhibition_24h(sim, {"Smad4_0": 0.1 * _nominal(sim, "Smad4_0")}) / wt
    ok = 0.9 <= s2 <= 2.0 and 0.0 <= s4 <= 0.7
    margin = miss(s2, 0.9, 2.0) + miss(s4, high=0.7)
    return Check("C6", "Smad2 is dispensable, Smad4 partly required (24-h growth inhibition, x 0.1 each)",
                 "Smad2 x 0.1: 90-200% of wild type; Smad4 x 0.1: 0-70% of wild type",
                 f"Smad2 x 0.1: {100 * s2:.0f}%; Smad4 x 0.1: {100 * s4:.0f}%", ok,
                 "Smad2 loss leaves more receptor and Smad4 for Smad3 in the model; Smad4 at 10% is a knock-down, "
                 "not a null", "Kretschmer et al. 2003; Kim et al. 2005; Feng et al. 2000; Zhou et al. 1998 [V]",
                 margin=margin)


def c7_inhibitor_prevents_and_reverses(sim) -> Check:
    """ALK5 inhibitor prevents and reverses"""
    cols = ["proliferation_index", "MYC_mRNA", "CDKN2B_mRNA", "CDKN1A_mRNA"]
    rest, stim = _run(sim, 48, cols, dose=0.0), _run(sim, 48, cols)
    pre, pre0 = _run(sim, 24, cols, **_sb(pretreat_min=60.0)), _run(sim, 24, cols, dose=0.0, **_sb(pretreat_min=60.0))
    late = _run(sim, 48, cols, **_sb(inhibitor_at_min=1440.0))
    inc = lambda s, r, g: value_at(s, g, 480) - value_at(r, g, 480)
    pi24 = _ratio(pre, pre0, "proliferation_index", 24)
    p15 = inc(pre, pre0, "CDKN2B_mRNA") / inc(stim, rest, "CDKN2B_mRNA")
    p21 = inc(pre, pre0, "CDKN1A_mRNA") / inc(stim, rest, "CDKN1A_mRNA")
    myc2 = _ratio(pre, pre0, "MYC_mRNA", 2)
    myc26 = _ratio(late, rest, "MYC_mRNA", 26)
    pi48 = _ratio(late, rest, "proliferation_index", 48)
    ok = pi24 >= 0.9 and p15 <= 0.2 and p21 <= 0.2 and myc2 >= 0.8 and myc26 >= 0.7 and pi48 >= 0.8
    margin = (miss(pi24, low=0.9) + miss(p15, high=0.2) + miss(p21, high=0.2) + miss(myc2, low=0.8)
              + miss(myc26, low=0.7) + miss(pi48, low=0.8))
    return Check("C7", "ALK5 inhibitor (10 uM SB-431542) prevents and reverses the arrest",
                 "(a) from the start: PI at 24 h >= 0.9, CDKN2B and CDKN1A 8-h increments <= 20%, MYC at 2 h >= 80% "
                 "of control; (b) added at 24 h: MYC >= 70% of control by 26 h, PI >= 0.8 by 48 h",
                 f"(a) PI {pi24:.2f}; increments CDKN2B {100 * p15:.0f}%, CDKN1A {100 * p21:.0f}%; MYC {100 * myc2:.0f}%; "
                 f"(b) MYC {100 * myc26:.0f}% at 26 h, PI {pi48:.2f} at 48 h", ok,
                 "reversal timing assumed in the source table; PI recovery is set by the G1/S CDK time constant",
                 "Halder et al. 2005 Neoplasia 7:509; Inman et al. 2002 Mol Pharmacol 62:65; Shipley et al. 1986; "
                 "Coffey et al. 1988 [V]", margin=margin)


def c8_switch_like_dose(sim) -> Check:
    """dose-response: switch-like arrest, graded early signal"""
    from alk5_pysb.analysis.fitting import fit_hill
    doses = np.array([0.3, 1, 3, 10, 30, 100, 300])
    inhibition = [_inhibition_24h(sim, dose=d) for d in doses]
    early = [value_at(_run(sim, 1, ["nuc_Smad3_complex"], dose=d, n=13), "nuc_Smad3_complex", 60) for d in doses]
    arrest, signal = fit_hill(doses, inhibition), fit_hill(doses, early)
    ok = 1 <= arrest.ec50 <= 30 and arrest.hill >= 2 and signal.hill <= 1.5
    margin = miss(arrest.ec50, 1, 30) + miss(arrest.hill, low=2) + miss(signal.hill, high=1.5)
    return Check("C8", "switch-like arrest, graded early signal (24-h growth inhibition, 0.3-300 pM)",
                 "EC50 of 24-h growth inhibition 1-30 pM with apparent Hill >= 2; 1-h nuclear Smad3-complex dose "
                 "response apparent Hill <= 1.5",
                 f"EC50 {arrest.ec50:.2g} pM, Hill {arrest.hill:.2f}; early signal Hill {signal.hill:.2f}", ok,
                 "the EC50 band is assumed (1-10 pM recalled); ligand depletion at 1e6 cells/2 mL shapes the 24-h curve",
                 "Zi et al. 2011 Mol Syst Biol 7:492 [V]; Clarke et al. 2009 [R]", margin=margin)


def c9_commitment_needs_sustained_signal(sim) -> Check:
    """commitment needs sustained signal"""
    cols = ["proliferation_index", "MYC_mRNA"]
    rest, pulse = _run(sim, 24, cols, dose=0.0), _run(sim, 24, cols, washout_min=60.0)
    pi24, myc4 = _ratio(pulse, rest, "proliferation_index", 24), _ratio(pulse, rest, "MYC_mRNA", 4)
    ok = pi24 >= 0.8 and myc4 >= 0.7
    margin = miss(pi24, low=0.8) + miss(myc4, low=0.7)
    return Check("C9", "a 1-h pulse does not commit cells to arrest (washout at 1 h)",
                 "PI at 24 h >= 0.8; MYC mRNA back to >= 70% of control by 4 h",
                 f"PI {pi24:.2f} at 24 h; MYC {100 * myc4:.0f}% at 4 h", ok,
                 "after washout nuclear Smad complexes fall over ~1 h (PPM1A, receptor turnover); the arrest needs "
                 "p15/p21 to accumulate", "Zi et al. 2011 (pulse gives a transient pSmad2) [V]; Munger et al. 1992 [V]",
                 margin=margin)


def c10_carcinoma_switch(sim) -> Check:
    """carcinoma switch: cytostasis lost, other responses kept"""
    carcinoma = {"E2F4_p107_partner": 0.0, "k_tx_max_CDKN2B": 0.0}
    wt, ca = _inhibition_24h(sim), _inhibition_24h(sim, carcinoma)
    myc_only = _inhibition_24h(sim, {"E2F4_p107_partner": 0.0})
    cols = ["PAI1_mRNA", "SMAD7_mRNA"]
    fold = lambda p, r, h: _ratio(_run(sim, 8, cols, p), _run(sim, 8, cols, p, dose=0.0), r, h)
    pai = fold(carcinoma, "PAI1_mRNA", 8) / fold({}, "PAI1_mRNA", 8)
    smad7 = fold(carcinoma, "SMAD7_mRNA", 1) / fold({}, "SMAD7_mRNA", 1)
    share, reduced = ca / wt, 1 - myc_only / wt
    ok = share <= 0.3 and pai >= 0.8 and smad7 >= 0.8 and 0.3 <= reduced <= 0.8
    margin = miss(share, high=0.3) + miss(pai, low=0.8) + miss(smad7, low=0.8) + miss(reduced, 0.3, 0.8)
    return Check("C10", "carcinoma switch: cytostasis lost, other responses kept (MYC repression lost + CDKN2B deleted)",
                 "24-h growth inhibition <= 30% of normal; PAI-1 mRNA fold at 8 h and SMAD7 fold at 1 h >= 80% of "
                 "normal; MYC repression alone lost: growth inhibition reduced by 30-80%",
                 f"growth inhibition {100 * share:.0f}% of normal; PAI-1 {100 * pai:.0f}%, SMAD7 {100 * smad7:.0f}% of "
                 f"normal; MYC repression alone lost: -{100 * reduced:.0f}%", ok,
                 "p21 (FoxO arm) is kept in this carcinoma, as in cells that keep FoxO; with FoxO_activity 0 too the arm "
                 "is gone", "Chen, Siegel & Massague 2001 PNAS 98:992; Law et al. 2002; Seoane et al. 2004 [V]",
                 margin=margin)


EPITHELIAL_CHECKS = {
    "C1": c1_myc_repression, "C2": c2_p15_induction, "C3": c3_p21_induction, "C4": c4_arrest_with_lag,
    "C5": c5_smad3_required, "C6": c6_smad2_smad4, "C7": c7_inhibitor_prevents_and_reverses,
    "C8": c8_switch_like_dose, "C9": c9_commitment_needs_sustained_signal, "C10": c10_carcinoma_switch,
}
