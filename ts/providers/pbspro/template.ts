/** PBS Pro batch script: chunks requested with `select`. */
export const PBSPRO_TEMPLATE = `#!/bin/bash

#PBS -S /bin/bash
#PBS -N \${jobname}
#PBS -m n
#PBS -l walltime=\${walltime}
#PBS -l select=\${select}
#PBS -o \${job_stdout_path}
#PBS -e \${job_stderr_path}
\${scheduler_options}

\${worker_init}

export JOBNAME="\${jobname}"
export SCRIPT_DIR="\${submit_script_dir}"

\${user_script}
`;
