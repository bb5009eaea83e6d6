import pytest

from alk5_pysb.io.scenario_files import dumps, load, parse, standard_scenarios
from alk5_pysb.errors import UserInputError


def test_standard_scenarios_round_trip():
    shipped = standard_scenarios()
    assert {"tgfb1_dose_response", "galunisertib_pretreatment", "sb431542_washout"} <= set(shipped)
    for name in shipped:
        scenario = load(name)
        again = parse(dumps(scenario))
        assert again == scenario


def test_malformed_toml_reports_the_line():
    text = '[scenario]\nname = "x"\nkind = "dose-response"\ndoses = "1pM:1nM:5\n'
    with pytest.raises(UserInputError, match="line 4"):
        parse(text, "my.toml")


@pytest.mark.parametrize("body, message", [
    ('name="x"\nkind="dose-response"\ndoses="1pM:1nM:5"\nreadouts=["pSmad2"]\nmetrics=["peak"]\ncolour="red"', "unknown key"),
    ('name="x"\nkind="titration"\ndoses="1pM:1nM:5"\nreadouts=["pSmad2"]\nmetrics=["peak"]', "not one of"),
    ('name="x"\nkind="inhibition"\ndoses="1nM:1uM:5"\nreadouts=["pSmad2"]\nmetrics=["peak"]', "needs compound"),
    ('name="x"\nkind="dose-response"\ndoses="1pM:1nM:5"\nreadouts="pSmad2"\nmetrics=["peak"]', "list of strings"),
    ('name="x"\nkind="dose-response"\nreadouts=["pSmad2"]\nmetrics=["peak"]', "needs 'doses'"),
])
def test_bad_scenarios(body, message):
    with pytest.raises(UserInputError, match=message):
        parse("[scenario]\n" + body)


def test_unknown_scenario_name_lists_the_standard_ones():
    with pytest.raises(UserInputError, match="tgfb1_dose_response"):
        load("no_such_scenario")
