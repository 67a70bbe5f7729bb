// The engine's front door: validate and run scenarios.
//
//   v1::Scenario scenario = ...;  // from a file (ParseScenario) or an RPC
//   RunOptions options;
//   options.threads = 2;
//   absl::StatusOr<v1::Report> report = RunScenario(scenario, options);
//
// Errors: InvalidArgument naming the field and value for a bad scenario
// ("placements[1].share_of_voice: must be in [0, 1], got 1.5"), Cancelled
// when options.cancel fires. The report is a pure function of the scenario:
// identical for any thread count or shard size.
//
// Thread-safe: any number of runs may proceed concurrently.
#ifndef AIOTREACH_ENGINE_ENGINE_H_
#define AIOTREACH_ENGINE_ENGINE_H_

#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "aiotreach/v1/report.pb.h"
#include "aiotreach/v1/scenario.pb.h"
#include "engine/campaign.h"
#include "engine/ecosystem.h"
#include "engine/run_options.h"

namespace aiotreach {

// A scenario whose every field has been checked, with its ecosystem
// resolved (preset or inline) and its placements compiled.
class PreparedScenario {
 public:
  // InvalidArgument naming the first bad field.
  static absl::StatusOr<std::unique_ptr<const PreparedScenario>> Prepare(
      const v1::Scenario& scenario);

  const v1::Scenario& scenario() const { return scenario_; }
  const std::shared_ptr<const Ecosystem>& ecosystem() const {
    return ecosystem_;
  }
  const Campaign& campaign() const { return *campaign_; }
  int64_t people() const { return people_; }
  uint64_t population_seed() const { return population_seed_; }

 private:
  PreparedScenario() = default;

  v1::Scenario scenario_;
  std::shared_ptr<const Ecosystem> ecosystem_;
  std::unique_ptr<const Campaign> campaign_;
  int64_t people_ = 0;
  uint64_t population_seed_ = 0;
};

// Checks the scenario without running it.
absl::Status ValidateScenario(const v1::Scenario& scenario);

// Validates, draws the population and simulates.
absl::StatusOr<v1::Report> RunScenario(const v1::Scenario& scenario,
                                       const RunOptions& options);

}  // namespace aiotreach

#endif  // AIOTREACH_ENGINE_ENGINE_H_
