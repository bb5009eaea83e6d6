"""Analysis layer: Hill fits, dose-response and inhibition scans, Sobol sensitivity and virtual
populations, literature comparisons, validation behaviours, figures."""
