// The engine's Cluster (engine/cluster.h) over MPI_COMM_WORLD, for
// `mpirun -np N aiotreach run ...` (docs/CLUSTER.md).
//
//   std::unique_ptr<MpiCluster> mpi = MpiCluster::InitIfLaunched(&argc, &argv);
//   if (mpi != nullptr) options.cluster = mpi.get();
#ifndef AIOTREACH_SERVICES_MPI_MPI_CLUSTER_H_
#define AIOTREACH_SERVICES_MPI_MPI_CLUSTER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "engine/cluster.h"

namespace aiotreach {

class MpiCluster : public Cluster {
 public:
  // True if an MPI launcher (mpirun, mpiexec, srun) started this process.
  static bool Launched();

  // Initialises MPI when Launched(), else returns null (a plain process
  // never touches MPI). Errors of MPI calls abort every rank.
  static std::unique_ptr<MpiCluster> InitIfLaunched(int* argc, char*** argv);

  // Finalises MPI.
  ~MpiCluster() override;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  void Sum(int64_t* values, size_t n) const override;
  void Or(uint64_t* words, size_t n) const override;
  std::vector<std::string> AllGather(const std::string& mine) const override;
  void Broadcast(std::string* value) const override;

  // FailedPrecondition naming each rank's version unless every rank runs
  // `version` (a collective).
  absl::Status CheckSameVersion(const std::string& version) const;

  // Prints `message` (from this rank) and stops every rank with `code`.
  [[noreturn]] void Abort(const std::string& message, int code) const;

 private:
  MpiCluster(int rank, int size) : rank_(rank), size_(size) {}
  const int rank_;
  const int size_;
};

}  // namespace aiotreach

#endif  // AIOTREACH_SERVICES_MPI_MPI_CLUSTER_H_
