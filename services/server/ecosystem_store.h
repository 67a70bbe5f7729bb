// The service's stored ecosystems: populations drawn once and kept in
// memory, within a memory budget, so that many scenarios run on them.
//
//   EcosystemStore store(/*memory_budget_bytes=*/1 << 30);
//   absl::StatusOr<v1::EcosystemInfo> info = store.Create(request, threads);
//   absl::StatusOr<EcosystemStore::Entry> e = store.Get(info->id());
//
// Thread-safe.
#ifndef AIOTREACH_SERVICES_SERVER_ECOSYSTEM_STORE_H_
#define AIOTREACH_SERVICES_SERVER_ECOSYSTEM_STORE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "aiotreach/v1/service.pb.h"
#include "engine/engine.h"
#include "engine/validation.h"

namespace aiotreach {

class EcosystemStore {
 public:
  struct Entry {
    v1::EcosystemInfo info;
    std::shared_ptr<const StoredPopulation> population;
  };

  // `memory_budget_bytes`: what all stored ecosystems may hold together.
  explicit EcosystemStore(int64_t memory_budget_bytes)
      : budget_(memory_budget_bytes) {}

  EcosystemStore(const EcosystemStore&) = delete;
  EcosystemStore& operator=(const EcosystemStore&) = delete;

  // Builds and stores a population. InvalidArgument for a bad ecosystem
  // (naming the field), ResourceExhausted with the estimate and what is
  // left of the budget when it does not fit.
  absl::StatusOr<v1::EcosystemInfo> Create(
      const v1::CreateEcosystemRequest& request, int threads);

  // NotFound for an unknown id.
  absl::StatusOr<Entry> Get(const std::string& id) const;
  std::vector<v1::EcosystemInfo> List() const;
  // NotFound for an unknown id. Runs holding it keep it until they end.
  absl::Status Delete(const std::string& id);

  int64_t used_bytes() const;

 private:
  const int64_t budget_;
  mutable absl::Mutex mu_;
  int64_t used_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  // By creation number, so List is in creation order.
  std::map<int64_t, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace aiotreach

#endif  // AIOTREACH_SERVICES_SERVER_ECOSYSTEM_STORE_H_
