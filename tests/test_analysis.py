import numpy as np
import pytest

from alk5_pysb.analysis.fitting import fit_hill, half_life_of_decay, hill4
from alk5_pysb.simulation.metrics import parse_metric, parse_metrics
from alk5_pysb.errors import UserInputError


@pytest.mark.parametrize("ec50, n, bottom, top", [(12.0, 1.0, 100.0, 30000.0), (250.0, 2.2, 5.0, 80.0),
                                                  (40.0, 0.8, 1000.0, 50.0)])
def test_hill_fit_recovers_known_parameters(ec50, n, bottom, top):
    rng = np.random.default_rng(7)
    doses = np.logspace(-1, 4, 15)
    y = hill4(doses, bottom, top, ec50, n) * (1 + 0.01 * rng.standard_normal(doses.size))
    fit = fit_hill(doses, y)
    assert fit.converged
    assert fit.ec50 == pytest.approx(ec50, rel=0.1)
    assert fit.hill == pytest.approx(n, rel=0.1)
    assert fit.bottom == pytest.approx(bottom, rel=0.05, abs=0.02 * abs(top - bottom))
    assert fit.top == pytest.approx(top, rel=0.05, abs=0.02 * abs(top - bottom))
    assert fit.ec50_ci[0] < ec50 < fit.ec50_ci[1]


def test_hill_fit_reports_an_undetermined_ec50():
    doses = np.logspace(0, 3, 8)
    fit = fit_hill(doses, hill4(doses, 0.0, 1.0, 1e7, 1.0))   # EC50 far beyond the grid
    assert not fit.converged and fit.message


def test_hill_fit_needs_four_doses():
    with pytest.raises(UserInputError, match="at least 4"):
        fit_hill([1, 2, 3], [1, 2, 3])


def test_half_life_of_exponential_decay():
    import pandas as pd
    t = np.linspace(0, 100, 1001)
    frame = pd.DataFrame({"time_min": t, "x": 50 + 1000 * np.exp(-np.log(2) * t / 17.0)})
    assert half_life_of_decay(frame, "x", 0.0, baseline=50) == pytest.approx(17.0, rel=1e-3)


def test_metric_vocabulary():
    assert parse_metric("at:45min").t0 == 45 and parse_metric("at:8h").t0 == 480
    auc = parse_metric("auc:0-4h")
    assert (auc.kind, auc.t0, auc.t1) == ("auc", 0.0, 240.0)
    assert parse_metric("auc:30min-2h").t0 == 30
    assert [m.kind for m in parse_metrics("peak,time_to_peak,steady_state")] == ["peak", "time_to_peak", "steady_state"]
    with pytest.raises(UserInputError, match="valid metrics are peak"):
        parse_metric("maximum")
    with pytest.raises(UserInputError, match="after its start"):
        parse_metric("auc:4h-1h")
    with pytest.raises(UserInputError, match="listed twice"):
        parse_metrics("peak,peak")
