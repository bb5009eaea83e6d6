"""Parameter uncertainty: prior draws from the table's ranges, ensembles of parameter sets, bands.

Every row of ``data/parameters.csv`` (and of a context's table) carries a distribution with its reason
(``model/parameters.py``). An *ensemble* is a table of members, one row each: ``member`` plus one
``fold:NAME`` column per uncertain parameter, the factor that member applies to NAME's value in every
run (``Experiment.folds``, ``Simulator.folds``). Folds, not absolute values, so a member means the same
on a context, under ``--set`` and for every compound (a compound's affinity is multiplied by the
member's ``Kd_inhibitor`` and ``Kd_residual_factor`` folds). ``Kd_inhibitor``'s distribution is SB-431542's
reported-potency spread; every other library compound gets its own draw from its own potency row instead
(:func:`with_compound_potency`), so potency ratios between compounds vary across members.

Draws are Latin hypercube samples (scipy.stats.qmc, seeded) mapped through each row's distribution;
a ``tied_to`` row's draw is multiplied by its partner's fold. A member with every fold 1 is the
nominal model. Results are reported as the median and the central 90% band (5th-95th percentile)
over the members that integrated; members that failed keep their row with the solver's reason.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from alk5_pysb.errors import UserInputError
from alk5_pysb.model.parameters import quantile
from alk5_pysb.simulation.experiment import FOLD_PREFIX

#: the central band reported around the median
BAND = (0.05, 0.95)
#: the shipped constrained ensemble (alk5 ensemble; used by --ensemble when present)
SHIPPED_ENSEMBLE = "data/ensemble/accepted.csv"


def prior(context: dict | None = None, context_ranges: pd.DataFrame | None = None) -> pd.DataFrame:
    """The parameter table's distributions (index: name; value, distribution, low, high, tied_to, evidence).

    A context moves a parameter's value; its range then moves with it (same relative spread) unless the
    context gives its own distribution (``context_ranges``, rows in the table's format)."""
    from alk5_pysb.model.parameters import default_table
    frame = default_table().frame[["value", "unit", "evidence", "distribution", "low", "high", "tied_to",
                                   "range_reason"]].copy()
    for name, value in (context or {}).items():
        old = frame.loc[name, "value"]
        if old > 0 and value > 0:
            frame.loc[name, ["low", "high"]] = frame.loc[name, ["low", "high"]].to_numpy(float) * (value / old)
        elif frame.loc[name, "distribution"] != "point":
            frame.loc[name, ["distribution", "low", "high"]] = ["point", value, value]
        frame.loc[name, "value"] = value
    if context_ranges is not None:
        for name, row in context_ranges.iterrows():
            frame.loc[name, ["value", "evidence", "distribution", "low", "high", "range_reason"]] = [
                row["value"], row["evidence"], row["distribution"], row["low"], row["high"], row["range_reason"]]
    return frame


def restrict(table: pd.DataFrame, blocks) -> pd.DataFrame:
    """The table with only the constants of ``blocks`` left uncertain: each item is a block (parameters.csv
    column block, e.g. fibrosis) or one parameter's name (e.g. kdeg_ACTA2); every other row becomes a point at
    its value (an ensemble conditional on them, e.g. the fibrosis block alone)."""
    from alk5_pysb.model.parameters import default_table
    frame = default_table().frame
    known = sorted(set(frame["block"]))
    bad = [b for b in blocks if b not in known and b not in frame.index]
    if bad or not blocks:
        raise UserInputError(f"--vary {','.join(blocks)}: {', '.join(bad) or 'nothing'} is neither a block nor a "
                             f"parameter; blocks are {', '.join(known)} or a name in parameters.csv")
    out = table.copy()
    keep = set(frame.index[frame["block"].isin(blocks)]) | {b for b in blocks if b in frame.index}
    for name in out.index:
        if name not in keep and out.loc[name, "distribution"] != "point":
            out.loc[name, ["distribution", "low", "high"]] = ["point", out.loc[name, "value"], out.loc[name, "value"]]
    return out


def uncertain(table: pd.DataFrame, extra: bool = False) -> list[str]:
    """Parameters that are drawn (not point, non-zero). The rows of the optional blocks built only on request
    (``builder.EXTRA_BLOCKS``: fibrosis) are drawn only with ``extra``, so draws for the default networks do
    not change when such a block gains constants."""
    skip = set() if extra else _extra_rows()
    return [n for n, r in table.iterrows() if r["distribution"] != "point" and r["value"] > 0 and n not in skip]


def _extra_rows() -> set:
    from alk5_pysb.model.builder import EXTRA_BLOCKS
    from alk5_pysb.model.parameters import default_table
    frame = default_table().frame
    return set(frame.index[frame["block"].isin(EXTRA_BLOCKS)])


def draw(n: int, seed: int = 0, table: pd.DataFrame | None = None, parameters=None, extra: bool = False) -> pd.DataFrame:
    """``n`` members drawn from the prior (Latin hypercube, seeded): member + fold:NAME columns.

    ``parameters`` restricts the draw to those names (the others stay at fold 1); ``extra`` also draws the
    optional blocks' constants (the fibrosis network)."""
    from scipy.stats import qmc
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise UserInputError(f"--ensemble: expected a number of members >= 1 or an ensemble file, got {n!r}")
    table = prior() if table is None else table
    names = uncertain(table, extra=extra or parameters is not None)
    if parameters is not None:
        unknown = [p for p in parameters if p not in table.index]
        if unknown:
            raise UserInputError(f"unknown parameter(s) {', '.join(unknown)}; `alk5 info` lists the parameters")
        names = [p for p in names if p in set(parameters)]
    columns = {"member": np.arange(int(n))}
    if names:
        u = qmc.LatinHypercube(d=len(names), seed=seed).random(int(n))
        u = np.clip(u, 1e-12, 1 - 1e-12)
        own = {}
        for j, name in enumerate(names):
            row = table.loc[name]
            own[name] = quantile(row["distribution"], float(row["low"]), float(row["high"]), u[:, j]) / float(row["value"])
        columns.update({FOLD_PREFIX + n: f for n, f in tie(own, table).items()})
    return pd.DataFrame(columns)


def tie(own: dict, table: pd.DataFrame) -> dict:
    """Each drawn parameter's total fold: its own draw times its ``tied_to`` partner's total fold
    (partners of partners included); works on numbers or arrays of draws."""
    total: dict = {}

    def fold(name, seen=()):
        if name not in total:
            partner = table.loc[name, "tied_to"] if name in table.index else ""
            if name in seen:
                raise UserInputError(f"tied_to forms a loop through {name}")
            base = own.get(name, 1.0)
            total[name] = base * (fold(partner, (*seen, name)) if partner else 1.0)
        return total[name]
    return {name: fold(name) for name in own}


def own_folds(members: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """Each member's independent draws: a tied row's fold divided by its partner's total fold (the inputs
    a sensitivity analysis must see, since tied folds are correlated by construction)."""
    out = members.copy()
    for column in fold_columns(members):
        partner = table.loc[column[len(FOLD_PREFIX):], "tied_to"]
        if partner:
            out[column] = members[column] / members.get(FOLD_PREFIX + partner, 1.0)
    return out


def noise_floor(n: int, tests: int) -> float:
    """|rho| that an unrelated constant exceeds with probability 0.05 over all ``tests`` constants (Bonferroni,
    normal approximation of Spearman's rho under independence)."""
    from scipy.stats import norm
    return float(norm.ppf(1 - 0.025 / tests) / np.sqrt(max(n - 1, 1)))


def rests_on(members: pd.DataFrame, values, groups: dict | None = None, top: int = 5,
             drawn: pd.DataFrame | None = None, drawn_evidence: str = "drawn", strata=None) -> dict:
    """The constants a prediction rests on: those whose own fold (:func:`own_folds`) correlates (Spearman) with
    ``values`` (one number per member row; nan where the member failed) beyond the noise floor, per group of
    constants (``groups``: name -> set of names; default one group of every varied constant). ``drawn``: other
    inputs drawn per member (columns, one row per member, e.g. a PK draw), ranked like the folds with
    ``drawn_evidence`` as their evidence. A listed constant may stand for others that move with it: read them as
    candidates, with the mechanism.

    A constrained ensemble's members repeat parameter sets and descend from a few chains that pass values on:
    each constant is judged over its own distinct values (:func:`lineage_rho`), and its floor counts them (the
    shipped pooled ensemble has ~74 per constant for 800 members). ``strata`` (one label per member row) makes the correlation within strata:
    the members of pooled independent runs cluster by run, and a constant that only marks a run's region would
    otherwise pass as one the prediction rests on. Default (None): the shipped ensemble's runs
    (:func:`shipped_runs`) when every member comes from it; False: no strata."""
    table = prior()
    own = own_folds(members, table).reset_index(drop=True)
    columns = [c for c in fold_columns(own) if own[c].nunique() > 1]
    names = {c: c[len(FOLD_PREFIX):] for c in columns}
    evidence = {n: table.loc[n, "evidence"] for n in names.values()}
    if drawn is not None:
        for column in drawn.columns:
            if drawn[column].nunique() > 1:
                own[f"drawn:{column}"] = drawn[column].to_numpy(float)
                names[f"drawn:{column}"], evidence[column] = column, drawn_evidence
                columns.append(f"drawn:{column}")
    values = pd.Series(np.asarray(values, dtype=float))
    labels = strata_labels(members, strata)
    groups = groups or {"constants": set(names.values())}
    ok = np.isfinite(values.to_numpy())
    distinct_sets = len(own.loc[ok, columns].drop_duplicates()) if columns else 0
    n_strata = len(np.unique(labels[ok])) if ok.any() else 1
    out = {}
    for group, members_of_group in groups.items():
        cols = [c for c in columns if names[c] in members_of_group]
        tests = max(len(cols), 1)
        found = {names[c]: lineage_rho(own.loc[ok, c].to_numpy(float), values[ok].to_numpy(), labels[ok]) for c in cols}
        floors = {name: noise_floor(n, tests) for name, (_, n) in found.items()}
        ranked = sorted(((name, r) for name, (r, _) in found.items() if np.isfinite(r) and abs(r) > floors[name]),
                        key=lambda kv: -abs(kv[1]))
        typical = int(np.median([n for _, n in found.values()])) if found else 0
        out[group] = {"noise_floor": round(noise_floor(typical, tests), 3), "independent_values": typical,
                      "members": int(ok.sum()), "distinct_sets": distinct_sets, "strata": n_strata,
                      "constants": [{"constant": name, "spearman": round(float(r), 3), "evidence": evidence[name],
                                     "independent_values": found[name][1], "noise_floor": round(floors[name], 3)}
                                    for name, r in ranked[:top]]}
    return out


def lineage_rho(x, y, labels) -> tuple[float, int]:
    """Spearman's rho of a constant's folds ``x`` and a prediction ``y`` over the constant's distinct values per
    stratum: members carrying the same value (passed on along a chain, or repeats of one set) are one point, with
    ``y`` averaged over them. Returns (rho within strata, :func:`within_strata_rho`; the number of points less one
    per extra stratum, the sample size the null spread of rho rests on)."""
    frame = pd.DataFrame({"stratum": np.asarray(labels), "x": np.asarray(x, float), "y": np.asarray(y, float)})
    points = frame.groupby(["stratum", "x"], as_index=False)["y"].mean()
    n = len(points) - (points["stratum"].nunique() - 1)
    return within_strata_rho(points["x"], points["y"], points["stratum"]), int(n)


def strata_labels(members: pd.DataFrame, strata=None) -> np.ndarray:
    """One integer label per member row: ``strata`` as given, the shipped ensemble's runs when it is None and the
    members are its sets (:func:`shipped_runs`), else (or with False) one stratum."""
    if strata is None:
        strata = shipped_runs(members)
    if strata is None or strata is False:
        return np.zeros(len(members), dtype=int)
    labels = pd.factorize(np.asarray(strata))[0]
    if len(labels) != len(members):
        raise ValueError(f"{len(labels)} strata labels for {len(members)} members")
    return labels


def within_strata_rho(x, y, labels) -> float:
    """Spearman's rho of x and y within strata (aligned ranks): in each stratum both are ranked, scaled to
    (0, 1) and centred, and the pooled centred ranks are correlated. One stratum gives Spearman's rho; a
    difference between strata alone gives 0."""
    from scipy.stats import rankdata
    x, y, labels = np.asarray(x, float), np.asarray(y, float), np.asarray(labels)
    rx, ry = np.zeros(len(x)), np.zeros(len(y))
    for label in np.unique(labels):
        idx = labels == label
        n = int(idx.sum())
        rx[idx] = (rankdata(x[idx]) - 0.5) / n - 0.5
        ry[idx] = (rankdata(y[idx]) - 0.5) / n - 0.5
    sx, sy = np.sqrt((rx ** 2).sum()), np.sqrt((ry ** 2).sum())
    return float((rx * ry).sum() / (sx * sy)) if sx > 0 and sy > 0 else math.nan


def shipped_runs(members: pd.DataFrame) -> np.ndarray | None:
    """The shipped ensemble's run of each member (its ``run`` column; pooled ``alk5 ensemble --runs``), found by
    the member's folds of the constants that ensemble varies (a fibroblast member's ACTA2 and fibrosis-block folds
    come from the block ensemble, and a library compound's Kd_inhibitor fold from its own potency draw,
    :func:`with_compound_potency`: those are not compared); None when the shipped ensemble has one run or some
    member is not one of its sets."""
    shipped = shipped_ensemble(with_runs=True)
    if shipped is None or "run" not in shipped or shipped["run"].nunique() < 2:
        return None
    block = fibroblast_ensemble(block=True)
    skip = (set(fold_columns(block)) if block is not None else set()) | {FOLD_PREFIX + "Kd_inhibitor"}
    columns = [c for c in fold_columns(shipped) if c not in skip]
    if not columns or any(c not in members for c in columns):
        return None
    # float32: the same draw read back from files written at different precisions
    key = {row.tobytes(): run for row, run in zip(shipped[columns].to_numpy(np.float32), shipped["run"])}
    runs = [key.get(row.tobytes()) for row in members[columns].to_numpy(np.float32)]
    return None if any(r is None for r in runs) else np.asarray(runs)


def fold_columns(members: pd.DataFrame) -> list[str]:
    return [c for c in members.columns if c.startswith(FOLD_PREFIX)]


def simulated_columns(members: pd.DataFrame) -> pd.DataFrame:
    """``members`` with only what a simulation takes (``member`` and the fold columns): a design's other draws
    (``potency:NAME``, which set a compound's Kd_inhibitor through :func:`with_compound_potency`) and labels
    such as ``run`` are not model constants."""
    return members[["member", *fold_columns(members)]]


def member_folds(members: pd.DataFrame, member) -> dict[str, float]:
    row = members.loc[members["member"] == member].iloc[0]
    return {c[len(FOLD_PREFIX):]: float(row[c]) for c in fold_columns(members)}


def same_parameter_sets(members: pd.DataFrame, columns=None) -> dict[int, list[int]]:
    """{first member of each distinct parameter set: every member with that set} over ``columns`` (default every
    fold column): Markov chain states repeat, and a repeat need not be simulated again."""
    columns = fold_columns(members) if columns is None else list(columns)
    keys = members[columns].to_numpy(float) if columns else np.zeros((len(members), 0))
    groups: dict[bytes, list[int]] = {}
    for member, key in zip(members["member"], keys):
        groups.setdefault(key.tobytes(), []).append(int(member))
    return {group[0]: group for group in groups.values()}


def read_ensemble(path) -> pd.DataFrame:
    """An ensemble file (CSV: member + fold:NAME columns, as ``alk5 ensemble`` writes); checked."""
    from alk5_pysb.model.parameters import default_table
    path = Path(path)
    if not path.is_file():
        raise UserInputError(f"ensemble file {path} not found")
    try:
        members = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise UserInputError(f"{path}: not an ensemble CSV ({str(err).splitlines()[0]})") from None
    if "member" not in members or not fold_columns(members):
        raise UserInputError(f"{path}: an ensemble file needs a member column and fold:NAME columns")
    if members.empty:
        raise UserInputError(f"{path}: the ensemble file holds no members (only a header)")
    try:
        members[fold_columns(members)] = members[fold_columns(members)].apply(pd.to_numeric, errors="raise")
        ids = pd.to_numeric(members["member"], errors="raise")
    except (ValueError, TypeError) as err:
        raise UserInputError(f"{path}: member ids and folds must be numbers ({str(err).splitlines()[0]})") from None
    if not (ids == ids.round()).all() or ids.duplicated().any():
        raise UserInputError(f"{path}: member ids must be distinct whole numbers")
    members["member"] = ids.astype(int)
    names = default_table().names
    unknown = [c[len(FOLD_PREFIX):] for c in fold_columns(members) if c[len(FOLD_PREFIX):] not in names]
    if unknown:
        raise UserInputError(f"{path}: unknown parameter(s) {', '.join(unknown)} in fold columns")
    values = members[fold_columns(members)].to_numpy(float)
    if not np.all(np.isfinite(values)) or (values < 0).any():
        raise UserInputError(f"{path}: folds must be finite numbers >= 0")
    return members[["member", *fold_columns(members)]]


def _packaged_ensemble(relative: str, checked: bool = True) -> pd.DataFrame | None:
    """An ensemble file shipped inside the package (path relative to it), or None when there is none;
    ``checked=False``: the file as it is, with its other columns (e.g. ``run``)."""
    from importlib import resources
    ref = resources.files("alk5_pysb").joinpath(relative)
    if not ref.is_file():
        return None
    with resources.as_file(ref) as path:
        return read_ensemble(path) if checked else pd.read_csv(path)


def shipped_ensemble(with_runs: bool = False) -> pd.DataFrame | None:
    """The accepted ensemble shipped with the package, or None when there is none; ``with_runs`` keeps its
    ``run`` column (a pooled ensemble: the independent run each member comes from)."""
    return _packaged_ensemble(SHIPPED_ENSEMBLE, checked=not with_runs)


def block_names(blocks=("fibrosis",)) -> list[str]:
    """The parameter table's rows of ``blocks`` (column block)."""
    from alk5_pysb.model.parameters import default_table
    frame = default_table().frame
    return list(frame.index[frame["block"].isin(blocks)])


#: fibroblast ensembles (scripts/fibroblast_ensemble.py): ``block_ensemble.csv`` holds the fibrosis-block and
#: ACTA2 constants that F1, F2, F5, F6, F8, F9, F10 constrain with every other constant at the fibroblast
#: context's value (alk5 ensemble --context fibroblast --vary ...; record block_ensemble_run.json);
#: ``ensemble.csv`` holds full members: the shipped ensemble's joined with the block ensemble's, kept when they
#: still meet those behaviours (record ensemble_run.json)
FIBROBLAST_BLOCK_ENSEMBLE = "data/contexts/fibroblast/block_ensemble.csv"
FIBROBLAST_ENSEMBLE = "data/contexts/fibroblast/ensemble.csv"


def fibroblast_ensemble(block: bool = False) -> pd.DataFrame | None:
    """The shipped fibroblast ensemble (full members), or with ``block`` the block-only one; None if absent."""
    return _packaged_ensemble(FIBROBLAST_BLOCK_ENSEMBLE if block else FIBROBLAST_ENSEMBLE)


def joined(n: int, seed: int = 0, blocks=("fibrosis",)) -> pd.DataFrame | None:
    """``n`` candidate members for the fibrosis network: the shipped ensemble's members in turn (constants
    B1-B25 constrain) joined with the block ensemble's members in seeded order (their constants replace the
    first part's where both vary one, e.g. the ACTA2 rows), or with Latin hypercube prior draws of ``blocks``
    when no block ensemble is shipped. Not checked: each part met its behaviours alone."""
    shipped = shipped_ensemble()
    if shipped is None:
        return None
    block = fibroblast_ensemble(block=True) if tuple(blocks) == ("fibrosis",) else None
    if block is None:
        base = shipped.iloc[np.arange(n) % len(shipped)].reset_index(drop=True).drop(columns="member")
        drawn = draw(n, seed, parameters=block_names(blocks)).drop(columns="member")
    else:                   # independent random pairs (cycling both in step would repeat the same pairs)
        rng = np.random.default_rng([seed, 2])
        base = shipped.iloc[rng.integers(len(shipped), size=n)].reset_index(drop=True).drop(columns="member")
        drawn = block.iloc[rng.integers(len(block), size=n)].reset_index(drop=True).drop(columns="member")
    base = base.drop(columns=[c for c in drawn.columns if c in base.columns])
    return pd.concat([pd.DataFrame({"member": np.arange(n)}), base, drawn], axis=1)


def fibroblast_members(n: int, seed: int = 0) -> tuple[pd.DataFrame, str]:
    """``n`` members for the fibroblast figures and what they are (one sentence for a legend or a summary)."""
    members = with_block_draws(n, seed)
    if members is None:
        return draw(n, seed, extra=True), f"{n} prior draws (no shipped ensemble)"
    full = fibroblast_ensemble()
    if full is None:
        return members, (f"{n} members: the shipped constrained ensemble's for the constants B1-B25 constrain, prior "
                         f"draws (seed {seed}) for the {len(block_names())} fibrosis-block constants")
    return members, (f"{n} members: the fibroblast ensemble's {len(full)} members in turn (upstream constants from "
                     "the ensemble constrained by B1-B25, fibrosis-block and ACTA2 constants constrained by F1, F2, "
                     "F5, F6, F8, F9, F10; each member meets those seven)")


def with_block_draws(n: int, seed: int = 0, blocks=("fibrosis",)) -> pd.DataFrame | None:
    """``n`` members for the fibrosis network: the shipped fibroblast ensemble's members in turn (they meet
    B1-B25 through their upstream part and F1, F2, F5, F6, F8, F9, F10 as joined), else :func:`joined`."""
    full = fibroblast_ensemble() if tuple(blocks) == ("fibrosis",) else None
    if full is None:
        return joined(n, seed, blocks)
    members = full.iloc[np.arange(n) % len(full)].reset_index(drop=True)
    members["member"] = np.arange(n)
    return members


def resolve(spec, seed: int = 0, table: pd.DataFrame | None = None, extra: bool = False) -> tuple[pd.DataFrame, str]:
    """``--ensemble`` as given: N (prior draws; the shipped accepted ensemble's first N members when it
    exists, unless ``prior:N``), ``prior:N``, ``accepted`` or a file. Returns (members, description)."""
    text = str(spec).strip()
    if text.startswith("prior:"):
        return draw(_count(text[6:]), seed, table, extra=extra), f"{_count(text[6:])} draws from the prior ranges (seed {seed})"
    if text == "accepted" or text.isdigit():
        shipped = shipped_ensemble()
        if shipped is None:
            if text == "accepted":
                raise UserInputError("--ensemble accepted: no accepted ensemble is shipped (run alk5 ensemble)")
            return draw(_count(text), seed, table, extra=extra), f"{text} draws from the prior ranges (seed {seed})"
        if text == "accepted":
            return shipped, f"the shipped literature-constrained ensemble ({len(shipped)} members)"
        n = _count(text)
        if n > len(shipped):
            raise UserInputError(f"--ensemble {n}: the shipped constrained ensemble has {len(shipped)} members "
                                 f"(ask for at most that many, or prior:{n} for draws from the prior ranges)")
        return shipped.iloc[:n].reset_index(drop=True), f"{n} members of the shipped literature-constrained ensemble"
    if text.endswith(".csv") or Path(text).exists():
        members = read_ensemble(text)
        return members, f"{len(members)} members from {Path(text).name}"
    raise UserInputError(f"--ensemble: expected N, prior:N, accepted or an ensemble CSV, got {text!r}")


def _count(text) -> int:
    try:
        n = int(text)
    except (TypeError, ValueError):
        raise UserInputError(f"--ensemble: expected a whole number of members, got {text!r}") from None
    if n < 1:
        raise UserInputError(f"--ensemble: expected a number of members >= 1, got {n}")
    return n


def band(values) -> dict:
    """Median and central 90% band of finite values, with counts."""
    v = np.asarray(values, dtype=float)
    ok = v[np.isfinite(v)]
    if not len(ok):
        return {"median": math.nan, "q05": math.nan, "q95": math.nan, "n": 0, "n_failed": int(len(v))}
    q = np.quantile(ok, [0.5, *BAND])
    return {"median": float(q[0]), "q05": float(q[1]), "q95": float(q[2]), "n": int(len(ok)),
            "n_failed": int(len(v) - len(ok))}


def summarise(frame: pd.DataFrame, by: list[str], value: str = "value") -> pd.DataFrame:
    """Median and 90% band of ``value`` per group of ``by`` (over members)."""
    rows = []
    for key, grp in frame.groupby(by, sort=False, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        rows.append({**dict(zip(by, key)), **band(grp[value])})
    return pd.DataFrame(rows)


def time_courses(sim, experiment, members: pd.DataFrame, readouts, progress: bool = True) -> pd.DataFrame:
    """Every member's time course (long: member, time_min, readouts..., error); a failed member keeps one
    row with the solver's reason."""
    from tqdm import tqdm
    from alk5_pysb.errors import SimulationError
    from alk5_pysb.simulation.engine import solver_output_to_log
    import dataclasses
    frames = []
    for member in tqdm(list(members["member"]), desc="ensemble", unit="member", disable=None if progress else True, leave=False):
        varied = dataclasses.replace(experiment, folds={**experiment.folds, **member_folds(members, member)})
        try:
            with solver_output_to_log(f"member {member}"):
                frame = sim.run(varied, readouts=readouts)
            frames.append(frame.assign(member=member, error=""))
        except SimulationError as err:
            frames.append(pd.DataFrame({"member": [member], "error": [" ".join(str(err).split())]}))
    out = pd.concat(frames, ignore_index=True)
    return out[["member", "time_min", *readouts, "error"]]


def time_course_bands(long: pd.DataFrame, readouts) -> pd.DataFrame:
    """time_min + per readout its median, q05 and q95 over the members that integrated."""
    ok = long[long["error"] == ""]
    grouped = ok.groupby("time_min")
    out = pd.DataFrame({"time_min": sorted(ok["time_min"].unique())})
    for r in readouts:
        q = grouped[r].quantile([0.5, *BAND]).unstack()
        out[r] = q[0.5].to_numpy()
        out[f"{r}_q05"], out[f"{r}_q95"] = q[BAND[0]].to_numpy(), q[BAND[1]].to_numpy()
    return out


def write_time_courses(sim, experiment, members: pd.DataFrame, readouts, out: Path):
    """Every member's time course to ``<out stem>.members.csv`` and their bands to ``out``; returns
    (bands, every member, the members file)."""
    from alk5_pysb.io.files import atomic_write
    out = Path(out)
    long = time_courses(sim, experiment, members, readouts)
    bands = time_course_bands(long, readouts)
    member_file = out.with_name(out.stem + ".members.csv")
    atomic_write(out, bands.to_csv(index=False, float_format="%.6g"))
    atomic_write(member_file, long.to_csv(index=False, float_format="%.6g"))
    return bands, long, member_file


def fit_bands(fits: pd.DataFrame) -> pd.DataFrame:
    """Per-member Hill fits (dose-response or inhibition) -> median and 90% band of each EC50 or IC50."""
    value = "ec50" if "ec50" in fits else "ic50"
    return summarise(fits, [c for c in ("compound", "readout", "metric") if c in fits], value)


def with_members(conditions: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """Every condition under every member (condition_id renumbered; ``member`` labels the rows)."""
    table = conditions.drop(columns=["condition_id"]).merge(members, how="cross").copy()   # one block: no fragmentation warning
    table.insert(0, "condition_id", np.arange(len(table)))
    return table


#: members column holding a compound's potency draw as a quantile in (0, 1) (``potency:NAME``), for designs that
#: vary it as a factor of its own (``alk5 measure-next``); otherwise the draw follows the member id
POTENCY_PREFIX = "potency:"


def potency_factors(compound_name: str, members: pd.DataFrame) -> pd.Series | None:
    """Each member's factor on ``compound_name``'s ALK5 potency, drawn from the compound's own potency row
    (data/potency.csv, role input: the reported value's spread) relative to its value; Latin hypercube over
    member ids, seeded by the compound's name, so a member means the same compound draw in every command
    (or the quantile in the members' ``potency:NAME`` column, where a design draws it).
    None for the anchor compound (its spread is Kd_inhibitor's) and for compounds without a library row."""
    import zlib
    from alk5_pysb.pharmacology.compounds import REFERENCE_COMPOUND, potency_table
    if compound_name == REFERENCE_COMPOUND:     # its spread is Kd_inhibitor's: the member's own fold
        return None
    table = potency_table()
    rows = table[(table["compound"] == compound_name) & (table["target"] == "ALK5") & (table["role"] == "input")]
    if rows.empty or str(rows.iloc[0]["distribution"]) in ("", "point", "nan"):
        return None
    row = rows.iloc[0]
    if POTENCY_PREFIX + compound_name in members:      # a design that draws the potency as a factor of its own
        u = members[POTENCY_PREFIX + compound_name].to_numpy(float)
        return pd.Series(quantile(str(row["distribution"]), float(row["low"]), float(row["high"]), u)
                         / float(row["value_nM"]), index=members.index)
    ids = members["member"].astype(int).to_numpy()
    n = int(ids.max()) + 1
    rng = np.random.default_rng([zlib.crc32(compound_name.encode()), 17])
    u = (rng.permutation(n) + rng.uniform(size=n)) / n
    factors = quantile(str(row["distribution"]), float(row["low"]), float(row["high"]), u) / float(row["value_nM"])
    return pd.Series(factors[ids], index=members.index)


def with_compound_potency(frame: pd.DataFrame, members: pd.DataFrame, compound: str | None = None) -> pd.DataFrame:
    """``frame`` (rows with a ``member`` column and fold columns) with each row's ``fold:Kd_inhibitor`` set to
    its compound's own potency draw for that member (:func:`potency_factors`): the compound of ``compound``,
    else of each row's ``compound`` column. The anchor compound and compounds without a library potency row
    keep the member's Kd_inhibitor fold."""
    out = frame.copy()
    column = FOLD_PREFIX + "Kd_inhibitor"
    if column not in out:
        out[column] = 1.0
    names = [compound] if compound is not None else list(dict.fromkeys(out["compound"]))
    for name in names:
        factors = potency_factors(name, members)
        if factors is None:
            continue
        by_member = dict(zip(members["member"], factors))
        rows = slice(None) if compound is not None else out["compound"] == name
        out.loc[rows, column] = out.loc[rows, "member"].map(by_member).to_numpy(float)
    return out


def write_summary(path: Path, summary: dict):
    from alk5_pysb.io.files import atomic_write, rounded
    atomic_write(Path(path), json.dumps(rounded(summary), indent=2, default=float) + "\n")
