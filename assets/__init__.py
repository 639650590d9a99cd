"""Dagster assets, one module per stage. Each builder takes a DatasetSpec and returns
the stage's asset(s) keyed ``<dataset>/<stage>``; bodies stay thin, logic lives in twinforge."""
