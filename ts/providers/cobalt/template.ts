/** Cobalt script: options go on the qsub command line, so the script only prints the node file. */
export const COBALT_TEMPLATE = `#!/bin/bash -el
\${scheduler_options}

\${worker_init}

echo "Starting Cobalt job script"
echo "----Cobalt Nodefile: -----"
cat $COBALT_NODEFILE
echo "--------------------------"

export JOBNAME="\${jobname}"
export SCRIPT_DIR="\${submit_script_dir}"

\${user_script}

echo "End of Cobalt job"
`;
