#include "services/mpi/mpi_cluster.h"

#include <mpi.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <limits>

#include "absl/strings/str_cat.h"

namespace aiotreach {
namespace {

// MPI counts are ints: large arrays go in pieces of at most this many.
constexpr size_t kMaxCount = size_t{1} << 30;

template <typename T>
void AllReduceInPlace(T* values, size_t n, MPI_Datatype type, MPI_Op op) {
  for (size_t at = 0; at < n; at += kMaxCount) {
    const int count = static_cast<int>(std::min(kMaxCount, n - at));
    MPI_Allreduce(MPI_IN_PLACE, values + at, count, type, op, MPI_COMM_WORLD);
  }
}

}  // namespace

bool MpiCluster::Launched() {
  // Open MPI's mpirun, then PMIx and PMI launchers (Slurm's srun).
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"}) {
    if (std::getenv(name) != nullptr) return true;
  }
  return false;
}

std::unique_ptr<MpiCluster> MpiCluster::InitIfLaunched(int* argc,
                                                       char*** argv) {
  if (!Launched()) return nullptr;
  int provided = 0;
  // Only the main thread calls MPI; worker threads never do.
  MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  return std::unique_ptr<MpiCluster>(new MpiCluster(rank, size));
}

MpiCluster::~MpiCluster() { MPI_Finalize(); }

void MpiCluster::Sum(int64_t* values, size_t n) const {
  AllReduceInPlace(values, n, MPI_INT64_T, MPI_SUM);
}

void MpiCluster::Or(uint64_t* words, size_t n) const {
  AllReduceInPlace(words, n, MPI_UINT64_T, MPI_BOR);
}

std::vector<std::string> MpiCluster::AllGather(const std::string& mine) const {
  // Sizes first, then each rank's bytes broadcast by that rank: no int
  // displacement can overflow however large the parts are together.
  std::vector<int64_t> sizes(size_);
  const int64_t my_size = static_cast<int64_t>(mine.size());
  MPI_Allgather(&my_size, 1, MPI_INT64_T, sizes.data(), 1, MPI_INT64_T,
                MPI_COMM_WORLD);
  std::vector<std::string> all(size_);
  for (int r = 0; r < size_; ++r) {
    all[r] = r == rank_ ? mine : std::string(sizes[r], '\0');
    for (int64_t at = 0; at < sizes[r]; at += kMaxCount) {
      const int count =
          static_cast<int>(std::min<int64_t>(kMaxCount, sizes[r] - at));
      MPI_Bcast(all[r].data() + at, count, MPI_BYTE, r, MPI_COMM_WORLD);
    }
  }
  return all;
}

void MpiCluster::Broadcast(std::string* value) const {
  int64_t n = static_cast<int64_t>(value->size());
  MPI_Bcast(&n, 1, MPI_INT64_T, 0, MPI_COMM_WORLD);
  if (rank_ != 0) value->assign(n, '\0');
  for (int64_t at = 0; at < n; at += kMaxCount) {
    const int count = static_cast<int>(std::min<int64_t>(kMaxCount, n - at));
    MPI_Bcast(value->data() + at, count, MPI_BYTE, 0, MPI_COMM_WORLD);
  }
}

absl::Status MpiCluster::CheckSameVersion(const std::string& version) const {
  const std::vector<std::string> all = AllGather(version);
  if (std::all_of(all.begin(), all.end(),
                  [&](const std::string& v) { return v == all[0]; })) {
    return absl::OkStatus();
  }
  std::string list;
  for (int r = 0; r < size_; ++r)
    absl::StrAppend(&list, r > 0 ? ", " : "", "rank ", r, " runs ", all[r]);
  return absl::FailedPreconditionError(
      absl::StrCat("the ranks run different engine versions (", list,
                   "); install one build on every node"));
}

void MpiCluster::Abort(const std::string& message, int code) const {
  std::cerr << "aiotreach (rank " << rank_ << " of " << size_
            << "): " << message << std::endl;
  MPI_Abort(MPI_COMM_WORLD, code);
  std::exit(code);
}

}  // namespace aiotreach
