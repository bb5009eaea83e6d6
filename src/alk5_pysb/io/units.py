"""Parsing and formatting of user-supplied quantities (doses, durations).

All user-facing parsing goes through the functions here so that the CLI and
scripts share one notion of what ``100pM``, ``2.5ng/mL`` or ``24h`` mean.
Units are interpreted with :mod:`pint`; one registry is created lazily (pint
import plus registry construction costs ~0.5 s, which would otherwise slow
every CLI start-up, including ``--help``).

Every invalid input raises :class:`UserInputError` with a single-line message
that names the quantity (``what``), repeats the offending text and says what
was expected.  Invalid *programmer* arguments (e.g. an unsupported ``to``
unit) raise a plain :class:`ValueError` instead.

pint quirks handled here (checked with pint 0.25):

* pint's tokenizer silently drops trailing punctuation (``'pM;'``, ``'pM,'``
  and ``'pM:'`` all parse as picomolar), so the unit text is checked against a
  character whitelist before it reaches pint.
* ``'PM'`` is a valid pint unit (petamolar), as are ``'MM'``, ``'GM'`` ... A
  molar unit larger than 1 M is almost certainly a mistyped prefix and is
  rejected with a hint.
* ``'m'`` is metre, not minute; it fails the dimension check and gets a hint.
* Conversions carry binary floating-point noise (1 nM -> 1000.0000000000001 pM);
  parsed values are rounded to 12 significant digits.
* ``parse_units('')`` returns dimensionless rather than failing, so the
  unit-less case is detected before pint is called.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import numpy
    import pint

from alk5_pysb.errors import UserInputError

__all__ = [
    "TGFB_DIMER_KDA",
    "format_concentration",
    "get_registry",
    "parse_concentration",
    "parse_dose_grid",
    "parse_duration",
]


#: Mature TGF-beta dimer is ~25 kDa, so 1 ng/mL ~ 40 pM.
TGFB_DIMER_KDA = 25.0

_CONC_EXAMPLE = "a concentration such as 100pM, 0.1nM or 2.5ng/mL"
_MOLAR_EXAMPLE = "a molar concentration such as 100pM, 0.1nM or 1uM"
_TIME_EXAMPLE = "a duration such as 24h, 30min or 45s"

# A number (optionally signed, optional exponent) or nan/inf, followed by the
# rest of the text, which is taken as the unit.
_NUMBER_RE = re.compile(
    r"""^\s*
    (?P<num>
        [+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?
      | [+-]?(?:nan|inf(?:inity)?)
    )
    \s*(?P<unit>.*?)\s*$""",
    re.VERBOSE | re.IGNORECASE | re.DOTALL,
)
# Characters allowed in a unit expression (see the pint quirk above).
_UNIT_CHARS_RE = re.compile(r"^[A-Za-z\u00b5\u03bc0-9 /*^.()\-]+$")

_REGISTRY: pint.UnitRegistry | None = None


def get_registry() -> pint.UnitRegistry:
    """Return the module's single pint UnitRegistry (created on first use)."""
    global _REGISTRY
    if _REGISTRY is None:
        import pint

        _REGISTRY = pint.UnitRegistry()
    return _REGISTRY


def _tidy(x: float) -> float:
    """Round away conversion noise (12 significant digits); normalise -0.0."""
    y = float(f"{x:.12g}")
    return 0.0 if y == 0 else y


def _quote(text: object) -> str:
    # repr() keeps the message on one line even if the text contains newlines.
    return repr(text)


def _split(text: object, what: str, expected: str) -> tuple[str, float, str]:
    """Split text into (stripped text, number, unit text); validate the number."""
    if text is None:
        raise UserInputError(f"{what} is empty: expected {expected}")
    if isinstance(text, bool) or not isinstance(text, (str, int, float)):
        raise UserInputError(
            f"{what} {_quote(text)} is not text: expected {expected}"
        )
    s = str(text).strip()
    if not s:
        raise UserInputError(f"{what} is empty: expected {expected}")
    m = _NUMBER_RE.match(s)
    if m is None:
        raise UserInputError(
            f"{what} {_quote(s)} does not start with a number: expected {expected}"
        )
    value = float(m.group("num"))
    if not math.isfinite(value):
        raise UserInputError(
            f"{what} {_quote(s)} is not a finite number: expected {expected}"
        )
    if value < 0:
        raise UserInputError(f"{what} {_quote(s)} is negative: expected {expected}")
    unit = m.group("unit").replace("\u03bc", "u").replace("\u00b5", "u")
    return s, value, unit


def _parse_unit(s: str, unit: str, what: str, expected: str) -> pint.Unit:
    ureg = get_registry()
    if not _UNIT_CHARS_RE.match(unit):
        raise UserInputError(
            f"{what} {_quote(s)} has an unknown unit {_quote(unit)}: expected {expected}"
        )
    try:
        return ureg.parse_units(unit)
    except Exception:  # pint raises UndefinedUnitError, TokenError, ValueError...
        raise UserInputError(
            f"{what} {_quote(s)} has an unknown unit {_quote(unit)}: expected {expected}"
        ) from None


def _target_unit(to: str, dimensionality: str) -> pint.Unit:
    ureg = get_registry()
    try:
        u = ureg.parse_units(to.replace("\u03bc", "u").replace("\u00b5", "u"))
    except Exception as exc:
        raise ValueError(f"unsupported target unit {to!r}") from exc
    if u.dimensionality != ureg.get_dimensionality(dimensionality):
        raise ValueError(f"target unit {to!r} is not a {dimensionality} unit")
    return u


def parse_concentration(
    text: str,
    *,
    to: str = "pM",
    molar_mass_kDa: float | None = TGFB_DIMER_KDA,
    what: str = "dose",
) -> float:
    """Parse a concentration and return it as a float in unit ``to``.

    Accepts e.g. ``'100pM'``, ``'0.1 nM'``, ``'2.5ng/mL'``, ``'1uM'``,
    ``'1µM'``, ``'10 nmol/L'`` and ``'0'`` (a bare number is only allowed for
    zero).  ``to`` is a molar unit (``'pM'``, ``'nM'``, ``'uM'``...).

    Mass concentrations (ng/mL, pg/mL, ug/mL, mg/L, ...) are converted with
    ``molar_mass_kDa``; if it is None a mass concentration is rejected.

    Raises UserInputError (one-line message naming ``what``) for missing unit
    on a non-zero value, unknown unit, wrong dimension, negative, NaN/inf,
    empty or unparsable text.
    """
    ureg = get_registry()
    target = _target_unit(to, "[concentration]")
    if molar_mass_kDa is not None and not (
        math.isfinite(molar_mass_kDa) and molar_mass_kDa > 0
    ):
        raise ValueError(f"molar_mass_kDa must be positive, got {molar_mass_kDa!r}")
    expected = _CONC_EXAMPLE if molar_mass_kDa is not None else _MOLAR_EXAMPLE

    s, value, unit_text = _split(text, what, expected)
    if not unit_text:
        if value == 0:
            return 0.0
        raise UserInputError(f"{what} {_quote(s)} has no unit: expected {expected}")
    unit = _parse_unit(s, unit_text, what, expected)

    q = ureg.Quantity(value, unit)
    dim = unit.dimensionality
    if dim == ureg.get_dimensionality("[concentration]"):
        if ureg.Quantity(1, unit).to("molar").magnitude > 1 + 1e-9:
            hint = unit_text[:1].lower() + unit_text[1:]
            raise UserInputError(
                f"{what} {_quote(s)} uses {unit_text!r} = {unit:P} (more than 1 M), "
                f"probably a mistyped prefix (did you mean {hint!r}?): expected {expected}"
            )
        result = q.to(target).magnitude
    elif dim == ureg.get_dimensionality("[mass] / [volume]"):
        if molar_mass_kDa is None:
            raise UserInputError(
                f"{what} {_quote(s)} is a mass concentration but no molar mass is "
                f"known for it: expected {_MOLAR_EXAMPLE}"
            )
        if ureg.Quantity(1, unit).to("g/L").magnitude > 1000 * (1 + 1e-9):
            raise UserInputError(
                f"{what} {_quote(s)} uses {unit_text!r} = {unit:P} (more than 1 g/mL), "
                f"probably a mistyped prefix: expected {expected}"
            )
        molar_mass = ureg.Quantity(molar_mass_kDa, "kg/mol")  # 1 kDa = 1 kg/mol
        result = (q / molar_mass).to(target).magnitude
    else:
        raise UserInputError(
            f"{what} {_quote(s)} is not a concentration (unit {unit_text!r} is "
            f"{_describe(dim)}): expected {expected}"
        )
    result = float(result)
    if not math.isfinite(result):
        raise UserInputError(f"{what} {_quote(s)} is out of range: expected {expected}")
    return _tidy(result)


def _describe(dim) -> str:
    ureg = get_registry()
    known = {
        "[time]": "a time",
        "[length]": "a length",
        "[mass]": "a mass",
        "[substance]": "an amount",
        "[volume]": "a volume",
        "[concentration]": "a concentration",
        "[mass] / [volume]": "a mass concentration",
    }
    for key, name in known.items():
        if dim == ureg.get_dimensionality(key):
            return name
    if not dim:
        return "dimensionless"
    return f"of dimension {dim}"


def parse_duration(
    text: str, *, to: str = "min", what: str = "time", allow_zero: bool = True
) -> float:
    """Parse a duration and return it as a float in unit ``to`` ('min', 'h', 's').

    Accepts e.g. ``'24h'``, ``'60min'``, ``'30s'``, ``'1.5 h'``, ``'2d'``,
    ``'90 sec'``, ``'3hr'`` and ``'0'`` (a bare number is only allowed for zero,
    and zero only if ``allow_zero``).

    Raises UserInputError (one-line message naming ``what``) for missing unit
    on a non-zero value, unknown unit, wrong dimension (e.g. ``'5nM'``),
    negative, NaN/inf or empty text, and for zero if not ``allow_zero``.
    """
    ureg = get_registry()
    target = _target_unit(to, "[time]")
    expected = _TIME_EXAMPLE if allow_zero else _TIME_EXAMPLE.replace(
        "a duration", "a positive duration"
    )
    s, value, unit_text = _split(text, what, expected)
    if value == 0 and not allow_zero:
        raise UserInputError(f"{what} {_quote(s)} is zero: expected {expected}")
    if not unit_text:
        if value == 0:
            return 0.0
        raise UserInputError(f"{what} {_quote(s)} has no unit: expected {expected}")
    unit = _parse_unit(s, unit_text, what, expected)
    if unit.dimensionality != ureg.get_dimensionality("[time]"):
        hint = "; use 'min' for minutes" if unit_text == "m" else ""
        raise UserInputError(
            f"{what} {_quote(s)} is not a duration (unit {unit_text!r} is "
            f"{_describe(unit.dimensionality)}{hint}): expected {expected}"
        )
    result = float(ureg.Quantity(value, unit).to(target).magnitude)
    if not math.isfinite(result):
        raise UserInputError(f"{what} {_quote(s)} is out of range: expected {expected}")
    return _tidy(result)


def parse_mass(text: str, *, to: str = "mg", what: str = "dose") -> float:
    """Parse a positive mass (an oral dose) and return it in unit ``to``: '150mg', '0.15 g', '150000ug'."""
    ureg = get_registry()
    expected = "a mass > 0 such as 150mg or 0.15g"
    s, value, unit_text = _split(text, what, expected)
    if not unit_text:
        raise UserInputError(f"{what} {_quote(s)} has no unit: expected {expected}")
    unit = _parse_unit(s, unit_text, what, expected)
    if unit.dimensionality != ureg.get_dimensionality("[mass]"):
        raise UserInputError(f"{what} {_quote(s)} is not a mass (unit {unit_text!r} is "
                             f"{_describe(unit.dimensionality)}): expected {expected}")
    result = float(ureg.Quantity(value, unit).to(to).magnitude)
    if not (math.isfinite(result) and result > 0):
        raise UserInputError(f"{what} {_quote(s)}: expected {expected}")
    return _tidy(result)


_GRID_EXPECTED = (
    "a log grid start:stop:count such as 0.1pM:10nM:25, "
    "or a comma-separated list such as 1pM,10pM,100pM"
)
_MAX_GRID_POINTS = 100_000


def parse_dose_grid(
    text: str,
    *,
    to: str = "pM",
    molar_mass_kDa: float | None = TGFB_DIMER_KDA,
    what: str = "doses",
) -> numpy.ndarray:
    """Parse a dose grid and return a 1-D float array in unit ``to``.

    * ``'0.1pM:10nM:25'`` -> 25 log-spaced values from 0.1 pM to 10 nM
      inclusive.  Both bounds must be > 0, start < stop, count an integer >= 2.
    * ``'1pM,10pM,100pM'`` (or a single value) -> those values, in the given
      order.  Zero is allowed; duplicates (after unit conversion) are not.

    Raises UserInputError with a one-line message naming ``what``.
    """
    import numpy as np

    if text is None or not isinstance(text, str):
        raise UserInputError(f"{what} {_quote(text)} is not text: expected {_GRID_EXPECTED}")
    s = text.strip()
    if not s:
        raise UserInputError(f"{what} is empty: expected {_GRID_EXPECTED}")

    if ":" in s:
        if "," in s:
            raise UserInputError(
                f"{what} {_quote(s)} mixes ':' and ',': expected {_GRID_EXPECTED}"
            )
        parts = [p.strip() for p in s.split(":")]
        if len(parts) != 3:
            raise UserInputError(
                f"{what} {_quote(s)} has {len(parts)} ':'-separated parts instead of 3: "
                f"expected {_GRID_EXPECTED}"
            )
        start_text, stop_text, count_text = parts
        kw = dict(to=to, molar_mass_kDa=molar_mass_kDa)
        start = parse_concentration(start_text, what=f"{what} start", **kw)
        stop = parse_concentration(stop_text, what=f"{what} stop", **kw)
        if not re.fullmatch(r"\d+", count_text):
            raise UserInputError(
                f"{what} {_quote(s)} has count {_quote(count_text)}, which is not a "
                f"whole number: expected {_GRID_EXPECTED}"
            )
        count = int(count_text)
        if count < 2:
            raise UserInputError(
                f"{what} {_quote(s)} has count {count}; a grid needs at least 2 points: "
                f"expected {_GRID_EXPECTED}"
            )
        if count > _MAX_GRID_POINTS:
            raise UserInputError(
                f"{what} {_quote(s)} has count {count}, more than {_MAX_GRID_POINTS}: "
                f"expected {_GRID_EXPECTED}"
            )
        if start <= 0 or stop <= 0:
            raise UserInputError(
                f"{what} {_quote(s)} has a zero bound, which a log grid cannot include "
                f"(list 0 explicitly instead, e.g. 0,1pM,10pM): expected {_GRID_EXPECTED}"
            )
        if start >= stop:
            raise UserInputError(
                f"{what} {_quote(s)} has start >= stop: expected {_GRID_EXPECTED}"
            )
        grid = np.geomspace(start, stop, count)
        grid[0], grid[-1] = start, stop  # exact endpoints
        return grid

    items = [p.strip() for p in s.split(",")]
    values: list[float] = []
    for i, item in enumerate(items, start=1):
        if not item:
            raise UserInputError(
                f"{what} {_quote(s)} has an empty entry {i}: expected {_GRID_EXPECTED}"
            )
        values.append(
            parse_concentration(
                item, to=to, molar_mass_kDa=molar_mass_kDa, what=f"{what} entry {i}"
            )
        )
    for i in range(len(values)):
        for j in range(i):
            if math.isclose(values[i], values[j], rel_tol=1e-9, abs_tol=0.0):
                raise UserInputError(
                    f"{what} {_quote(s)} lists the same dose twice "
                    f"({items[j]!r} and {items[i]!r}): expected distinct values"
                )
    return np.asarray(values, dtype=float)


def format_concentration(value_pM: float) -> str:
    """Format a concentration given in pM with a readable unit.

    100 -> '100 pM', 2500 -> '2.5 nM', 0.1 -> '0.1 pM', 1e6 -> '1 uM'.
    Uses pM below 1 nM, nM below 1 uM, uM above; 6 significant digits.
    """
    v = float(value_pM)
    if not math.isfinite(v):
        return f"{v} pM"
    for factor, unit in ((1.0, "pM"), (1e3, "nM"), (1e6, "uM")):
        num = f"{v / factor:.6g}"
        # choose the unit after rounding, so 999.9999999 pM -> '1 nM'
        if unit == "uM" or abs(float(num)) < 1000:
            break
    if float(num) == 0:
        num = "0"
    return f"{num} {unit}"
