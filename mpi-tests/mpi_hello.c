/* Each rank prints its rank, the world size, its host and its argv: the first thing to run on a
 * new site to see that the MPI, the launcher and the allocation agree. */
#include <mpi.h>
#include <stdio.h>

int main(int argc, char **argv) {
  int rank = 0, size = 0, len = 0;
  char host[MPI_MAX_PROCESSOR_NAME];
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  MPI_Get_processor_name(host, &len);
  /* One write per rank: the launcher forwards partial lines of different ranks interleaved. */
  char line[4096];
  int n = snprintf(line, sizeof line, "rank %d of %d on %s argv:", rank, size, host);
  for (int i = 0; i < argc && n < (int)sizeof line; i++) n += snprintf(line + n, sizeof line - n, " %s", argv[i]);
  printf("%s\n", line);
  fflush(stdout);
  MPI_Finalize();
  return 0;
}
