"""Run a job of the `twinforge` code location synchronously from Python, as a run of that location.

``job.execute_in_process`` creates runs that belong to no code location: the Dagster UI's job page,
which lists the runs tagged with the job's repository and location, shows none of them. Here the run
is created with the remote origin of the location that ``workspace.yaml`` declares (what `dagster job
launch` and the UI's launchpad record), then executed in this process.

Dagster has no public API for "create a run for a code location and execute it here"; this uses its
run-creation and execution internals (``dagster._core``), pinned with the rest of the stack.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import dagster as dg

PROJECT_ROOT = Path(__file__).resolve().parents[1]
WORKSPACE_FILE = PROJECT_ROOT / "workspace.yaml"
DEFINITIONS_MODULE = "pipelines.definitions"
DEFINITIONS_ATTRIBUTE = "defs"


def code_location_origin(workspace: Path = WORKSPACE_FILE):
    """The origin of the code location that loads :data:`DEFINITIONS_MODULE` in ``workspace``."""
    from dagster._core.workspace.load_target import WorkspaceFileTarget

    origins = [
        origin
        for origin in WorkspaceFileTarget(paths=[str(workspace)]).create_origins()
        if getattr(getattr(origin, "loadable_target_origin", None), "module_name", None) == DEFINITIONS_MODULE
    ]
    if len(origins) != 1:
        raise ValueError(f"{workspace}: expected one code location loading {DEFINITIONS_MODULE}, found {len(origins)}")
    return origins[0]


def execute_in_code_location(
    instance: dg.DagsterInstance,
    job_name: str,
    *,
    partition_key: str | None = None,
    run_config: Mapping | None = None,
    workspace: Path = WORKSPACE_FILE,
    extra_tags: Mapping[str, str] | None = None,
) -> dg.DagsterRun:
    """Create a run of ``job_name`` belonging to the workspace's code location, execute it here and
    return the finished run (its status says whether it succeeded; failures are in its event log)."""
    from dagster._core.definitions.partitions.context import partition_loading_context
    from dagster._core.definitions.reconstruct import ReconstructableRepository
    from dagster._core.execution.api import execute_run
    from dagster._core.remote_origin import RemoteJobOrigin, RemoteRepositoryOrigin

    repository = ReconstructableRepository.for_module(
        DEFINITIONS_MODULE, DEFINITIONS_ATTRIBUTE, working_directory=str(PROJECT_ROOT)
    )
    recon_job = repository.get_reconstructable_job(job_name)
    job_def = recon_job.get_definition()
    tags = {**job_def.run_tags, **(extra_tags or {})}
    if partition_key is not None:
        with partition_loading_context(dynamic_partitions_store=instance) as context:
            job_def.validate_partition_key(partition_key, selected_asset_keys=None, context=context)
            tags.update(job_def.get_tags_for_partition_key(partition_key, selected_asset_keys=None))
    origin = RemoteJobOrigin(
        repository_origin=RemoteRepositoryOrigin(
            code_location_origin=code_location_origin(workspace),
            repository_name=repository.get_definition().name,
        ),
        job_name=job_name,
    )
    run = instance.create_run_for_job(
        job_def,
        run_config=run_config,
        tags=tags,
        remote_job_origin=origin,
        job_code_origin=recon_job.get_python_origin(),
    )
    execute_run(recon_job, run, instance)
    return instance.get_run_by_id(run.run_id)
