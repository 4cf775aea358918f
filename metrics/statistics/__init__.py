"""Statistical methods with published reference values: confidence intervals, SPC, trend, forecast."""
