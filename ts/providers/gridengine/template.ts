/** Grid Engine batch script. */
export const GRIDENGINE_TEMPLATE = `#!/bin/bash
#$ -S /bin/bash
#$ -N \${jobname}
#$ -o \${job_stdout_path}
#$ -e \${job_stderr_path}
#$ -cwd
#$ -l h_rt=\${walltime}
\${scheduler_options}

\${worker_init}

export JOBNAME="\${jobname}"
export SCRIPT_DIR="\${submit_script_dir}"

\${user_script}
`;
