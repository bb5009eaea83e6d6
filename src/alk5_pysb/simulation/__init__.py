"""Simulation layer: the compiled simulator, the experiment description, metrics, the scan engine."""
