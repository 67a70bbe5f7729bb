#include "engine/engine.h"

#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/day_simulator.h"
#include "engine/population.h"
#include "engine/presets.h"
#include "engine/report_builder.h"
#include "engine/rng.h"
#include "engine/simulator.h"
#include "engine/status_macros.h"
#include "engine/validation.h"

namespace aiotreach {

absl::StatusOr<std::unique_ptr<const PreparedScenario>>
PreparedScenario::Prepare(const v1::Scenario& scenario) {
  std::unique_ptr<PreparedScenario> p(new PreparedScenario());
  p->scenario_ = scenario;
  const v1::Ecosystem& eco = scenario.ecosystem();
  int64_t default_people = 0;
  switch (eco.source_case()) {
    case v1::Ecosystem::kSpec: {
      AIOT_ASSIGN_OR_RETURN(p->ecosystem_,
                            Ecosystem::Build(eco.spec(), "ecosystem.spec"));
      break;
    }
    case v1::Ecosystem::kPreset: {
      const absl::StatusOr<const PresetInfo*> preset =
          FindPreset(eco.preset().name());
      if (!preset.ok())
        return FieldError("ecosystem.preset.name", preset.status().message());
      const double scale = eco.preset().scale();
      if (scale != 0.0) {
        AIOT_RETURN_IF_ERROR(CheckPositive(scale, "ecosystem.preset.scale"));
        if (scenario.population() != 0) {
          return FieldError(
              "ecosystem.preset.scale",
              absl::StrCat("set either population or ecosystem.preset.scale, "
                           "not both; got scale ",
                           FormatValue(scale), " and population ",
                           scenario.population()));
        }
      }
      const double people =
          std::round((*preset)->population * (scale == 0.0 ? 1.0 : scale));
      if (people > static_cast<double>(kMaxPopulation)) {
        return FieldError(
            "ecosystem.preset.scale",
            absl::StrCat("gives ", FormatValue(people),
                         " people, more than the limit of ", kMaxPopulation));
      }
      default_people = std::max<int64_t>(1, static_cast<int64_t>(people));
      AIOT_ASSIGN_OR_RETURN(
          p->ecosystem_,
          Ecosystem::Build((*preset)->spec,
                           absl::StrCat("preset '", eco.preset().name(), "'")));
      break;
    }
    default:
      return FieldError(
          "ecosystem",
          "is required: set spec { ... } or preset { name: \"small-city\" }");
  }
  p->people_ =
      scenario.population() != 0 ? scenario.population() : default_people;
  if (eco.source_case() == v1::Ecosystem::kSpec && scenario.population() == 0) {
    return FieldError("population",
                      "is required with an inline ecosystem spec, got 0");
  }
  AIOT_RETURN_IF_ERROR(
      CheckIntInRange(p->people_, 1, kMaxPopulation, "population"));
  p->population_seed_ =
      eco.population_seed() != 0 ? eco.population_seed() : scenario.seed();
  AIOT_ASSIGN_OR_RETURN(p->campaign_,
                        Campaign::Build(scenario, *p->ecosystem_));
  return std::unique_ptr<const PreparedScenario>(std::move(p));
}

absl::Status ValidateScenario(const v1::Scenario& scenario) {
  return PreparedScenario::Prepare(scenario).status();
}

namespace {

// The seed of replicate r: the scenario's own for r = 0, else drawn from it.
uint64_t ReplicateSeed(uint64_t seed, int r) {
  if (r == 0) return seed;
  Rng rng(seed, streams::kReplicateSeed, static_cast<uint32_t>(r));
  const uint64_t lo = rng.NextU32();
  return lo | uint64_t{rng.NextU32()} << 32;
}

absl::StatusOr<Tally> Simulate(const Population& population,
                               const Campaign& campaign, uint64_t seed,
                               const RunOptions& options) {
  if (campaign.needs_day_loop() || options.day_by_day) {
    return DaySimulator(population, campaign, seed).Run(options);
  }
  return Simulator(population, campaign, seed).Run(options);
}

}  // namespace

absl::StatusOr<v1::Report> RunScenario(const v1::Scenario& scenario,
                                       const RunOptions& options) {
  AIOT_ASSIGN_OR_RETURN(std::unique_ptr<const PreparedScenario> prepared,
                        PreparedScenario::Prepare(scenario));
  const Campaign& campaign = prepared->campaign();
  const int replicates = campaign.replicates();
  const bool fixed_population = scenario.ecosystem().population_seed() != 0;
  const bool timed = campaign.needs_day_loop() || options.day_by_day;
  std::unique_ptr<const Population> population;
  std::vector<v1::Report> reports;
  for (int r = 0; r < replicates; ++r) {
    const uint64_t seed = ReplicateSeed(scenario.seed(), r);
    if (population == nullptr || !fixed_population) {
      AIOT_ASSIGN_OR_RETURN(
          population, Population::Build(
                          prepared->ecosystem(), prepared->people(),
                          fixed_population ? prepared->population_seed() : seed,
                          options.threads));
    }
    RunOptions run = options;
    if (options.progress && replicates > 1) {
      run.progress = [&options, r, replicates](double f) {
        options.progress((r + f) / replicates);
      };
    }
    AIOT_ASSIGN_OR_RETURN(Tally tally,
                          Simulate(*population, campaign, seed, run));
    reports.push_back(BuildReport(scenario.name(), seed, *prepared->ecosystem(),
                                  campaign, tally, timed));
  }
  v1::Report report = std::move(reports[0]);
  if (replicates > 1) {
    reports[0] = report;
    AddUncertainty(reports, &report);
  }
  return report;
}

}  // namespace aiotreach
