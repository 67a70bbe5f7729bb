#include "services/server/ecosystem_store.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "engine/status_macros.h"
#include "engine/validation.h"

namespace aiotreach {
namespace {

// "eco-12" -> 12, or 0 for anything else.
int64_t Number(const std::string& id) {
  absl::string_view rest = id;
  int64_t n = 0;
  if (!absl::ConsumePrefix(&rest, "eco-") || !absl::SimpleAtoi(rest, &n))
    return 0;
  return n;
}

absl::Status UnknownId(const std::string& id) {
  return absl::NotFoundError(absl::StrCat("ecosystem_id: no stored ecosystem '",
                                          id, "' (see ListEcosystems)"));
}

}  // namespace

absl::StatusOr<v1::EcosystemInfo> EcosystemStore::Create(
    const v1::CreateEcosystemRequest& request, int threads) {
  AIOT_ASSIGN_OR_RETURN(const int64_t estimate,
                        StoredPopulation::EstimateBytes(request.ecosystem(),
                                                        request.population()));
  {
    absl::MutexLock lock(&mu_);
    if (used_ + estimate > budget_) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "the ecosystem needs about ", Mib(estimate), " and ",
          Mib(budget_ - used_), " of the ", Mib(budget_),
          " memory budget is left (--memory_budget_mb); delete a stored "
          "ecosystem or use a smaller population"));
    }
    used_ += estimate;  // reserved while building
  }
  absl::StatusOr<std::unique_ptr<const StoredPopulation>> built =
      StoredPopulation::Build(request.ecosystem(), request.population(),
                              threads);
  absl::MutexLock lock(&mu_);
  used_ -= estimate;
  if (!built.ok()) return built.status();
  Entry entry;
  entry.population = std::move(*built);
  const Population& pop = entry.population->population();
  const int64_t number = next_id_++;
  v1::EcosystemInfo& info = entry.info;
  info.set_id(absl::StrCat("eco-", number));
  info.set_name(request.name());
  *info.mutable_ecosystem() = request.ecosystem();
  info.set_people(pop.people());
  info.set_households(pop.households());
  info.set_population_seed(pop.seed());
  info.set_memory_bytes(entry.population->MemoryBytes());
  used_ += info.memory_bytes();
  const v1::EcosystemInfo result = info;
  entries_.emplace(number, std::move(entry));
  return result;
}

absl::StatusOr<EcosystemStore::Entry> EcosystemStore::Get(
    const std::string& id) const {
  absl::MutexLock lock(&mu_);
  const auto it = entries_.find(Number(id));
  if (it == entries_.end()) return UnknownId(id);
  return it->second;
}

std::vector<v1::EcosystemInfo> EcosystemStore::List() const {
  absl::MutexLock lock(&mu_);
  std::vector<v1::EcosystemInfo> out;
  for (const auto& [number, entry] : entries_) out.push_back(entry.info);
  return out;
}

absl::Status EcosystemStore::Delete(const std::string& id) {
  absl::MutexLock lock(&mu_);
  const auto it = entries_.find(Number(id));
  if (it == entries_.end()) return UnknownId(id);
  used_ -= it->second.info.memory_bytes();
  entries_.erase(it);
  return absl::OkStatus();
}

int64_t EcosystemStore::used_bytes() const {
  absl::MutexLock lock(&mu_);
  return used_;
}

}  // namespace aiotreach
