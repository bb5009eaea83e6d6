"""Tests for alk5_pysb.io.units (user-input parsing of doses, durations, grids)."""

import math

import numpy as np
import pytest

# pint is a core dependency: without it these tests must fail (ImportError), not skip
import pint  # noqa: F401
from alk5_pysb.io.units import (TGFB_DIMER_KDA, format_concentration, get_registry, parse_concentration, parse_dose_grid, parse_duration)
from alk5_pysb.errors import (UserInputError)


def _error(func, text, **kw) -> str:
    """Call func(text, **kw), assert UserInputError, return its one-line message."""
    with pytest.raises(UserInputError) as info:
        func(text, **kw)
    msg = str(info.value)
    assert "\n" not in msg and "\r" not in msg, msg
    assert isinstance(info.value, ValueError)
    return msg


# --------------------------------------------------------------------------
# parse_concentration
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected_pM",
    [
        ("100pM", 100.0),
        ("100 pM", 100.0),
        ("  100 pM  ", 100.0),
        ("0.1 nM", 100.0),
        ("1 nM", 1000.0),
        ("1nM", 1000.0),
        ("1uM", 1e6),
        ("1µM", 1e6),  # micro sign U+00B5
        ("1μM", 1e6),  # greek mu U+03BC
        ("10 nmol/L", 1e4),
        ("10 nmol/l", 1e4),
        ("1e3pM", 1000.0),
        (".5nM", 500.0),
        ("+2 pM", 2.0),
        ("1000 fM", 1.0),
        ("1 M", 1e12),
        ("0", 0.0),
        ("0.0", 0.0),
        ("0 pM", 0.0),
        ("0ng/mL", 0.0),
    ],
)
def test_molar_concentrations(text, expected_pM):
    assert parse_concentration(text) == pytest.approx(expected_pM, rel=1e-12)


def test_float_noise_is_rounded_away():
    # pint gives 1000.0000000000001 for 1 nM -> pM; we return clean numbers
    assert parse_concentration("1 nM") == 1000.0
    assert parse_concentration("0.1 nM") == 100.0


def test_pM_is_picomolar_not_petamolar():
    ureg = get_registry()
    assert ureg.parse_units("pM") == ureg.parse_units("picomolar")
    assert parse_concentration("1pM", to="nM") == pytest.approx(1e-3)


@pytest.mark.parametrize(
    "text, expected_pM",
    [
        ("2.5ng/mL", 100.0),  # 2.5e-6 g/L / 25000 g/mol = 1e-10 M
        ("2.5 ng/ml", 100.0),
        ("1 ng/mL", 40.0),
        ("1 pg/mL", 0.04),
        ("1 ug/mL", 4e4),
        ("1 µg/mL", 4e4),
        ("1 mg/L", 4e4),
        ("25 ng / mL", 1000.0),
    ],
)
def test_mass_concentrations_use_25kDa(text, expected_pM):
    assert TGFB_DIMER_KDA == 25.0
    assert parse_concentration(text) == pytest.approx(expected_pM, rel=1e-12)


def test_mass_concentration_other_molar_mass():
    # 50 kDa halves the molar concentration
    assert parse_concentration("2.5ng/mL", molar_mass_kDa=50.0) == pytest.approx(50.0)


@pytest.mark.parametrize("to, expected", [("pM", 2500.0), ("nM", 2.5), ("uM", 0.0025)])
def test_target_units(to, expected):
    assert parse_concentration("2.5 nM", to=to) == pytest.approx(expected, rel=1e-12)


def test_bad_target_unit_is_programmer_error():
    with pytest.raises(ValueError) as info:
        parse_concentration("1 nM", to="min")
    assert not isinstance(info.value, UserInputError)


def test_mass_concentration_without_molar_mass():
    msg = _error(parse_concentration, "2.5ng/mL", molar_mass_kDa=None, what="Smad7 dose")
    assert msg.startswith("Smad7 dose '2.5ng/mL'")
    assert "mass concentration" in msg
    assert "molar" in msg and "100pM" in msg
    # molar units still work
    assert parse_concentration("3 nM", molar_mass_kDa=None) == 3000.0


def test_missing_unit():
    msg = _error(parse_concentration, "100")
    assert msg == (
        "dose '100' has no unit: expected a concentration such as "
        "100pM, 0.1nM or 2.5ng/mL"
    )


def test_unknown_unit():
    msg = _error(parse_concentration, "5 xyz", what="ligand")
    assert "ligand '5 xyz'" in msg
    assert "unknown unit 'xyz'" in msg
    assert "expected a concentration such as 100pM" in msg


@pytest.mark.parametrize("text", ["1 pM;", "1 pM,", "1 pM:", "1 pM)", "1,5 nM"])
def test_trailing_punctuation_is_not_silently_dropped(text):
    # pint alone parses 'pM;' as picomolar
    msg = _error(parse_concentration, text)
    assert repr(text) in msg
    assert "unknown unit" in msg


@pytest.mark.parametrize("text, dim", [("5min", "a time"), ("3 m", "a length"), ("2 kg", "a mass")])
def test_wrong_dimension(text, dim):
    msg = _error(parse_concentration, text)
    assert f"dose {text!r} is not a concentration" in msg
    assert dim in msg
    assert "expected a concentration" in msg


def test_uppercase_prefix_is_rejected_with_hint():
    msg = _error(parse_concentration, "100PM")
    assert "'100PM'" in msg and "petamolar" in msg and "did you mean 'pM'" in msg


def test_negative():
    msg = _error(parse_concentration, "-5pM")
    assert "dose '-5pM' is negative" in msg
    assert "expected a concentration" in msg


@pytest.mark.parametrize("text", ["nan pM", "NaN", "inf nM", "-inf pM", "1e400 pM"])
def test_non_finite(text):
    msg = _error(parse_concentration, text)
    assert repr(text) in msg
    assert "finite" in msg or "negative" in msg


@pytest.mark.parametrize("text", ["", "   ", None])
def test_empty(text):
    msg = _error(parse_concentration, text, what="dose")
    assert msg.startswith("dose is empty: expected a concentration")


@pytest.mark.parametrize("text", ["abc", "pM", "ten pM", "--5 pM"])
def test_garbage(text):
    msg = _error(parse_concentration, text)
    assert repr(text) in msg
    assert "does not start with a number" in msg
    assert "expected a concentration" in msg


def test_newline_in_input_stays_one_line():
    msg = _error(parse_concentration, "5\npM x")
    assert "\\n" in msg  # shown escaped


# --------------------------------------------------------------------------
# parse_duration
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, minutes",
    [
        ("24h", 1440.0),
        ("24 hr", 1440.0),
        ("2 hours", 120.0),
        ("60min", 60.0),
        ("60 mins", 60.0),
        ("30s", 0.5),
        ("30 sec", 0.5),
        ("1.5 h", 90.0),
        ("2d", 2880.0),
        ("2 days", 2880.0),
        ("0", 0.0),
        ("0 h", 0.0),
    ],
)
def test_durations(text, minutes):
    assert parse_duration(text) == pytest.approx(minutes, rel=1e-12)


def test_duration_target_units():
    assert parse_duration("90min", to="h") == 1.5
    assert parse_duration("1.5 h", to="s") == 5400.0
    assert parse_duration("30s", to="min") == 0.5


def test_duration_missing_unit():
    msg = _error(parse_duration, "5", what="t_end")
    assert msg == "t_end '5' has no unit: expected a duration such as 24h, 30min or 45s"


def test_duration_wrong_dimension():
    msg = _error(parse_duration, "5nM")
    assert "time '5nM' is not a duration" in msg
    assert "concentration" in msg
    assert "expected a duration such as 24h" in msg


def test_duration_m_is_metre_hint():
    msg = _error(parse_duration, "5m")
    assert "'5m'" in msg and "use 'min' for minutes" in msg


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("-1h", "is negative"),
        ("nan h", "not a finite number"),
        ("inf", "not a finite number"),
        ("", "is empty"),
        ("soon", "does not start with a number"),
        ("3 fortnightz", "unknown unit 'fortnightz'"),
    ],
)
def test_duration_errors(text, fragment):
    msg = _error(parse_duration, text)
    assert fragment in msg
    if text:
        assert repr(text) in msg
    assert "expected a duration" in msg


def test_duration_zero_not_allowed():
    for text in ("0", "0h"):
        msg = _error(parse_duration, text, allow_zero=False, what="pulse")
        assert f"pulse {text!r} is zero" in msg
        assert "positive duration" in msg
    assert parse_duration("1h", allow_zero=False) == 60.0


# --------------------------------------------------------------------------
# parse_dose_grid
# --------------------------------------------------------------------------


def test_log_grid():
    grid = parse_dose_grid("0.1pM:10nM:25")
    assert isinstance(grid, np.ndarray) and grid.dtype == float
    assert len(grid) == 25
    assert grid[0] == 0.1 and grid[-1] == 1e4
    ratios = grid[1:] / grid[:-1]
    np.testing.assert_allclose(ratios, ratios[0], rtol=1e-10)
    np.testing.assert_allclose(np.log10(grid), np.linspace(-1, 4, 25), atol=1e-12)


def test_log_grid_units_and_spaces():
    grid = parse_dose_grid(" 1 pM : 1 nM : 4 ", to="nM")
    np.testing.assert_allclose(grid, [1e-3, 1e-2, 1e-1, 1.0], rtol=1e-12)
    grid = parse_dose_grid("0.025ng/mL:25ng/mL:2")
    np.testing.assert_allclose(grid, [1.0, 1000.0], rtol=1e-12)


def test_list_keeps_order_and_allows_zero():
    np.testing.assert_array_equal(parse_dose_grid("1pM,10pM,100pM"), [1.0, 10.0, 100.0])
    np.testing.assert_array_equal(parse_dose_grid("0, 1nM, 10pM"), [0.0, 1000.0, 10.0])
    np.testing.assert_array_equal(parse_dose_grid("2.5ng/mL"), [100.0])


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("0pM:1nM:5", "zero bound"),
        ("0:1nM:5", "zero bound"),
        ("1nM:1pM:5", "start >= stop"),
        ("1nM:1nM:5", "start >= stop"),
        ("1pM:1nM:1", "at least 2 points"),
        ("1pM:1nM:0", "at least 2 points"),
        ("1pM:1nM:2.5", "not a whole number"),
        ("1pM:1nM:-3", "not a whole number"),
        ("1pM:1nM:x", "not a whole number"),
        ("1pM:1nM", "instead of 3"),
        ("1pM:10pM:1nM:5", "instead of 3"),
        ("1pM:1nM:5,3", "mixes ':' and ','"),
        ("1pM,,2pM", "empty entry 2"),
        ("1pM,", "empty entry 2"),
    ],
)
def test_grid_errors(text, fragment):
    msg = _error(parse_dose_grid, text)
    assert msg.startswith(f"doses {text!r}")
    assert fragment in msg
    assert "expected a log grid start:stop:count such as 0.1pM:10nM:25" in msg


def test_grid_duplicates_rejected_after_conversion():
    msg = _error(parse_dose_grid, "1pM,10pM,0.001nM")
    assert "'1pM,10pM,0.001nM'" in msg
    assert "same dose twice" in msg and "'1pM'" in msg and "'0.001nM'" in msg


def test_grid_bound_error_names_the_part():
    msg = _error(parse_dose_grid, "1:1nM:5", what="doses")
    assert msg.startswith("doses start '1' has no unit")
    msg = _error(parse_dose_grid, "1pM:5min:5")
    assert msg.startswith("doses stop '5min' is not a concentration")
    msg = _error(parse_dose_grid, "1pM,-2pM")
    assert msg.startswith("doses entry 2 '-2pM' is negative")


def test_grid_empty():
    msg = _error(parse_dose_grid, "  ")
    assert msg.startswith("doses is empty: expected")


# --------------------------------------------------------------------------
# format_concentration
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, text",
    [
        (100, "100 pM"),
        (2500, "2.5 nM"),
        (0.1, "0.1 pM"),
        (1e6, "1 uM"),
        (0, "0 pM"),
        (999.9999999, "1 nM"),
        (123456.789, "123.457 nM"),
        (1e9, "1000 uM"),
        (np.float64(40.0), "40 pM"),
    ],
)
def test_format_concentration(value, text):
    assert format_concentration(value) == text


def test_format_parse_round_trip():
    for value in (0.1, 1.0, 40.0, 100.0, 2500.0, 1e6, 3.3e4):
        text = format_concentration(value)
        assert math.isclose(parse_concentration(text), value, rel_tol=1e-5)
