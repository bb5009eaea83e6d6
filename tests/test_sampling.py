"""Posterior sampling (alk5 calibrate --sample; calibration/sampling.py, pyPESTO adaptive Metropolis)."""
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

pypesto = pytest.importorskip("pypesto")

from alk5_pysb.calibration import sampling  # noqa: E402


def _gaussian(mu, sd, corr=0.0):
    cov = np.array([[sd[0] ** 2, corr * sd[0] * sd[1]], [corr * sd[0] * sd[1], sd[1] ** 2]])
    inv = np.linalg.inv(cov)
    fun = lambda x: 0.5 * float((x - mu) @ inv @ (x - mu))     # noqa: E731
    return pypesto.Problem(pypesto.Objective(fun=fun), lb=[-10, -10], ub=[10, 10], x_names=["a", "b"])


def test_a_known_posterior_is_recovered(tmp_path):
    """A strongly correlated Gaussian (rho 0.95): the chain's 95% intervals match mu +- 1.96 sd within 10% of
    the width, the summary reports burn-in, effective sample size and acceptance, and every file is written."""
    mu, sd = np.array([1.0, -2.0]), np.array([0.5, 0.1])
    samples, summary = sampling.sample(_gaussian(mu, sd, corr=0.95), mu + 2 * sd, 20000, seed=3, out=tmp_path)
    iv = summary["intervals"].set_index("parameter")
    for j, name in enumerate(["a", "b"]):
        width = 2 * 1.96 * sd[j]
        assert iv.loc[name, "lower"] == pytest.approx(mu[j] - 1.96 * sd[j], abs=0.1 * width)
        assert iv.loc[name, "upper"] == pytest.approx(mu[j] + 1.96 * sd[j], abs=0.1 * width)
        assert iv.loc[name, "median"] == pytest.approx(mu[j], abs=0.1 * sd[j] * 2)
    assert np.corrcoef(samples["a"], samples["b"])[0, 1] > 0.85        # the ridge is followed, not cut
    assert summary["effective_sample_size"] > sampling.MIN_ESS and not summary["rough"]
    assert 0.1 < summary["acceptance_rate"] < 0.5
    assert len(samples) == 20001 - summary["burn_in_geweke"]
    for name in ("samples.csv", "posterior_intervals.csv", "sampling.json", "posterior.png", "posterior.svg"):
        assert (tmp_path / name).is_file()
    assert json.loads((tmp_path / "sampling.json").read_text())["seed"] == 3


def test_the_chain_is_seeded_and_stays_inside_the_bounds(tmp_path):
    """Same seed, same chain; a posterior pressed against a bound never leaves it (uniform prior in bounds)."""
    problem = pypesto.Problem(pypesto.Objective(fun=lambda x: 0.5 * float(np.sum((x - 0.2) ** 2))), lb=[0, 0],
                              ub=[5, 5], x_names=["a", "b"])
    one, summary = sampling.sample(problem, np.array([1.0, 1.0]), 4000, seed=7)
    two, _ = sampling.sample(problem, np.array([1.0, 1.0]), 4000, seed=7)
    pd.testing.assert_frame_equal(one, two)
    assert summary["converged"] and len(one) > 1000
    assert one[["a", "b"]].to_numpy().min() >= 0 and one[["a", "b"]].to_numpy().max() <= 5
    assert one["a"].median() < 1.0            # the mass sits near the lower bound


def test_a_short_chain_is_flagged_rough():
    """100 steps from far away on a narrow ridge: too few effective samples to quote, and the summary says so."""
    problem = _gaussian(np.array([1.0, -2.0]), np.array([0.5, 0.1]), corr=0.99)
    _, summary = sampling.sample(problem, np.array([8.0, 8.0]), 100, seed=0)
    assert summary["rough"] and (summary["effective_sample_size"] or 0) < sampling.MIN_ESS


def test_profile_intervals_in_the_folder_are_set_beside_the_posterior(tmp_path):
    pd.DataFrame({"parameter": ["a", "b"], "lower": [0.0, -2.2], "upper": [2.0, -1.8]}).to_csv(
        tmp_path / "profile_intervals.csv", index=False)
    sampling.sample(_gaussian(np.array([1.0, -2.0]), np.array([0.5, 0.1])), np.array([1.0, -2.0]), 500, seed=0,
                    out=tmp_path)
    table = pd.read_csv(tmp_path / "posterior_intervals.csv")
    assert list(table["profile_lower"]) == [0.0, -2.2] and list(table["profile_upper"]) == [2.0, -1.8]


def test_too_few_samples_exit_2_before_the_fit(tmp_path):
    res = subprocess.run([sys.executable, "-m", "alk5_pysb.cli", "calibrate", "hepatocyte", "--sample", "10", "-o",
                          str(tmp_path / "fit")], capture_output=True, text=True)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "--sample: expected a number of samples >= 100, got 10" in res.stderr
    assert not (tmp_path / "fit").exists()
