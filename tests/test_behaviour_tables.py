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
