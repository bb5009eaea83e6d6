"""The behaviours as data: the tables the checks are judged by (data/behaviours/) are complete and
consistent with the registered checks, and the engine (checks.judged) decides verdicts and margins from them."""
import math
import re

import pytest

from alk5_pysb.analysis import checks
from alk5_pysb.analysis.validation import all_checks
from alk5_pysb.io import contexts
from alk5_pysb.io.locations import NETWORKS

PREFIX = {"canonical": "B", "fibrosis": "F", "cytostasis": "C", "emt": "M", "endothelial": "E"}


def test_every_check_has_one_row_and_bands_and_nothing_else():
    behaviours, bands = checks.behaviour_table(), checks.band_table()
    registered = list(all_checks())
    assert behaviours.index.is_unique
    assert list(behaviours.index) == registered          # same behaviours, same order as the validation table
    without = [i for i in registered if (bands["id"] == i).sum() == 0]
    assert not without, f"behaviours without a band: {without}"
    assert set(bands["id"]) <= set(registered)


def test_rows_are_well_formed():
    behaviours, bands = checks.behaviour_table(), checks.band_table()
    for check_id, row in behaviours.iterrows():
        assert check_id.startswith(PREFIX[row["family"]]), check_id
        assert row["behaviour"].strip() and row["target"].strip() and row["tag"].strip(), check_id
        assert row["network"] in NETWORKS, (check_id, row["network"])
        assert row["context"] == "default" or row["context"] in contexts.names(), (check_id, row["context"])
        if row["family"] != "canonical":                   # the context behaviours cite their sources
            assert row["source"].strip(), check_id
    assert not bands.duplicated(["id", "quantity"]).any()
    for b in bands.itertuples():
        assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", b.quantity), b
        assert not (math.isnan(b.low) and math.isnan(b.high)), f"{b.id} {b.quantity}: a band needs a bound"
        assert math.isnan(b.low) or math.isnan(b.high) or b.low <= b.high, b
        assert b.unit.strip() and b.description.strip(), b
        assert b.alternative == "" or re.fullmatch(r"\w+:\w+", b.alternative), b
    for (check_id, group), rows in bands[bands["alternative"] != ""].groupby(
            ["id", bands["alternative"].str.split(":").str[0]]):
        assert rows["alternative"].nunique() >= 2, f"{check_id} {group}: an or-set needs two options"


def test_the_engine_judges_from_the_table():
    check_id = "C1"
    table = checks.bands(check_id)
    inside = {}
    for b in table.itertuples():
        lo, hi = (None if math.isnan(b.low) else b.low), (None if math.isnan(b.high) else b.high)
        inside[b.quantity] = (lo + hi) / 2 if lo is not None and hi is not None else (lo * 2 if lo is not None else hi / 2)
    ok = checks.judged(check_id, inside, "model text", "note")
    assert ok.passed and ok.margin == 0.0
    assert (ok.behaviour, ok.target, ok.source) == tuple(checks.behaviour_table().loc[check_id, ["behaviour", "target", "source"]])
    first = table.iloc[0]
    bound = first["high"] if not math.isnan(first["high"]) else first["low"]
    outside = {**inside, first["quantity"]: bound * 10 if not math.isnan(first["high"]) else bound / 10}
    bad = checks.judged(check_id, outside, "model text")
    assert not bad.passed and bad.margin == pytest.approx(1.0)        # one decade outside
    undefined = checks.judged(check_id, {**inside, first["quantity"]: float("nan")}, "model text")
    assert not undefined.passed and undefined.margin == checks.MISS_UNDEFINED
    with pytest.raises(KeyError, match="bands table"):
        checks.judged(check_id, {**inside, "not_in_the_table": 1.0}, "model text")
    with pytest.raises(KeyError, match="bands table"):
        checks.judged(check_id, {k: v for k, v in inside.items() if k != first["quantity"]}, "model text")


def test_alternatives_need_one_option_and_count_the_nearest():
    """A target "(a) or (b)" (M6): options of one set in the bands table's ``alternative`` column."""
    table = checks.bands("M6")
    alternatives = table[table["alternative"] != ""]
    assert set(alternatives["alternative"]) == {"memory:a", "memory:b"}
    a = alternatives[alternatives["alternative"] == "memory:a"]
    b = alternatives[alternatives["alternative"] == "memory:b"].iloc[0]
    required = table[table["alternative"] == ""].iloc[0]
    in_a = {q.quantity: (q.low * 2 if q.low == q.low else q.high / 2) for q in a.itertuples()}
    out_b = {b["quantity"]: b["low"] / 10}                        # one decade short of option b
    ok_required = {required["quantity"]: required["low"] * 1.5}
    only_a = checks.judged("M6", {**in_a, **out_b, **ok_required}, "")
    assert only_a.passed and only_a.margin == 0.0                 # one option suffices
    out_a = {q: v * 1e6 if a.set_index("quantity").loc[q, "low"] != a.set_index("quantity").loc[q, "low"] else v / 1e6
             for q, v in in_a.items()}                            # every quantity of option a far outside
    neither = checks.judged("M6", {**out_a, **out_b, **ok_required}, "")
    assert not neither.passed and neither.margin == pytest.approx(1.0)   # the nearer option (b) counts
    missing_required = checks.judged("M6", {**in_a, **out_b, required["quantity"]: required["low"] / 10}, "")
    assert not missing_required.passed and missing_required.margin == pytest.approx(1.0)
