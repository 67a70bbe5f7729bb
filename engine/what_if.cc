#include "engine/what_if.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/report_builder.h"
#include "engine/status_macros.h"
#include "engine/validation.h"

namespace aiotreach {
namespace {

// `status` with "prefix" before its message (InvalidArgument names a
// field: "placements[0]..." becomes "variants[1].placements[0]...").
absl::Status Prefixed(const absl::Status& status, absl::string_view prefix) {
  if (status.ok()) return status;
  return absl::Status(status.code(), absl::StrCat(prefix, status.message()));
}

// Runs one scenario of an analysis, as part `part` of `parts` for progress.
absl::StatusOr<v1::Report> RunPart(const v1::Scenario& scenario,
                                   const StoredPopulation* stored,
                                   const RunOptions& options, int part,
                                   int parts) {
  RunOptions run = options;
  if (options.progress) {
    run.progress = [&options, part, parts](double f) {
      options.progress((part + f) / parts);
    };
  }
  return stored != nullptr ? RunScenario(scenario, *stored, run)
                           : RunScenario(scenario, run);
}

// The figures a comparison shows, in its order (HeadlineFigures has them
// all, with their replicate intervals).
constexpr const char* kCompared[] = {
    "reach_people", "reach_pct",   "reach_3_plus", "average_frequency",
    "grp",          "impressions", "spend",        "cost_per_reached_person",
    "conversions"};

// The replicate interval of `figure` in `r`, if it has one.
const v1::FigureInterval* Interval(const v1::Report& r,
                                   absl::string_view figure) {
  for (const v1::FigureInterval& f : r.uncertainty().figures()) {
    if (f.figure() == figure) return &f;
  }
  return nullptr;
}

// The stream figures a comparison shows, for streams of the same name in
// the base and the variant.
constexpr const char* kComparedStream[] = {"unique_viewers", "peak_concurrent",
                                           "union_reach"};

void AddDelta(const std::string& name, double base_value, double variant_value,
              const v1::Report& base, const v1::Report& variant,
              v1::VariantComparison* out) {
  v1::FigureDelta* d = out->add_deltas();
  d->set_figure(name);
  d->set_base(base_value);
  d->set_variant(variant_value);
  d->set_delta(d->variant() - d->base());
  d->set_relative_delta(d->base() != 0.0 ? d->delta() / d->base() : 0.0);
  if (const v1::FigureInterval* b = Interval(base, name)) {
    d->set_base_lower(b->lower());
    d->set_base_upper(b->upper());
  }
  if (const v1::FigureInterval* v = Interval(variant, name)) {
    d->set_variant_lower(v->lower());
    d->set_variant_upper(v->upper());
  }
}

void AddDeltas(const v1::Report& base, const v1::Report& variant,
               v1::VariantComparison* out) {
  for (const char* name : kCompared) {
    const HeadlineFigure& f = *FindHeadlineFigure(name);
    AddDelta(f.name, f.get(base), f.get(variant), base, variant, out);
  }
  for (const v1::StreamReport& b : base.live_streams()) {
    for (const v1::StreamReport& v : variant.live_streams()) {
      if (v.name() != b.name()) continue;
      for (const char* figure : kComparedStream) {
        for (const StreamFigure& f : StreamFigures()) {
          if (absl::string_view(f.name) != figure) continue;
          AddDelta(StreamFigureName(b.name(), f.name), f.get(b), f.get(v), base,
                   variant, out);
        }
      }
    }
  }
}

}  // namespace

absl::StatusOr<v1::Comparison> CompareScenarios(
    const v1::Scenario& base, const std::vector<v1::Scenario>& variants,
    const RunOptions& options, const StoredPopulation* stored) {
  if (variants.empty()) {
    return FieldError("variants", "at least one variant is required");
  }
  for (size_t i = 0; i < variants.size(); ++i) {
    const uint64_t seed = variants[i].seed();
    if (seed != 0 && seed != base.seed()) {
      return FieldError(
          FieldPath(FieldPath("", "variants", static_cast<int>(i)), "seed"),
          absl::StrCat("must be unset or the base's seed ", base.seed(),
                       " (common random numbers), got ", seed));
    }
  }
  const int parts = static_cast<int>(variants.size()) + 1;
  v1::Comparison comparison;
  comparison.set_seed(base.seed());
  absl::StatusOr<v1::Report> base_report =
      RunPart(base, stored, options, 0, parts);
  if (!base_report.ok()) return Prefixed(base_report.status(), "base.");
  *comparison.mutable_base() = *base_report;
  for (size_t i = 0; i < variants.size(); ++i) {
    v1::Scenario variant = variants[i];
    variant.set_seed(base.seed());
    absl::StatusOr<v1::Report> report =
        RunPart(variant, stored, options, static_cast<int>(i) + 1, parts);
    if (!report.ok()) {
      return Prefixed(report.status(), absl::StrCat("variants[", i, "]."));
    }
    v1::VariantComparison* row = comparison.add_variants();
    row->set_name(variant.name().empty() ? absl::StrCat("variant ", i + 1)
                                         : variant.name());
    AddDeltas(*base_report, *report, row);
    *row->mutable_report() = *std::move(report);
  }
  return comparison;
}

absl::StatusOr<v1::SweepCurve> SweepBudget(const v1::Scenario& scenario,
                                           absl::string_view placement,
                                           const std::vector<double>& budgets,
                                           const RunOptions& options,
                                           const StoredPopulation* stored) {
  int index = -1;
  std::vector<std::string> names;
  for (int j = 0; j < scenario.placements_size(); ++j) {
    names.push_back(scenario.placements(j).name());
    if (scenario.placements(j).name() == placement) index = j;
  }
  if (index < 0) {
    return FieldError(
        "placement",
        absl::StrCat("no placement ", Quoted(placement),
                     " (known: ", absl::StrJoin(names, ", "), ")"));
  }
  if (scenario.placements(index).buying_case() != v1::Placement::kBudget) {
    return FieldError(
        "placement",
        absl::StrCat(Quoted(placement),
                     " is not bought by budget: a sweep sets its budget "
                     "(give it budget and cpm)"));
  }
  if (budgets.empty()) return FieldError("budgets", "at least one is required");
  if (budgets.size() > static_cast<size_t>(kMaxSweepPoints)) {
    return FieldError("budgets", absl::StrCat("at most ", kMaxSweepPoints,
                                              " points, got ", budgets.size()));
  }
  for (size_t i = 0; i < budgets.size(); ++i) {
    AIOT_RETURN_IF_ERROR(CheckPositive(
        budgets[i], FieldPath("", "budgets", static_cast<int>(i))));
  }
  v1::SweepCurve curve;
  curve.set_placement(std::string(placement));
  curve.set_seed(scenario.seed());
  const int parts = static_cast<int>(budgets.size());
  for (int i = 0; i < parts; ++i) {
    v1::Scenario point = scenario;
    point.mutable_placements(index)->set_budget(budgets[i]);
    AIOT_ASSIGN_OR_RETURN(v1::Report r,
                          RunPart(point, stored, options, i, parts));
    v1::SweepPoint* p = curve.add_points();
    p->set_budget(budgets[i]);
    p->set_reach_people(r.reach_people());
    p->set_reach_pct(r.reach_pct());
    *p->mutable_reach_k_plus() = r.reach_k_plus();
    p->set_average_frequency(r.average_frequency());
    p->set_spend(r.spend());
    p->set_impressions(r.impressions());
    p->set_under_delivery(r.delivery(index).under_delivery());
  }
  return curve;
}

}  // namespace aiotreach
