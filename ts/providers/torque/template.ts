/** Torque/PBS batch script (scheduler options first, as Parsl does, so users can override directives). */
export const TORQUE_TEMPLATE = `#!/bin/bash

\${scheduler_options}
#PBS -S /bin/bash
#PBS -N \${jobname}
#PBS -m n
#PBS -l walltime=\${walltime}
#PBS -l nodes=\${nodes_per_block}:ppn=\${tasks_per_node}
#PBS -o \${job_stdout_path}
#PBS -e \${job_stderr_path}

\${worker_init}

export JOBNAME="\${jobname}"
export SCRIPT_DIR="\${submit_script_dir}"

\${user_script}
`;
