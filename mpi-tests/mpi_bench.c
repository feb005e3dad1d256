/* C baselines for bench/mpi.ts: the same patterns as mpi-tests/node/bench-rank.mjs, in plain MPI.
 *   mpi_bench pingpong <bytes> <iterations>   ranks 0 and 1; prints round-trip latency
 *   mpi_bench fanout <bytes> <messages>       rank 0 sends round-robin to 1..n-1, which report back
 *   mpi_bench idle <milliseconds>             rank 1 waits in MPI_Recv; prints the CPU it burned
 * Rank 0 prints one JSON line. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static double cpu_seconds(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

int main(int argc, char **argv) {
  int rank, size;
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (argc < 3) {
    if (rank == 0) fprintf(stderr, "usage: mpi_bench pingpong|fanout|idle <bytes|ms> [count]\n");
    MPI_Abort(MPI_COMM_WORLD, 2);
  }
  const char *mode = argv[1];
  long bytes = atol(argv[2]);
  long count = argc > 3 ? atol(argv[3]) : 0;
  char *buf = calloc(bytes > 0 ? (size_t)bytes : 1, 1);

  if (strcmp(mode, "pingpong") == 0) {
    for (int warm = 0; warm < 2; warm++) {
      long iters = warm == 0 ? count / 10 + 1 : count;
      MPI_Barrier(MPI_COMM_WORLD);
      double t0 = MPI_Wtime();
      for (long i = 0; i < iters && rank < 2; i++) {
        if (rank == 0) {
          MPI_Send(buf, (int)bytes, MPI_BYTE, 1, 0, MPI_COMM_WORLD);
          MPI_Recv(buf, (int)bytes, MPI_BYTE, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        } else {
          MPI_Recv(buf, (int)bytes, MPI_BYTE, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
          MPI_Send(buf, (int)bytes, MPI_BYTE, 0, 0, MPI_COMM_WORLD);
        }
      }
      double dt = MPI_Wtime() - t0;
      if (warm == 1 && rank == 0) {
        printf("{\"impl\":\"c\",\"mode\":\"pingpong\",\"bytes\":%ld,\"iterations\":%ld,\"rttMicros\":%.3f}\n",
               bytes, iters, dt / iters * 1e6);
      }
    }
  } else if (strcmp(mode, "fanout") == 0) {
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime();
    long workers = size - 1;
    if (rank == 0) {
      for (long i = 0; i < count; i++) {
        MPI_Send(buf, (int)bytes, MPI_BYTE, (int)(1 + i % workers), 1, MPI_COMM_WORLD);
      }
      long total = 0, got = 0;
      for (long w = 0; w < workers; w++) {
        MPI_Recv(&got, 1, MPI_LONG, MPI_ANY_SOURCE, 2, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        total += got;
      }
      double dt = MPI_Wtime() - t0;
      printf("{\"impl\":\"c\",\"mode\":\"fanout\",\"bytes\":%ld,\"messages\":%ld,\"received\":%ld,\"workers\":%ld,"
             "\"seconds\":%.6f,\"messagesPerSecond\":%.0f}\n",
             bytes, count, total, workers, dt, count / dt);
    } else {
      long mine = count / workers + ((rank - 1) < count % workers ? 1 : 0);
      for (long i = 0; i < mine; i++) {
        MPI_Recv(buf, (int)bytes, MPI_BYTE, 0, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      }
      MPI_Send(&mine, 1, MPI_LONG, 0, 2, MPI_COMM_WORLD);
    }
  } else if (strcmp(mode, "idle") == 0) {
    /* bytes = milliseconds here. Rank 1 blocks in MPI_Recv while rank 0 sleeps. */
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) {
      usleep((useconds_t)(bytes * 1000));
      char one = 1;
      MPI_Send(&one, 1, MPI_BYTE, 1, 3, MPI_COMM_WORLD);
      double cpu = 0;
      MPI_Recv(&cpu, 1, MPI_DOUBLE, 1, 4, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      printf("{\"impl\":\"c\",\"mode\":\"idle\",\"milliseconds\":%ld,\"idleCpuPercent\":%.2f}\n", bytes,
             cpu / (bytes / 1000.0) * 100);
    } else if (rank == 1) {
      double c0 = cpu_seconds();
      char one;
      MPI_Recv(&one, 1, MPI_BYTE, 0, 3, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      double cpu = cpu_seconds() - c0;
      MPI_Send(&cpu, 1, MPI_DOUBLE, 0, 4, MPI_COMM_WORLD);
    }
  }
  fflush(stdout);
  free(buf);
  MPI_Finalize();
  return 0;
}
