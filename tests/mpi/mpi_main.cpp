/// \file mpi_main.cpp
/// \brief The main of test_mpi, run under mpiexec: every rank runs every test, in the same order
/// (the tests are collective). Rank 0 prints GoogleTest's usual output; the other ranks print
/// only their failures, prefixed with their rank. The exit code is the same on every rank: 1 when
/// a test failed on any rank.

#include <gtest/gtest.h>
#include <mpi.h>

#include <cstdio>

namespace {

/// Prints a failed assertion of a rank other than 0 (rank 0 has GoogleTest's own printer).
class rank_failures : public testing::EmptyTestEventListener {
 public:
  explicit rank_failures(int rank) : rank_(rank) {}
  void OnTestPartResult(const testing::TestPartResult& r) override {
    if (!r.failed()) return;
    std::fprintf(stderr, "[rank %d] %s:%d: failure\n%s\n", rank_,
                 r.file_name() != nullptr ? r.file_name() : "?", r.line_number(), r.summary());
    std::fflush(stderr);
  }

 private:
  int rank_;
};

}  // namespace

int main(int argc, char** argv) {
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  testing::InitGoogleTest(&argc, argv);
  if (rank != 0) {
    testing::TestEventListeners& listeners = testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
    listeners.Append(new rank_failures(rank));
  }
  int failed = RUN_ALL_TESTS() != 0 ? 1 : 0;
  int any = 0;
  MPI_Allreduce(&failed, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  MPI_Finalize();
  return any;
}
