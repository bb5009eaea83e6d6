"""Epithelial and carcinoma contexts (issue 19): growth arrest versus EMT, and the EMT switch.

Called by ``make figures`` as ``python scripts/figure_epithelial.py --out figures/``. Two figures:

``epithelial_dual_role.png``  growth arrest (1 - proliferation index relative to untreated cells at 24 h) and EMT
    score (at 96 h, medium with ligand renewed every 48 h) against the TGF-beta1 dose, and against the SB-431542
    dose at 100 pM (pre-treated 60 min), in the epithelial context and in the carcinoma context (MYC repression
    lost, CDKN2B deleted). Median and 90% band over ``--members`` members: the shipped ensemble's constants
    (constrained by B1-B25) joined with prior draws of the cytostasis and EMT blocks (not constrained: C1-C10 and
    M1-M10 are not yet used to select them), so the band is wide on purpose.
``epithelial_emt_switch.png``  the ZEB-miR-200 switch (nominal constants): EMT score after 20 days at each dose
    (ligand renewed daily) reached from epithelial cells and from cells made mesenchymal first, with the loop
    intact and cut; and the dose-time map: EMT score at the end of an exposure and 14 days after withdrawal.
Writes the figures (.png/.svg), epithelial_dual_role.csv (every member), epithelial_dual_role_bands.csv,
epithelial_emt_switch.csv, epithelial_dose_time.csv and epithelial.json (members, failures, the inhibitor
concentrations that halve each response, the hysteresis areas).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

plt.rcParams["svg.hashsalt"] = "alk5-pysb"
plt.rcParams["svg.fonttype"] = "none"    # text as text: no glyph outlines, whose ids and shapes vary by font and run
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from alk5_pysb.analysis import emt as emt_analysis  # noqa: E402
from alk5_pysb.analysis import uncertainty  # noqa: E402
from alk5_pysb.analysis.validation_emt import fed  # noqa: E402
from alk5_pysb.errors import SimulationError  # noqa: E402
from alk5_pysb.io import contexts  # noqa: E402
from alk5_pysb.analysis.plots import save_figure  # noqa: E402
from alk5_pysb.io.files import atomic_write, rounded  # noqa: E402
from alk5_pysb.pharmacology.compounds import get_compound  # noqa: E402
from alk5_pysb.simulation.experiment import Experiment  # noqa: E402
from alk5_pysb.simulation.metrics import value_at  # noqa: E402
from alk5_pysb.simulation.simulator import shared_simulator  # noqa: E402

CONTEXTS = ("epithelial", "carcinoma")
LIGAND_PM = [1.0, 3.0, 10.0, 30.0, 100.0, 300.0, 1000.0]
SB_NM = emt_analysis.SB_NM
T_END = emt_analysis.DUAL_ROLE_END_MIN          # 96 h: EMT score read here; arrest at 24 h
SWITCH_PM = [3.0, 10.0, 20.0, 30.0, 50.0, 100.0, 300.0]
MAP_PM = [10.0, 30.0, 100.0, 300.0]
MAP_DAYS = [2.0, 7.0, 14.0, 28.0]


def _arms():
    sb = get_compound("SB-431542")
    arms = [("ligand", d, Experiment(dose_pM=d, t_end_min=T_END, n_points=97, **fed(T_END))) for d in LIGAND_PM]
    arms += [("SB-431542", c, exp) for c, exp in emt_analysis.inhibitor_arms(sb, SB_NM)]
    return arms


def dual_role(sim, members: pd.DataFrame) -> tuple[pd.DataFrame, list]:
    rows, failures = [], []
    untreated = Experiment(dose_pM=0.0, t_end_min=T_END, n_points=97)
    for member in members["member"]:
        folds = {n: f for n, f in uncertainty.member_folds(members, member).items() if n in sim.table_parameters}
        for context in CONTEXTS:
            values = contexts.load(context)
            try:
                rest = sim.run(dataclasses.replace(untreated, folds=folds), readouts=["proliferation_index"],
                               context=values)
                pi_rest = value_at(rest, "proliferation_index", emt_analysis.ARREST_AT_MIN)
                for axis, x, exp in _arms():
                    run = sim.run(dataclasses.replace(exp, folds=folds), readouts=["proliferation_index", "EMT_index"], context=values)
                    rows.append({"member": int(member), "context": context, "axis": axis, "x": x,
                                 "growth_arrest": 1 - value_at(run, "proliferation_index", emt_analysis.ARREST_AT_MIN) / pi_rest,
                                 "EMT_score": value_at(run, "EMT_index", T_END)})
            except SimulationError as err:
                failures.append({"member": int(member), "context": context, "reason": str(err)[:200]})
    return pd.DataFrame(rows), failures


def draw_dual_role(bands: pd.DataFrame, path: Path, caption: str):
    fig, axes = plt.subplots(2, 2, figsize=(10, 7.5), sharey="row")
    styles = {"epithelial": ("tab:blue", "-"), "carcinoma": ("tab:red", "--")}
    for col, (axis, label) in enumerate((("ligand", "TGF-beta1 (pM)"), ("SB-431542", "SB-431542 (nM), 100 pM TGF-beta1"))):
        for row, (readout, title) in enumerate((("growth_arrest", "growth arrest at 24 h (1 - PI / untreated)"),
                                                ("EMT_score", "EMT score at 96 h (E-cadherin lost)"))):
            ax = axes[row, col]
            for context, (colour, style) in styles.items():
                sub = bands[(bands["context"] == context) & (bands["axis"] == axis) & (bands["readout"] == readout)]
                sub = sub.sort_values("x")
                ax.fill_between(sub["x"], sub["q05"], sub["q95"], color=colour, alpha=0.15, lw=0)
                ax.plot(sub["x"], sub["median"], style, color=colour, label=context)
            ax.set_xscale("log")
            ax.set_xlabel(label)
            if col == 0:
                ax.set_ylabel(title)
            ax.set_ylim(-0.05, 1.05)
            ax.grid(alpha=0.3)
    axes[0, 0].legend(frameon=False)
    fig.suptitle("Dual role of ALK5 signalling: growth arrest and EMT (median, 90% band)")
    fig.text(0.01, 0.005, caption, fontsize=7, wrap=True)
    fig.tight_layout(rect=(0, 0.04, 1, 0.97))
    save_figure(fig, path)


def draw_switch(intact: pd.DataFrame, cut: pd.DataFrame, dose_time: pd.DataFrame, path: Path):
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    for frame, colour, label in ((intact, "tab:purple", "ZEB-miR-200 loop intact"), (cut, "tab:grey", "loop cut")):
        ax1.plot(frame["dose_pM"], frame["EMT_up"], "-o", color=colour, ms=4, label=f"{label}: from epithelial")
        ax1.plot(frame["dose_pM"], frame["EMT_down"], "--s", color=colour, ms=4, label=f"{label}: from mesenchymal")
    ax1.set_xscale("log")
    ax1.set_xlabel("TGF-beta1 (pM, renewed daily)")
    ax1.set_ylabel("EMT score after 20 days")
    ax1.set_title(f"hysteresis: area {intact.attrs['area']:.2f} intact, {cut.attrs['area']:.1e} cut", fontsize=10)
    ax1.legend(frameon=False, fontsize=7)
    ax1.grid(alpha=0.3)
    for dose, marker in zip(MAP_PM, "os^D"):
        sub = dose_time[dose_time["dose_pM"] == dose]
        ax2.plot(sub["exposure_d"], sub["EMT_end_of_exposure"], "-" + marker, ms=4, label=f"{dose:g} pM: end of exposure")
        ax2.plot(sub["exposure_d"], sub["EMT_after"], ":" + marker, ms=4, color=ax2.lines[-1].get_color(),
                 label=f"{dose:g} pM: 14 d after withdrawal")
    ax2.set_xlabel("exposure (days, ligand renewed daily)")
    ax2.set_ylabel("EMT score")
    ax2.set_ylim(-0.05, 1.05)
    ax2.set_title("dose-time map: does EMT outlast the ligand?", fontsize=10)
    ax2.legend(frameon=False, fontsize=6, ncol=2)
    ax2.grid(alpha=0.3)
    fig.tight_layout()
    save_figure(fig, path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="figures/")
    parser.add_argument("--members", type=int, default=128, help="ensemble members for the dual-role bands")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    sim = shared_simulator("emt")

    members = uncertainty.joined(args.members, args.seed, blocks=("cytostasis", "emt"))
    if members is None:
        members = uncertainty.draw(args.members, args.seed, extra=True)
    described = (f"{args.members} members: shipped ensemble (B1-B25) joined with prior draws (seed {args.seed}) of the "
                 "cytostasis and EMT blocks, not constrained by C1-C10 or M1-M10")
    frame, failures = dual_role(sim, members)
    atomic_write(out / "epithelial_dual_role.csv", frame.to_csv(index=False, float_format="%.6g"))
    long = frame.melt(id_vars=["member", "context", "axis", "x"], value_vars=["growth_arrest", "EMT_score"],
                      var_name="readout")
    bands = uncertainty.summarise(long, ["context", "axis", "x", "readout"])
    atomic_write(out / "epithelial_dual_role_bands.csv", bands.to_csv(index=False, float_format="%.6g"))
    draw_dual_role(bands, out / "epithelial_dual_role", described + "; growth arrest: 24 h, one dose; EMT: 96 h, fed "
                   "every 48 h; carcinoma = MYC repression lost and CDKN2B deleted")

    halves, per_member = {}, {}
    for context in CONTEXTS:
        for readout in ("growth_arrest", "EMT_score"):
            per_member[context, readout] = np.array([
                emt_analysis.half_inhibition(g, readout) for _, g in
                frame[(frame["context"] == context) & (frame["axis"] == "SB-431542")].groupby("member")])
            halves[f"{context}:{readout}"] = {**uncertainty.band(per_member[context, readout]),
                                              "not_halved_at_10uM": int(np.isposinf(per_member[context, readout]).sum())}
    # a selective window needs EMT to halve at a lower concentration than the arrest, member by member; a response
    # 10 uM does not halve counts at 30 uM, so its member's ratio is a lower bound (and stays in the band)
    capped = {key: np.where(np.isposinf(v), emt_analysis.NOT_HALVED_NM, v) for key, v in per_member.items()}
    ratio = capped["epithelial", "EMT_score"] / capped["epithelial", "growth_arrest"]
    window = {**uncertainty.band(ratio), "lower_bounds": int(np.isposinf(per_member["epithelial", "EMT_score"]).sum()),
              "note": "members whose EMT score 10 uM does not halve count at 30 uM: their ratio is a lower bound"}
    # which constants the numbers rest on: the two blocks' (not constrained here) and the upstream ones
    blocks = set(uncertainty.block_names(("cytostasis", "emt")))
    groups = {"cytostasis_and_emt_blocks": blocks, "upstream_constants": set(uncertainty.prior().index) - blocks}
    order = sorted(frame["member"].unique())                  # the groupby order of per_member
    aligned = lambda values: pd.Series(values, index=order).reindex(members["member"]).to_numpy()  # noqa: E731
    rests = {"EMT/arrest half-inhibition ratio": uncertainty.rests_on(members, aligned(ratio), groups),
             "growth-arrest half-inhibition": uncertainty.rests_on(
                 members, aligned(capped["epithelial", "growth_arrest"]), groups),
             "EMT half-inhibition": uncertainty.rests_on(members, aligned(capped["epithelial", "EMT_score"]), groups)}

    intact = emt_analysis.hysteresis(sim, SWITCH_PM)
    cut = emt_analysis.hysteresis(sim, SWITCH_PM, params={"ZEB_miR200_loop": 0.0})
    dose_time = emt_analysis.dose_time_map(sim, MAP_PM, MAP_DAYS)
    switch = pd.concat([intact.assign(loop="intact"), cut.assign(loop="cut")], ignore_index=True)
    atomic_write(out / "epithelial_emt_switch.csv", switch.to_csv(index=False, float_format="%.6g"))
    atomic_write(out / "epithelial_dose_time.csv", dose_time.to_csv(index=False, float_format="%.6g"))
    draw_switch(intact, cut, dose_time, out / "epithelial_emt_switch")

    summary = {"members": described, "failures": failures,
               "SB431542_half_inhibition_nM (median, 90% band over members)": halves,
               "epithelial EMT half-inhibition / growth-arrest half-inhibition (per member)": window,
               "rests_on": rests,
               "rests_on_method": "Spearman rho of each constant's own fold with the number within the ensemble's runs, "
                                  "each distinct value of a constant counted once; listed above the noise floor",
               "hysteresis_area": {"intact": round(intact.attrs["area"], 4), "cut": round(cut.attrs["area"], 6)},
               "persistent_after_withdrawal": int(dose_time["persistent"].sum()),
               "dose_time_cases": len(dose_time)}
    atomic_write(out / "epithelial.json", json.dumps(rounded(summary), indent=1, default=float) + "\n")
    print(json.dumps(summary, indent=1, default=float))


if __name__ == "__main__":
    main()
