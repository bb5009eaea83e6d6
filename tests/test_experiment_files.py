"""Experiment files (TOML): one [experiment] table and an optional [scan] table.

The shipped files round-trip and mean what the old scenario/scan files meant; every malformed file is
a one-line UserInputError naming the file, the key and (for wrong types) the expected type."""
import json
import math

import numpy as np
import pytest

from alk5_pysb.analysis.runner import kind_of, run_file
from alk5_pysb.errors import UserInputError
from alk5_pysb.io.experiment_files import (
    DESIGNS,
    EXPERIMENT_SCHEMA,
    Axis,
    ExperimentFile,
    compound_names,
    conditions,
    design_size,
    load,
    parse,
    read_conditions,
    sobol_problem,
    standard_experiments,
)
from alk5_pysb.model.parameters import default_table
from alk5_pysb.simulation.experiment import schedule

PARAMETERS = list(default_table().frame.index)
SHIPPED = {"tgfb1_dose_response", "galunisertib_pretreatment", "sb431542_washout", "dose_x_inhibitor", "tgfb1_pulse"}

HEAD = '[experiment]\nname = "x"\nreadouts = ["pSmad2"]\n'
METRICS = 'metrics = ["at:45min"]\n'
GRID = '[scan]\ndesign = "grid"\n[[scan.axis]]\nname = "ligand_dose"\nvalues = "1pM,10pM"\n'


def parsed(text, origin="x.toml"):
    return parse(text, origin, PARAMETERS)


def same_experiment(a, b) -> bool:
    """Experiments agree field by field (compounds carry NaN potencies, so compare their fingerprints)."""
    as_text = lambda e: json.dumps({**e.fingerprint(), "name": e.name, "ligand": e.ligand}, sort_keys=True)
    return as_text(a) == as_text(b)


# -- the shipped files ----------------------------------------------------------------------------------
def test_every_shipped_file_round_trips_through_dumps_and_parse():
    shipped = standard_experiments()
    assert SHIPPED <= set(shipped)
    for name, path in shipped.items():
        spec = load(name, PARAMETERS)
        assert isinstance(spec, ExperimentFile) and spec.origin == str(path)
        assert spec.name == name == path.stem          # `alk5 run NAME` writes NAME.csv
        assert spec.description                       # listed by `alk5 info`
        text = spec.dumps()
        again = parse(text, spec.origin, PARAMETERS)
        assert again == spec, name
        assert again.dumps() == text
        assert same_experiment(again.experiment(), spec.experiment()), name
        # a shipped file loads the same by name and by path
        assert load(path, PARAMETERS) == spec


def test_shipped_files_mean_what_the_old_scenarios_and_scan_meant():
    specs = {name: load(name, PARAMETERS) for name in SHIPPED}
    assert {name: kind_of(spec) for name, spec in specs.items()} == {
        "tgfb1_dose_response": "dose-response", "galunisertib_pretreatment": "inhibition",
        "sb431542_washout": "inhibition", "dose_x_inhibitor": "scan", "tgfb1_pulse": "time course"}

    # kind = "dose-response", doses = "0.01pM:1nM:21"
    dose = specs["tgfb1_dose_response"]
    (axis,) = dose.scan.axes
    assert axis.name == "ligand_dose" and len(axis.values) == 21
    assert axis.values[0] == pytest.approx(0.01) and axis.values[-1] == pytest.approx(1000.0)
    exp = dose.experiment()
    assert [m.text for m in exp.metrics] == ["at:45min", "at:8h", "at:24h", "peak"] and exp.t_end_min == 1440.0

    # kind = "inhibition", compound = "galunisertib", protocol = "pretreat:60min", doses = "1nM:30uM:19"
    gal = specs["galunisertib_pretreatment"]
    exp = gal.experiment()
    assert exp.compound.name == "galunisertib" and exp.dose_pM == 100.0
    assert exp.schedule_text == "pretreat:60min" and exp.inhibitor_at_min is None
    (axis,) = gal.scan.axes
    assert axis.name == "inhibitor_dose" and len(axis.values) == 19
    assert axis.values[0] == pytest.approx(1.0) and axis.values[-1] == pytest.approx(30000.0)

    # protocol = "washout:0min": pre-treated 60 min, removed at ligand addition
    wash = specs["sb431542_washout"].experiment()
    assert wash.schedule_text == "washout:0min"
    assert (wash.pretreat_min, wash.inhibitor_washout_min) == (60.0, 0.0)
    assert wash.compound.name == "SB-431542" and [m.text for m in wash.metrics] == ["at:60min", "auc:0-4h"]

    # the scan of scans/dose_x_inhibitor.toml: 10 x 10 conditions under a 60-min SB-431542 pre-treatment
    grid = specs["dose_x_inhibitor"]
    assert design_size(grid.scan) == 100 and len(conditions(grid.scan)) == 100
    assert grid.experiment().pretreat_min == 60.0 and grid.experiment().compound.name == "SB-431542"

    # the 30-s pulse: a time course with a ligand washout at 0.5 min, over 8 h
    pulse = specs["tgfb1_pulse"].experiment()
    assert pulse.washout_min == 0.5 and pulse.t_end_min == 480.0 and pulse.metrics == ()
    assert "free_ligand" in pulse.readouts


def test_unknown_shipped_name_lists_every_valid_one():
    with pytest.raises(UserInputError, match="no_such_experiment") as err:
        load("no_such_experiment")
    message = str(err.value)
    assert "\n" not in message
    for name in standard_experiments():
        assert name in message


def test_a_folder_is_not_an_experiment_file(tmp_path):
    with pytest.raises(UserInputError, match="is a folder"):
        load(tmp_path)


# -- what the keys mean ----------------------------------------------------------------------------------
@pytest.mark.parametrize("word, keys", [
    ("pretreat:60min", 'pretreat = "60min"'),
    ("post:45min", 'inhibitor_at = "45min"'),
    ("co", 'inhibitor_at = "0min"'),
    ("washout:30min", 'pretreat = "60min"\ninhibitor_washout = "30min"'),
])
def test_schedule_keys_match_the_protocol_words(word, keys):
    """protocol = "pretreat:60min" became pretreat = "60min", post:T inhibitor_at = T, washout:T
    pretreat = "60min" + inhibitor_washout = T: the same Experiment fields as the CLI's --protocol word."""
    exp = parsed(HEAD + f'compound = "SB-431542"\ninhibitor_dose = "1uM"\n{keys}\n').experiment()
    fields = {"pretreat_min": 0.0, "inhibitor_at_min": None, "inhibitor_washout_min": None, **schedule(word)}
    assert {k: getattr(exp, k) for k in fields} == fields
    assert exp.schedule_text == (word if word != "co" else "co")


def test_every_key_reaches_the_experiment():
    spec = parsed('[experiment]\nname = "all-keys.v1"\ndescription = "d"\nligand = "TGFB3"\nligand_dose = "2.5ng/mL"\n'
                  'ki = "30nM"\ninhibitor_dose = "1uM"\npretreat = "2h"\nwashout = "30s"\npulses = 3\n'
                  'pulse_every = "1h"\ntrap_dose = "10nM"\nt_end = "8h"\nreadouts = ["pSmad2", "PAI1_mRNA"]\n'
                  'metrics = ["at:60min", "auc:0-4h"]\n[experiment.set]\nPPM1A_0 = 1000\n'
                  '[experiment.scale]\nTBRII_0 = 0.5\n')
    assert set(spec.body) == set(EXPERIMENT_SCHEMA) - {"compound", "inhibitor_at", "inhibitor_washout"}
    assert (spec.name, spec.description, spec.ligand) == ("all-keys.v1", "d", "TGFB3")
    assert spec.set == {"PPM1A_0": 1000} and spec.scale == {"TBRII_0": 0.5}
    assert spec.parameter_names() == ["PPM1A_0", "TBRII_0"]
    exp = spec.experiment({"PPM1A_0": 1000.0, "TBRII_0": 21.0})
    assert exp.ligand == "TGFB3" and exp.dose_pM == pytest.approx(100.0)       # 2.5 ng/mL of a 25 kDa dimer
    assert exp.compound.alk5_ic50_nM == 30.0 and exp.inhibitor_nM == 1000.0
    assert (exp.pretreat_min, exp.washout_min, exp.trap_nM, exp.t_end_min) == (120.0, 0.5, 10.0, 480.0)
    assert (exp.pulses, exp.pulse_every_min) == (3, 60.0)
    assert exp.readouts == ("pSmad2", "PAI1_mRNA") and [m.text for m in exp.metrics] == ["at:60min", "auc:0-4h"]
    assert exp.params == {"PPM1A_0": 1000.0, "TBRII_0": 21.0} and exp.name == "all-keys.v1"


def test_defaults_of_a_minimal_file():
    spec = parsed(HEAD)
    assert spec.scan is None and spec.ligand == "TGFB1" and spec.description == ""
    exp = spec.experiment()
    assert (exp.ligand, exp.dose_pM, exp.inhibitor_nM, exp.compound, exp.t_end_min) == ("TGFB1", 100.0, 0.0, None,
                                                                                         1440.0)
    # metrics set the default window: at:24h needs 24 h, at:45min at least the 4-h minimum
    assert parsed(HEAD + 'metrics = ["at:45min"]').experiment().t_end_min == 240.0
    assert parsed(HEAD + 'metrics = ["at:30h"]').experiment().t_end_min == 1800.0


# -- malformed files ---------------------------------------------------------------------------------------
def test_malformed_toml_reports_the_line():
    text = '[experiment]\nname = "x"\nreadouts = ["pSmad2"]\nligand_dose = "100pM\n'
    with pytest.raises(UserInputError, match=r"my\.toml: malformed TOML.*line 4"):
        parse(text, "my.toml")


@pytest.mark.parametrize("text, fragments", [
    # unknown keys, at every level
    (HEAD + METRICS + GRID + 'colour = "red"\n', ["'colour'", "[[scan.axis]] #1 (name = 'ligand_dose')",
                                                  "valid keys are name, values, range, scale"]),
    (HEAD + 'colour = "red"\n', ["'colour'", "in [experiment]", "valid keys are name, description, ligand"]),
    (HEAD + METRICS + '[scan]\ndesing = "grid"\n', ["'desing'", "in [scan]", "valid keys are design, samples"]),
    ('colour = "red"\n' + HEAD, ["'colour'", "top-level", "[experiment]"]),
    (HEAD + '[extra]\na = 1\n', ["'extra'", "[experiment] table"]),
    (HEAD + '[experiment.sett]\nPPM1A_0 = 1\n', ["'sett'", "in [experiment]"]),
    (HEAD + '[[experiment.axis]]\nname = "ligand_dose"\n', ["'axis'", "in [experiment]"]),
    (HEAD + 'protocol = "pretreat:60min"\n', ["'protocol'", "in [experiment]"]),       # the old scenario keys
    (HEAD + 'kind = "dose-response"\n', ["'kind'", "in [experiment]"]),
    (HEAD + 'doses = "1pM:1nM:5"\n', ["'doses'", "in [experiment]"]),
    ('[scenario]\nname = "x"\nkind = "dose-response"\n', ["'scenario'"]),
    # wrong types
    (HEAD.replace('"x"', "5"), ["[experiment] name must be a plain file name", "the integer 5"]),
    (HEAD.replace('["pSmad2"]', '"pSmad2"'), ["readouts must be a non-empty list of strings", "the string 'pSmad2'"]),
    (HEAD.replace('["pSmad2"]', "[]"), ["readouts must be a non-empty list of strings", "the array []"]),
    (HEAD + 'metrics = "peak"\n', ["metrics must be a non-empty list of strings", "the string 'peak'"]),
    (HEAD + "ligand_dose = 100\n", ["ligand_dose must be a string with a unit", "the integer 100"]),
    (HEAD + "t_end = 2.5\n", ["t_end must be a string with a unit", "the float 2.5"]),
    (HEAD + 'pretreat = ""\n', ["pretreat must be a string with a unit", "the string ''"]),
    (HEAD + "compound = 5\n", ["compound must be a string", "the integer 5"]),
    (HEAD + "ligand = true\n", ["ligand must be a string", "the boolean true"]),
    (HEAD + '[experiment.set]\nPPM1A_0 = "lots"\n', ["set must be a table of parameter names = numbers"]),
    (HEAD + "scale = 3\n", ["scale must be a table of parameter names = numbers", "the integer 3"]),
    (HEAD + METRICS + '[scan]\ndesign = "lhs"\nsamples = "abc"\n',
     ["[scan] samples must be an integer >= 1", "the string 'abc'"]),
    (HEAD + METRICS + '[scan]\ndesign = "lhs"\nsamples = 0\n', ["samples must be an integer >= 1", "the integer 0"]),
    (HEAD + METRICS + '[scan]\ndesign = "lhs"\nsamples = 4\nseed = -1\n', ["seed must be an integer >= 0"]),
    (HEAD + METRICS + '[scan]\ndesign = "grid"\nmax_conditions = 1.5\n', ["max_conditions", "the float 1.5"]),
    (HEAD + METRICS + '[scan]\ndesign = 3\n', ["design must be one of grid, lhs, sobol, csv", "the integer 3"]),
    (HEAD + METRICS + '[scan]\ndesign = "grid"\naxis = 3\n', ["axis must be an array of tables", "the integer 3"]),
    (HEAD + METRICS + '[scan]\ndesign = "csv"\nconditions = 1\n', ["conditions must be a string"]),
    (HEAD + METRICS + '[scan]\ndesign = "grid"\n[[scan.axis]]\nname = "ligand_dose"\nvalues = true\n',
     ["values must be", "the boolean true"]),
    (HEAD + METRICS + '[scan]\ndesign = "grid"\n[[scan.axis]]\nname = 5\nvalues = "1pM"\n',
     ["[[scan.axis]] #1 name must be a string", "the integer 5"]),
    (HEAD + METRICS + '[scan]\ndesign = "lhs"\nsamples = 4\n[[scan.axis]]\nname = "k_int"\nrange = ["a", 1]\n',
     ["range must be an array of two numbers", "(name = 'k_int')"]),
    (HEAD + METRICS + '[scan]\ndesign = "lhs"\nsamples = 4\n[[scan.axis]]\nname = "k_int"\nrange = [0.1, 1, 10]\n',
     ["range must be an array of two numbers"]),
    (HEAD + METRICS + '[scan]\ndesign = "lhs"\nsamples = 4\n[[scan.axis]]\nname = "k_int"\nrange = [0.1, 1]\n'
     'scale = "cubic"\n', ["scale must be \"log\" or \"lin\"", "the string 'cubic'"]),
    ('experiment = 3\n', ["expected an [experiment] table"]),
    (HEAD + 'scan = 3\n', ["'scan'", "in [experiment]"]),
    (HEAD + METRICS + '[[scan]]\ndesign = "grid"\n', ["scan must be a table"]),
    # missing keys
    ('[experiment]\nreadouts = ["pSmad2"]\n', ["[experiment] needs 'name'"]),
    ('[experiment]\nname = "x"\n', ["[experiment] needs 'readouts'"]),
    ('[scan]\ndesign = "grid"\n', ["expected an [experiment] table"]),
    ("", ["expected an [experiment] table"]),
    (HEAD + GRID, ["a scan needs metrics in [experiment]"]),
    # contradictions
    (HEAD + 'compound = "SB-431542"\ninhibitor_dose = "1uM"\npretreat = "60min"\ninhibitor_at = "45min"\n',
     ["gives pretreat and inhibitor_at"]),
    (HEAD + 'compound = "SB-431542"\nki = "30nM"\n', ["gives compound and ki"]),
    # names that would leave the output folder
    (HEAD.replace('"x"', '"../../x"'), ["name must be a plain file name", "'../../x'"]),
    (HEAD.replace('"x"', '"/abs/path/x"'), ["name must be a plain file name"]),
    (HEAD.replace('"x"', '".."'), ["name must be a plain file name"]),
    (HEAD.replace('"x"', '".hidden"'), ["name must be a plain file name"]),
    (HEAD.replace('"x"', '""'), ["name must be a plain file name"]),
    (HEAD.replace('"x"', '"' + "n" * 101 + '"'), ["name must be a plain file name"]),
])
def test_bad_files_are_one_line_naming_file_and_key(text, fragments):
    with pytest.raises(UserInputError) as err:
        parsed(text, "/data/bad.toml")
    message = str(err.value)
    assert message.startswith("/data/bad.toml: ") and "\n" not in message, message
    for fragment in fragments:
        assert fragment in message, (fragment, message)


@pytest.mark.parametrize("text, fragment", [
    # values are checked when the file is read, before any work
    (HEAD + 'ligand_dose = "100"\n', "has no unit"),
    (HEAD + 'ligand_dose = "5furlongs"\n', "is not a concentration"),
    (HEAD + 'inhibitor_dose = "2.5ng/mL"\n', "expected a molar concentration"),
    (HEAD + 't_end = "0min"\n', "t_end"),
    (HEAD + 'pretreat = "5nM"\n', "not a duration"),
    (HEAD + 'compound = "aspirin"\n', "valid compounds are"),
    (HEAD + 'metrics = ["maximum"]\n', "valid metrics are"),
    (HEAD + 'metrics = ["peak", "peak"]\n', "listed twice"),
    (HEAD + METRICS + '[scan]\ndesign = "cube"\n', "not one of grid, lhs, sobol, csv"),
    (HEAD + METRICS + '[scan]\n', "[scan] needs 'design'"),
    (HEAD + METRICS + '[scan]\ndesign = "grid"\n', "at least one [[scan.axis]]"),
    (HEAD + METRICS + '[scan]\ndesign = "grid"\n[[scan.axis]]\nvalues = "1pM"\n', "#1 needs name"),
    (HEAD + METRICS + '[scan]\ndesign = "grid"\n[[scan.axis]]\nname = "colour"\nvalues = "1,2"\n', "unknown axis"),
    (HEAD + METRICS + '[scan]\ndesign = "grid"\n[[scan.axis]]\nname = "ligand_dose"\n', "needs values"),
    (HEAD + METRICS + '[scan]\ndesign = "grid"\n[[scan.axis]]\nname = "ligand_dose"\nvalues = "1nM:1pM:5"\n', "start"),
    (HEAD + METRICS + '[scan]\ndesign = "grid"\n[[scan.axis]]\nname = "ligand_dose"\nvalues = "0pM:1nM:5"\n', "zero"),
    (HEAD + METRICS + '[scan]\ndesign = "grid"\n[[scan.axis]]\nname = "ligand_dose"\nvalues = [10, 100]\n', "no unit"),
    (HEAD + METRICS + '[scan]\ndesign = "grid"\n[[scan.axis]]\nname = "k_int"\nvalues = "a,b"\n', "expected numbers"),
    (HEAD + METRICS + '[scan]\ndesign = "grid"\n[[scan.axis]]\nname = "k_int"\nvalues = "-1,1"\n', ">= 0"),
    (HEAD + METRICS + '[scan]\ndesign = "grid"\n[[scan.axis]]\nname = "k_int"\nvalues = "1:0.1:5"\n', "START < STOP"),
    (HEAD + METRICS + '[scan]\ndesign = "grid"\n[[scan.axis]]\nname = "k_int"\nvalues = "0:1:5"\n', "0 < START"),
    (HEAD + METRICS + '[scan]\ndesign = "grid"\n[[scan.axis]]\nname = "k_int"\nvalues = "0.1:1:1"\n', "N >= 2"),
    (HEAD + METRICS + '[scan]\ndesign = "grid"\n[[scan.axis]]\nname = "pretreat"\nvalues = "1h,5nM"\n',
     "not a duration"),
    (HEAD + METRICS + '[scan]\ndesign = "grid"\n[[scan.axis]]\nname = "compound"\nvalues = ["aspirin"]\n',
     "axis 'compound': unknown compound 'aspirin': valid compounds are"),
    (HEAD + METRICS + '[scan]\ndesign = "grid"\n[[scan.axis]]\nname = "k_int"\nrange = [0.1, 1]\n',
     'range not used by design = "grid"'),
    (HEAD + METRICS + '[scan]\ndesign = "lhs"\nsamples = 4\n[[scan.axis]]\nname = "k_int"\nvalues = "1,2"\n',
     'values not used by design = "lhs"'),
    (HEAD + METRICS + '[scan]\ndesign = "lhs"\nsamples = 4\n[[scan.axis]]\nname = "k_int"\n', "needs range"),
    (HEAD + METRICS + '[scan]\ndesign = "lhs"\n[[scan.axis]]\nname = "k_int"\nrange = [0.1, 1]\n', "needs samples"),
    (HEAD + METRICS + '[scan]\ndesign = "sobol"\nsamples = 4\n[[scan.axis]]\nname = "k_int"\nrange = [1.0, 0.1]\n',
     "empty or reversed"),
    (HEAD + METRICS + '[scan]\ndesign = "lhs"\nsamples = 4\n[[scan.axis]]\nname = "k_int"\nrange = [0, 1]\n',
     "log scale needs low > 0"),
    (HEAD + METRICS + '[scan]\ndesign = "lhs"\nsamples = 4\n[[scan.axis]]\nname = "compound"\nrange = [0, 1]\n',
     'takes names, so it needs design = "grid"'),
    (HEAD + METRICS + '[scan]\ndesign = "csv"\n', "needs conditions"),
    (HEAD + METRICS + GRID + '[[scan.axis]]\nname = "ligand_dose"\nvalues = "100pM"\n', "'ligand_dose' is given twice"),
])
def test_bad_values_are_refused_when_the_file_is_read(text, fragment):
    with pytest.raises(UserInputError) as err:
        parsed(text)
    assert fragment in str(err.value) and "\n" not in str(err.value), str(err.value)


def test_parameter_axes_need_the_model_parameters():
    text = HEAD + METRICS + '[scan]\ndesign = "grid"\n[[scan.axis]]\nname = "k_int"\nvalues = "0.1,1"\n'
    assert parse(text, "x.toml", PARAMETERS).scan.axes[0].name == "k_int"
    with pytest.raises(UserInputError, match="unknown axis 'k_int'.*alk5 info"):
        parse(text, "x.toml")


def test_an_inhibition_scan_needs_a_compound(sim, tmp_path):
    """kind = "inhibition" without compound was refused; an inhibitor_dose grid without one still is."""
    spec = parsed(HEAD + METRICS + '[scan]\ndesign = "grid"\n[[scan.axis]]\nname = "inhibitor_dose"\n'
                  'values = "1nM,10nM"\n')
    assert kind_of(spec) == "inhibition"
    with pytest.raises(UserInputError, match="needs compound"):
        run_file(sim, spec, {}, tmp_path / "out")
    assert not (tmp_path / "out").exists()                 # refused before any work


# -- the conditions of a scan --------------------------------------------------------------------------------
def test_grid_conditions_are_the_product_of_the_axes():
    spec = parsed(HEAD + METRICS + GRID + '[[scan.axis]]\nname = "compound"\nvalues = ["SB-431542", "RepSox"]\n'
                  '[[scan.axis]]\nname = "pretreat"\nvalues = "30min,1h,2h"\n')
    table = conditions(spec.scan)
    assert design_size(spec.scan) == len(table) == 12
    assert list(table.columns) == ["condition_id", "ligand_dose", "compound", "pretreat"]
    assert table["condition_id"].tolist() == list(range(12))
    assert sorted(set(table["ligand_dose"])) == [1.0, 10.0] and sorted(set(table["pretreat"])) == [30.0, 60.0, 120.0]
    assert table.groupby(["ligand_dose", "compound", "pretreat"]).size().eq(1).all()


def test_lhs_and_sobol_designs_stay_in_their_ranges_and_are_reproducible():
    lhs = HEAD + METRICS + ('[scan]\ndesign = "lhs"\nsamples = 20\nseed = 3\n[[scan.axis]]\nname = "k_int"\n'
                            'range = [0.01, 1.0]\n[[scan.axis]]\nname = "PPM1A_0"\nrange = [100, 200]\nscale = "lin"\n')
    spec = parsed(lhs)
    table = conditions(spec.scan)
    assert len(table) == design_size(spec.scan) == 20
    assert table["k_int"].between(0.01, 1.0).all() and table["PPM1A_0"].between(100, 200).all()
    # a Latin hypercube: one sample in each of the 20 strata of each axis (log strata for a log axis)
    assert sorted(np.floor(20 * (np.log10(table["k_int"]) + 2) / 2).astype(int)) == list(range(20))
    assert sorted(np.floor((table["PPM1A_0"] - 100) / 5).astype(int)) == list(range(20))
    assert conditions(parsed(lhs).scan).equals(table)
    assert not conditions(parsed(lhs.replace("seed = 3", "seed = 4")).scan).equals(table)

    sobol = parsed(lhs.replace('"lhs"', '"sobol"').replace("samples = 20", "samples = 8"))
    table = conditions(sobol.scan)
    assert len(table) == design_size(sobol.scan) == 8 * (2 * 2 + 2)
    assert table["k_int"].between(0.01, 1.0).all() and table["PPM1A_0"].between(100, 200).all()
    problem = sobol_problem(sobol.scan.axes)
    assert problem["names"] == ["k_int", "PPM1A_0"]
    assert problem["bounds"] == [[-2.0, 0.0], [100.0, 200.0]]


def test_large_designs_need_allow_large():
    spec = parsed(HEAD + METRICS + '[scan]\ndesign = "grid"\nmax_conditions = 3\n[[scan.axis]]\nname = "ligand_dose"\n'
                  'values = "1pM:1nM:4"\n')
    with pytest.raises(UserInputError, match="4 conditions, more than max_conditions = 3; pass --yes"):
        conditions(spec.scan)
    assert len(conditions(spec.scan, allow_large=True)) == 4


def test_csv_conditions_are_read_relative_to_the_experiment_file(tmp_path):
    (tmp_path / "cond.csv").write_text("ligand_dose,compound,k_int\n10,SB-431542,0.1\n100,RepSox,\n", encoding="utf-8")
    path = tmp_path / "c.toml"
    path.write_text(HEAD + METRICS + '[scan]\ndesign = "csv"\nconditions = "cond.csv"\n', encoding="utf-8")
    spec = load(path, PARAMETERS)
    assert spec.scan.conditions_file == str(tmp_path / "cond.csv")
    table = conditions(spec.scan)
    assert design_size(spec.scan) == 2 and table["condition_id"].tolist() == [0, 1]
    assert table["ligand_dose"].tolist() == [10.0, 100.0] and table["compound"].tolist() == ["SB-431542", "RepSox"]
    assert table["k_int"].iloc[0] == 0.1 and math.isnan(table["k_int"].iloc[1])     # empty: the base value
    assert read_conditions(spec.scan).shape == (2, 3)


def test_compound_names_are_checked_against_the_library():
    assert compound_names("SB-431542, RepSox", "x.toml") == ["SB-431542", "RepSox"]
    assert compound_names(["galunisertib"], "x.toml") == ["galunisertib"]
    with pytest.raises(UserInputError, match="x.toml: axis 'compound'.*valid compounds are"):
        compound_names(["aspirin"], "x.toml")


def test_axis_and_designs_are_public():
    assert DESIGNS == ("grid", "lhs", "sobol", "csv")
    axis = Axis("k_int", low=0.1, high=1.0)
    assert axis.scale == "log" and axis.values is None


def test_a_scan_condition_is_the_experiment_with_its_axes_varied():
    spec = parsed(HEAD + METRICS + 'compound = "SB-431542"\npretreat = "60min"\n[experiment.set]\nPPM1A_0 = 500\n'
                  '[scan]\ndesign = "grid"\n[[scan.axis]]\nname = "inhibitor_dose"\nvalues = "0nM,1uM"\n'
                  '[[scan.axis]]\nname = "k_int"\nvalues = "0.5"\n')
    base = spec.experiment({"PPM1A_0": 500.0})
    rows = conditions(spec.scan).to_dict("records")
    untreated, treated = (base.vary(row) for row in rows)
    assert treated.inhibitor_nM == 1000.0 and treated.pretreat_min == 60.0 and treated.compound.name == "SB-431542"
    assert treated.params == {"PPM1A_0": 500.0, "k_int": 0.5}
    assert untreated.inhibitor_nM == 0.0 and untreated.pretreat_min == 0.0       # no drug: no pre-treatment
    assert base.inhibitor_nM == 0.0 and base.params == {"PPM1A_0": 500.0}        # the base is unchanged
