#!/usr/bin/env bash
# A design-space sweep as a SLURM job array: every array task is one `harness sweep` worker on the same
# Optuna study in PostgreSQL (see docs/how-to/cluster.md). Not run by the tests.
#
#   export HARNESS_STORAGE=postgresql://harness@db-host:5433/sweeps   # password in ~/.pgpass, not here
#   mkdir -p runs/slurm      # SLURM opens --output below before the script runs: the folder must exist
#   sbatch --array=0-7 sweeps/slurm_array.sh                          # 8 workers
#   harness sweep status sweeps/jet_mlp.yaml --storage "$HARNESS_STORAGE" --study jet_mlp_cluster
#
# Each task stops when the study holds TRIALS completed trials, whichever tasks ran them. A task that is
# killed (pre-emption, wall-time limit, OOM) leaves its trial to be failed as stale after the grace
# period and re-run by another task (`retries` in the spec, default 1); `--requeue` lets SLURM restart
# a pre-empted task, which simply joins the study again. Re-submitting the same array resumes the study.
#
#SBATCH --job-name=harness-sweep
#SBATCH --array=0-7
#SBATCH --cpus-per-task=2
#SBATCH --mem=8G
#SBATCH --time=08:00:00
#SBATCH --requeue
#SBATCH --output=runs/slurm/%x-%A_%a.log   # create runs/slurm before sbatch (a missing folder fails the task)

set -euo pipefail

: "${HARNESS_STORAGE:?export HARNESS_STORAGE=postgresql://USER@HOST:PORT/DB (password in ~/.pgpass)}"
SPEC=${SPEC:-sweeps/jet_mlp.yaml}
STUDY=${STUDY:-jet_mlp_cluster}
TRIALS=${TRIALS:-200}
RESULTS=${RESULTS:-$PWD/runs/sweeps}      # must be on a file system every node shares (NFS, GPFS, ...)
VENV=${VENV:-$PWD/.nox/sweep}             # the environment `nox -s sweep` built (or any with the harness)

source "$VENV/bin/activate"
mkdir -p runs/slurm "$RESULTS"
# TensorFlow and numba would otherwise start a thread per core of the node, not per core of the task.
export OMP_NUM_THREADS=${SLURM_CPUS_PER_TASK:-1} TF_NUM_INTRAOP_THREADS=${SLURM_CPUS_PER_TASK:-1}
export NUMBA_NUM_THREADS=${SLURM_CPUS_PER_TASK:-1}

# --worker offsets the sampler's seed per task, so no two tasks propose the same designs.
exec harness sweep "$SPEC" \
    --storage "$HARNESS_STORAGE" --study "$STUDY" --results "$RESULTS" --trials "$TRIALS" \
    --worker "${SLURM_ARRAY_TASK_ID:-0}"
