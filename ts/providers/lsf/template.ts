/** LSF batch script. */
export const LSF_TEMPLATE = `#!/bin/bash

#BSUB -W \${walltime}
#BSUB -J \${jobname}
#BSUB -o \${job_stdout_path}
#BSUB -e \${job_stderr_path}
\${scheduler_options}

\${worker_init}

export JOBNAME="\${jobname}"
export SCRIPT_DIR="\${submit_script_dir}"

\${user_script}
`;
