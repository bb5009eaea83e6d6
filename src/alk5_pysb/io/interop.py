"""Other tools on our exports: Antimony, COPASI (basico) and BioNetGen's own ODE run.

Each runner simulates the *same* experiment from the export's initial state (no pre-equilibration,
which is this package's own step) with parameter values set by name, and returns a DataFrame of
``time_min`` plus the requested observables, so tests can compare it with RoadRunner.
"""
from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from alk5_pysb.io.bng import find_bng


def to_antimony(sbml: str) -> str:
    import antimony
    antimony.clearPreviousLoads()
    if antimony.loadSBMLString(sbml) < 0:
        raise RuntimeError(f"antimony could not read the SBML: {antimony.getLastError()}")
    return antimony.getAntimonyString(None)


def antimony_to_sbml(text: str) -> str:
    import antimony
    antimony.clearPreviousLoads()
    if antimony.loadAntimonyString(text) < 0:
        raise RuntimeError(f"antimony could not read the model: {antimony.getLastError()}")
    return antimony.getSBMLString(antimony.getMainModuleName())


def roadrunner_run(sbml: str, params: dict, times, observables, rtol=1e-10, atol=1e-8) -> pd.DataFrame:
    import roadrunner
    from roadrunner import SelectionRecord as S
    from alk5_pysb.simulation.simulator import set_tolerances
    rr = roadrunner.RoadRunner(sbml)
    set_tolerances(rr, rtol, atol)
    for name, value in params.items():
        rr[name] = value
    rr.reset(S.TIME | S.RATE | S.FLOATING | S.BOUNDARY)
    out = rr.simulate(times=list(times), selections=["time"] + list(observables))
    return pd.DataFrame(np.array(out), columns=["time_min"] + list(observables))


def copasi_run(sbml: str, params: dict, times, observables, rtol=1e-10, atol=1e-8) -> pd.DataFrame:
    """COPASI (LSODA) through basico; readouts are COPASI global quantities of the same ids."""
    import basico
    model = basico.load_model_from_string(sbml)
    try:
        for name, value in params.items():
            basico.set_parameters(name, initial_value=value, model=model)
        times = np.asarray(times, dtype=float)
        step = float(np.diff(times).min())
        if not np.allclose(np.diff(times), step):
            raise ValueError("copasi_run needs an evenly spaced time grid")
        frame = basico.run_time_course_with_output(
            output_selection=["Time"] + [f"Values[{o}]" for o in observables], start_time=float(times[0]),
            duration=float(times[-1] - times[0]), intervals=len(times) - 1, model=model, r_tol=rtol, a_tol=atol,
            update_model=False)
    finally:
        basico.remove_datamodel(model)
    frame = frame.reset_index(drop=True)
    frame.columns = ["time_min"] + list(observables)
    return frame


def bng_ode_run(bngl: str, params: dict, t_end: float, n_steps: int, rtol=1e-10, atol=1e-8) -> pd.DataFrame:
    """Run the exported BNGL with BioNetGen's own network generation and ODE integrator
    (run_network); returns every observable (gdat)."""
    lines = [bngl, "begin actions", "generate_network({overwrite=>1})"]
    lines += [f'setParameter("{name}", {value!r})' for name, value in params.items()]
    lines += [f'simulate({{method=>"ode",t_end=>{t_end},n_steps=>{n_steps},atol=>{atol},rtol=>{rtol}}})', "end actions"]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "alk5.bngl"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        res = subprocess.run(["perl", str(find_bng() / "BNG2.pl"), "--outdir", tmp, str(path)], capture_output=True,
                             text=True, timeout=600)
        gdat = Path(tmp) / "alk5.gdat"
        if res.returncode != 0 or not gdat.is_file():
            raise RuntimeError(f"BioNetGen failed: {res.stdout[-500:]} {res.stderr[-500:]}")
        with gdat.open(encoding="utf-8") as fh:
            header = re.split(r"\s+", fh.readline().lstrip("#").strip())
        frame = pd.read_csv(gdat, sep=r"\s+", comment="#", header=None, names=header)
    return frame.rename(columns={"time": "time_min"})
