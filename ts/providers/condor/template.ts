/** HTCondor submit description; the job itself is the bash script in `${script_path}`. */
export const CONDOR_TEMPLATE = `universe = vanilla
executable = /bin/bash
arguments = \${script_name}
transfer_input_files = \${script_path}
should_transfer_files = YES
when_to_transfer_output = ON_EXIT_OR_EVICT
output = \${job_stdout_path}
error = \${job_stderr_path}
log = \${job_log_path}
machine_count = \${nodes}
leave_in_queue = TRUE
\${requirements}
\${project}
\${environment}
\${resources}
\${scheduler_options}
queue
`;

/** The bash script Condor runs. */
export const CONDOR_JOB_SCRIPT = `#!/bin/bash

\${worker_init}

export JOBNAME="\${jobname}"
export SCRIPT_DIR="\${submit_script_dir}"

\${user_script}
`;
