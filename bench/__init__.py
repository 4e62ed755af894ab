"""Benchmarks of evalflow's hot paths (ranking, report, letters); see bench/README.md."""
