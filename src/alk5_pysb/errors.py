"""The two kinds of failure a user sees: bad input (exit 2) and a solver failure (exit 1)."""


class UserInputError(ValueError):
    """A user's input was invalid; the CLI prints str(err) on one line and exits 2."""


class SimulationError(RuntimeError):
    """The integrator failed; the message names the condition."""
