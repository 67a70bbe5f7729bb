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
#include "engine/live/stream_spec.h"
#include "engine/population.h"
#include "engine/run_options.h"

namespace aiotreach {

class StoredPopulation;

// A scenario whose every field has been checked, with its ecosystem
// resolved (preset or inline) and its placements compiled.
class PreparedScenario {
 public:
  // InvalidArgument naming the first bad field and its value:
  //  - ecosystem: neither a preset nor a spec; ecosystem.preset.name
  //    unknown; ecosystem.preset.scale not positive or above 1e12;
  //  - ecosystem.spec.*: as Ecosystem::Build;
  //  - population: outside [1, 1e9] once the preset's default and scale
  //    are applied;
  //  - anything of the campaign: as Campaign::Build;
  //  - anything of the live streams: as CompileStreams.
  static absl::StatusOr<std::unique_ptr<const PreparedScenario>> Prepare(
      const v1::Scenario& scenario);
  // The scenario on a stored population: scenario.ecosystem must be unset
  // and scenario.population 0 or the stored one's (InvalidArgument
  // otherwise).
  static absl::StatusOr<std::unique_ptr<const PreparedScenario>> PrepareOn(
      const v1::Scenario& scenario, const StoredPopulation& stored);

  // Peak memory a run takes, in bytes, for budgets: a few MiB on the
  // flight-at-once path, 10 to 20 bytes a person day by day (the state
  // is sized to the scenario: day::KeptBytesPerPerson). Over `ranks` MPI
  // ranks, one rank's: the day state divides, the household layout and a
  // stream's state do not (and nothing divides when the replicates are
  // spread over the ranks instead: as many replicates as ranks or more).
  int64_t EstimateRunBytes(int ranks = 1) const;

  const v1::Scenario& scenario() const { return scenario_; }
  const std::shared_ptr<const Ecosystem>& ecosystem() const {
    return ecosystem_;
  }
  const Campaign& campaign() const { return *campaign_; }
  const std::vector<CompiledStream>& streams() const { return streams_; }
  // True if the campaign runs day by day: it needs to (caps, pacing, ...)
  // or the scenario has a live stream (promotions need exposure times, and
  // a scenario keeps its path whether or not a placement promotes).
  bool day_loop() const;
  int64_t people() const { return people_; }
  uint64_t population_seed() const { return population_seed_; }
  // The preset's people at scale 1 (the platform); 0 for an inline spec.
  int64_t platform_people() const { return platform_people_; }

 private:
  PreparedScenario() = default;
  // The campaign and streams of scenario_ on ecosystem_, money scaled to
  // the sample with platform_units.
  absl::Status BuildCampaign();

  v1::Scenario scenario_;
  std::shared_ptr<const Ecosystem> ecosystem_;
  std::unique_ptr<const Campaign> campaign_;
  std::vector<CompiledStream> streams_;
  int64_t people_ = 0;
  uint64_t population_seed_ = 0;
  int64_t platform_people_ = 0;
};

// A population drawn once and kept, to run many scenarios on (the
// service's stored ecosystems). Immutable; share it between runs freely.
//
//   auto stored = StoredPopulation::Build(ecosystem, 1'000'000, threads);
//   auto report = RunScenario(scenario, **stored, options);
class StoredPopulation {
 public:
  // Validates `ecosystem` (spec or preset; population_seed 0 means 1) and
  // draws the household layout of `population` people (0: the preset's
  // population times its scale). InvalidArgument naming the field.
  static absl::StatusOr<std::unique_ptr<const StoredPopulation>> Build(
      const v1::Ecosystem& ecosystem, int64_t population, int threads);

  StoredPopulation(const StoredPopulation&) = delete;
  StoredPopulation& operator=(const StoredPopulation&) = delete;

  const v1::Ecosystem& source() const { return source_; }
  const std::shared_ptr<const Ecosystem>& ecosystem() const {
    return ecosystem_;
  }
  const Population& population() const { return *population_; }
  // The preset's people at scale 1; 0 for an inline spec.
  int64_t platform_people() const { return platform_people_; }
  // Bytes it holds.
  int64_t MemoryBytes() const;
  // Bytes Build(ecosystem, population, ...) would hold, without building
  // it; InvalidArgument as Build.
  static absl::StatusOr<int64_t> EstimateBytes(const v1::Ecosystem& ecosystem,
                                               int64_t population);

 private:
  StoredPopulation() = default;
  v1::Ecosystem source_;
  std::shared_ptr<const Ecosystem> ecosystem_;
  std::unique_ptr<const Population> population_;
  int64_t platform_people_ = 0;
};

// Checks the scenario without running it.
absl::Status ValidateScenario(const v1::Scenario& scenario);

// Validates, draws the population and simulates.
absl::StatusOr<v1::Report> RunScenario(const v1::Scenario& scenario,
                                       const RunOptions& options);

// Simulates a prepared scenario with its replicates: on `stored` if not
// null (the scenario must have been prepared on it, PrepareOn), else
// drawing its population. For callers that prepared the scenario already
// (to validate it or estimate its memory); RunScenario is Prepare plus this.
absl::StatusOr<v1::Report> RunPrepared(const PreparedScenario& prepared,
                                       const StoredPopulation* stored,
                                       const RunOptions& options);

// Validates and simulates on a stored population (see PrepareOn); every
// replicate uses it.
absl::StatusOr<v1::Report> RunScenario(const v1::Scenario& scenario,
                                       const StoredPopulation& population,
                                       const RunOptions& options);

}  // namespace aiotreach

#endif  // AIOTREACH_ENGINE_ENGINE_H_
