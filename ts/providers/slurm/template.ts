/** Slurm batch script; `${…}` placeholders are filled by `substitute`. Data, not code: tests compare it as text. */
export const SLURM_TEMPLATE = `#!/bin/bash

#SBATCH --job-name=\${jobname}
#SBATCH --output=\${job_stdout_path}
#SBATCH --error=\${job_stderr_path}
#SBATCH --nodes=\${nodes}
#SBATCH --time=\${walltime}
#SBATCH --ntasks-per-node=\${tasks_per_node}
\${scheduler_options}

\${worker_init}

export JOBNAME="\${jobname}"
export SCRIPT_DIR="\${submit_script_dir}"

\${user_script}
`;
