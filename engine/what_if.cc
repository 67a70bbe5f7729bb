#include "engine/what_if.h"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/parallel.h"
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

// A cap's row by name, or null.
const v1::CapRow* FindCap(const v1::Report& r, const std::string& name) {
  for (const v1::CapRow& c : r.caps()) {
    if (c.name() == name) return &c;
  }
  return nullptr;
}

void AddDeltas(const v1::Report& base, const v1::Report& variant,
               v1::VariantComparison* out) {
  for (const char* name : kCompared) {
    const HeadlineFigure& f = *FindHeadlineFigure(name);
    AddDelta(f.name, f.get(base), f.get(variant), base, variant, out);
  }
  // Each cap of either (by name, the base's first): what it refused and
  // what its exposures past the limit cost; 0 where it is absent.
  std::vector<std::string> caps;
  for (const v1::Report* r : {&base, &variant}) {
    for (const v1::CapRow& c : r->caps()) {
      if (std::find(caps.begin(), caps.end(), c.name()) == caps.end())
        caps.push_back(c.name());
    }
  }
  for (const std::string& name : caps) {
    const v1::CapRow* b = FindCap(base, name);
    const v1::CapRow* v = FindCap(variant, name);
    AddDelta(absl::StrCat("caps[", name, "].refused"),
             b != nullptr ? b->refused() : 0, v != nullptr ? v->refused() : 0,
             base, variant, out);
    AddDelta(absl::StrCat("caps[", name, "].waste_yuan"),
             b != nullptr ? b->waste_yuan() : 0.0,
             v != nullptr ? v->waste_yuan() : 0.0, base, variant, out);
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

absl::StatusOr<int> PlacementIndex(const v1::Scenario& scenario,
                                   absl::string_view name,
                                   const std::string& path) {
  std::vector<std::string> names;
  for (int j = 0; j < scenario.placements_size(); ++j) {
    if (scenario.placements(j).name() == name) return j;
    names.push_back(scenario.placements(j).name());
  }
  return FieldError(path,
                    absl::StrCat("no placement ", Quoted(name),
                                 " (known: ", absl::StrJoin(names, ", "), ")"));
}

absl::Status CheckBoughtBy(const v1::Scenario& scenario, int index,
                           v1::Placement::BuyingCase buying,
                           const std::string& path) {
  if (scenario.placements(index).buying_case() == buying)
    return absl::OkStatus();
  return FieldError(
      path, absl::StrCat(Quoted(scenario.placements(index).name()),
                         buying == v1::Placement::kBudget
                             ? " is not bought by budget (give it budget and "
                               "cpm)"
                             : " is not bought by share of voice (give it "
                               "share_of_voice)"));
}

namespace {

// The swept placements and what each point sets: (index, share) pairs, a
// share of 1 for a single placement.
struct Swept {
  std::vector<int> index;
  std::vector<double> share;
  bool share_of_voice = false;
  bool days = false;
  std::vector<double> values;
};

absl::StatusOr<Swept> CheckSpec(const v1::Scenario& scenario,
                                const v1::SweepSpec& spec) {
  Swept swept;
  swept.share_of_voice = spec.shares_of_voice_size() > 0;
  swept.days = spec.days_size() > 0;
  if (swept.days && (spec.budgets_size() > 0 || swept.share_of_voice ||
                     spec.split_size() > 0)) {
    return FieldError("days",
                      "a days sweep moves one placement's days alone (no "
                      "budgets, shares of voice or split)");
  }
  if (!spec.placement().empty() && spec.split_size() > 0) {
    return FieldError("split", "give a placement or a split, not both");
  }
  if (swept.share_of_voice && spec.budgets_size() > 0) {
    return FieldError("shares_of_voice",
                      "give budgets or shares of voice, not both");
  }
  if (swept.share_of_voice && spec.split_size() > 0) {
    return FieldError(
        "shares_of_voice",
        "a share of voice sweep moves one placement, not a split");
  }
  if (spec.split_size() > 0) {
    double total = 0.0;
    for (int i = 0; i < spec.split_size(); ++i) {
      const std::string path = FieldPath("", "split", i);
      AIOT_ASSIGN_OR_RETURN(const int index,
                            PlacementIndex(scenario, spec.split(i).placement(),
                                           FieldPath(path, "placement")));
      AIOT_RETURN_IF_ERROR(CheckBoughtBy(scenario, index,
                                         v1::Placement::kBudget,
                                         FieldPath(path, "placement")));
      if (std::find(swept.index.begin(), swept.index.end(), index) !=
          swept.index.end()) {
        return FieldError(
            FieldPath(path, "placement"),
            absl::StrCat(Quoted(spec.split(i).placement()), " is repeated"));
      }
      const double share = spec.split(i).share();
      if (!(share > 0.0 && share <= 1.0)) {
        return FieldError(
            FieldPath(path, "share"),
            absl::StrCat("must be in (0, 1], got ", FormatValue(share)));
      }
      swept.index.push_back(index);
      swept.share.push_back(share);
      total += share;
    }
    if (std::abs(total - 1.0) > 1e-6) {
      return FieldError("split", absl::StrCat("the shares add up to ",
                                              FormatValue(total), ", not 1"));
    }
  } else {
    if (spec.placement().empty()) {
      return FieldError("placement", "give a placement or a split");
    }
    AIOT_ASSIGN_OR_RETURN(
        const int index,
        PlacementIndex(scenario, spec.placement(), "placement"));
    if (!swept.days) {
      AIOT_RETURN_IF_ERROR(CheckBoughtBy(scenario, index,
                                         swept.share_of_voice
                                             ? v1::Placement::kShareOfVoice
                                             : v1::Placement::kBudget,
                                         "placement"));
    }
    swept.index.push_back(index);
    swept.share.push_back(1.0);
  }
  const char* field = swept.days             ? "days"
                      : swept.share_of_voice ? "shares_of_voice"
                                             : "budgets";
  if (swept.days) {
    swept.values.assign(spec.days().begin(), spec.days().end());
  } else {
    swept.values.assign(swept.share_of_voice ? spec.shares_of_voice().begin()
                                             : spec.budgets().begin(),
                        swept.share_of_voice ? spec.shares_of_voice().end()
                                             : spec.budgets().end());
  }
  if (swept.values.empty())
    return FieldError(field, "at least one is required");
  if (swept.values.size() > static_cast<size_t>(kMaxSweepPoints)) {
    return FieldError(field,
                      absl::StrCat("at most ", kMaxSweepPoints, " points, got ",
                                   swept.values.size()));
  }
  for (size_t i = 0; i < swept.values.size(); ++i) {
    const std::string path = FieldPath("", field, static_cast<int>(i));
    AIOT_RETURN_IF_ERROR(
        swept.days ? CheckIntInRange(static_cast<int64_t>(swept.values[i]), 1,
                                     scenario.flight_days(), path)
        : swept.share_of_voice ? CheckProbability(swept.values[i], path)
                               : CheckPositive(swept.values[i], path));
  }
  return swept;
}

}  // namespace

absl::StatusOr<v1::SweepCurve> Sweep(const v1::Scenario& scenario,
                                     const v1::SweepSpec& spec,
                                     const RunOptions& options,
                                     const StoredPopulation* stored) {
  AIOT_ASSIGN_OR_RETURN(const Swept swept, CheckSpec(scenario, spec));
  v1::SweepCurve curve;
  curve.set_placement(spec.placement());
  *curve.mutable_split() = spec.split();
  curve.set_swept(swept.days              ? "days"
                  : swept.share_of_voice  ? "share_of_voice"
                  : spec.split_size() > 0 ? "total_budget"
                                          : "budget");
  curve.set_seed(scenario.seed());
  const int parts = static_cast<int>(swept.values.size());
  int64_t previous_served = 0, previous_goal = 0;
  for (int i = 0; i < parts; ++i) {
    v1::Scenario point = scenario;
    for (size_t k = 0; k < swept.index.size(); ++k) {
      v1::Placement* p = point.mutable_placements(swept.index[k]);
      if (swept.days) {
        SetFirstDays(p, static_cast<int>(swept.values[i]));
      } else if (swept.share_of_voice) {
        p->set_share_of_voice(swept.values[i]);
      } else {
        p->set_budget(swept.values[i] * swept.share[k]);
      }
    }
    AIOT_ASSIGN_OR_RETURN(v1::Report r,
                          RunPart(point, stored, options, i, parts));
    v1::SweepPoint* p = curve.add_points();
    if (swept.days) {
      p->set_days(static_cast<int>(swept.values[i]));
    } else if (swept.share_of_voice) {
      p->set_share_of_voice(swept.values[i]);
    } else {
      p->set_budget(swept.values[i]);
    }
    p->set_reach_people(r.reach_people());
    p->set_reach_pct(r.reach_pct());
    *p->mutable_reach_k_plus() = r.reach_k_plus();
    p->set_average_frequency(r.average_frequency());
    p->set_spend(r.spend());
    p->set_impressions(r.impressions());
    int64_t served = 0, goal = 0;
    for (int index : swept.index) {
      const v1::PlacementDelivery& d = r.delivery(index);
      p->set_under_delivery(p->under_delivery() + d.under_delivery());
      p->set_refused_by_cap(p->refused_by_cap() + d.refused_by_cap());
      served += d.served();
      goal += d.goal();
    }
    // More bought than at the previous point, and (almost) nothing more
    // served: under 1% of the impressions the extra budget buys (pacing's
    // own noise is a fraction of that), or none for a share of voice.
    if (i > 0 && swept.values[i] > swept.values[i - 1]) {
      const double more = static_cast<double>(served - previous_served);
      p->set_bought_nothing_more(
          swept.share_of_voice || swept.days
              ? more <= 0.0
              : more < 0.01 * static_cast<double>(goal - previous_goal));
    }
    p->set_goal(goal);
    previous_served = served;
    previous_goal = goal;
  }
  return curve;
}

absl::StatusOr<v1::SweepCurve> SweepBudget(const v1::Scenario& scenario,
                                           absl::string_view placement,
                                           const std::vector<double>& budgets,
                                           const RunOptions& options,
                                           const StoredPopulation* stored) {
  v1::SweepSpec spec;
  spec.set_placement(std::string(placement));
  for (double b : budgets) spec.add_budgets(b);
  return Sweep(scenario, spec, options, stored);
}

void SetFirstDays(v1::Placement* placement, int k) {
  placement->clear_days();
  for (int d = 1; d <= k; ++d) placement->add_days(d);
}

std::vector<absl::StatusOr<v1::Report>> RunScenarios(
    const std::vector<v1::Scenario>& scenarios, const RunOptions& run,
    const StoredPopulation* stored, const std::function<void()>& done) {
  std::vector<absl::StatusOr<v1::Report>> out(scenarios.size(),
                                              absl::UnknownError("not run"));
  std::mutex mu;
  auto one = [&](int64_t i, int threads) {
    RunOptions options = run;
    options.threads = threads;
    options.progress = nullptr;
    out[i] = stored != nullptr ? RunScenario(scenarios[i], *stored, options)
                               : RunScenario(scenarios[i], options);
    if (done) {
      std::lock_guard<std::mutex> lock(mu);
      done();
    }
  };
  if (run.cluster != nullptr || scenarios.size() == 1) {
    for (size_t i = 0; i < scenarios.size(); ++i) one(i, run.threads);
  } else {
    ParallelFor(static_cast<int64_t>(scenarios.size()), run.threads,
                [&](int64_t i, int) { one(i, 1); });
  }
  return out;
}

}  // namespace aiotreach
