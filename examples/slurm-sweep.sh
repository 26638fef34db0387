#!/usr/bin/env bash
# A gvsim parameter sweep as a Slurm job array: task I of N runs shard I/N (point index mod N == I)
# on the cores Slurm gives it; a dependent job merges the shard files into the result the unsharded
# run writes, byte for byte. Not run by gvsim's CI.
#
#   sbatch examples/slurm-sweep.sh                  # from the gvsim checkout, built once beforehand:
#                                                   #   mvn -B -DskipTests -pl sim-cli -am package
#SBATCH --job-name=gvsim-sweep
#SBATCH --array=0-3
#SBATCH --cpus-per-task=4
#SBATCH --time=01:00:00
#SBATCH --output=gvsim-sweep-%A_%a.log
set -euo pipefail

TRACE=${TRACE:-guest-traces/src/main/resources/dev/gvsim/guesttraces/traces/regress/qxl-ids-out-of-range.gvt.txt}
OUT=${OUT:-sweep-out}
mkdir -p "$OUT"

N=${SLURM_ARRAY_TASK_COUNT:-1}
I=${SLURM_ARRAY_TASK_ID:-0}
# exit 1 means a point faulted or mismatched: a result, not a failed task
./gvsim sweep "$TRACE" --set mem.uc.round_trip=100ns,150ns,400ns --set qxl.io_latency=1us,2us,5us \
  --jobs "${SLURM_CPUS_PER_TASK:-1}" --shard "$I/$N" -o "$OUT/shard-$I.json" || [ $? -eq 1 ]

if [ "$I" = "0" ]; then
  # the merge step: runs once every task of this array has ended (the glob is expanded then)
  sbatch --dependency="afterany:${SLURM_ARRAY_JOB_ID}" --job-name=gvsim-sweep-merge \
    --output="$OUT/merge.log" --wrap="./gvsim sweep merge $OUT/shard-*.json -o $OUT/sweep.json"
fi
