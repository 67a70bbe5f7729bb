#include "engine/engine.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "engine/population.h"
#include "engine/presets.h"
#include "engine/report_builder.h"
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

absl::StatusOr<v1::Report> RunScenario(const v1::Scenario& scenario,
                                       const RunOptions& options) {
  AIOT_ASSIGN_OR_RETURN(std::unique_ptr<const PreparedScenario> prepared,
                        PreparedScenario::Prepare(scenario));
  AIOT_ASSIGN_OR_RETURN(
      std::unique_ptr<const Population> population,
      Population::Build(prepared->ecosystem(), prepared->people(),
                        prepared->population_seed(), options.threads));
  Simulator simulator(*population, prepared->campaign(), scenario.seed());
  AIOT_ASSIGN_OR_RETURN(Tally tally, simulator.Run(options));
  return BuildReport(scenario.name(), scenario.seed(), *prepared->ecosystem(),
                     prepared->campaign(), tally);
}

}  // namespace aiotreach
