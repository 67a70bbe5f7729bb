// `aiotreach compare` and `aiotreach sweep` (cli.h): the engine's what-if
// functions (engine/what_if.h) from the command line.
#include <algorithm>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "engine/calibrate.h"
#include "engine/cluster.h"
#include "engine/engine.h"
#include "engine/optimizer.h"
#include "engine/parallel.h"
#include "engine/validation.h"
#include "engine/what_if.h"
#include "google/protobuf/text_format.h"
#include "services/cli/cli.h"
#include "services/cli/tables.h"
#include "services/io/file_util.h"
#include "services/io/html_report.h"
#include "services/io/report_format.h"
#include "services/io/scenario_io.h"

namespace aiotreach {
namespace {

// A what-if's output files: (path, contents), in the order they are
// written and named.
using Outputs = std::vector<std::pair<std::string, std::string>>;

// Writes `files` into options.out_dir (made if need be), and the chart
// library beside them if `charts`; then prints `lead`, "written: " and the
// paths. Returns the exit code: 0, or 1 with the error printed.
int WriteOutputs(const CliOptions& options, const Outputs& files, bool charts,
                 const char* lead, std::ostream& out, std::ostream& err) {
  absl::Status s = MakeDirectories(options.out_dir);
  std::vector<std::string> paths;
  for (const auto& [path, contents] : files) {
    if (s.ok()) s = WriteFileAtomically(path, contents);
    paths.push_back(path);
  }
  if (s.ok() && charts) s = WriteChartLibrary(options.out_dir);
  if (!s.ok()) {
    err << "error: " << s.message() << "\n";
    return 1;
  }
  out << lead << "written: " << absl::StrJoin(paths, ", ") << "\n";
  return 0;
}

// ResourceExhausted, prefixed with `path`, if the scenario's run would not
// fit the memory budget (the what-if functions run one scenario at a
// time). A scenario that does not prepare passes: the what-if function
// reports its error in context ("variants[1].flight_days: ...").
absl::Status CheckMemoryOf(const v1::Scenario& scenario,
                           const CliOptions& options, const std::string& path) {
  absl::StatusOr<std::unique_ptr<const PreparedScenario>> prepared =
      PreparedScenario::Prepare(scenario);
  if (!prepared.ok()) return absl::OkStatus();
  return PrefixPath(path, CheckMemory(**prepared, options));
}

// One scenario file of a what-if: read and its memory checked, agreed by
// every rank (a file one rank cannot read stops all alike).
absl::StatusOr<v1::Scenario> LoadAgreed(const std::string& file,
                                        const CliOptions& options) {
  absl::StatusOr<v1::Scenario> scenario = LoadScenarioFile(file);
  absl::Status ready = scenario.status();
  if (ready.ok()) ready = CheckMemoryOf(*scenario, options, file);
  ready = AgreeStatus(options.cluster, ready);
  if (!ready.ok()) return ready;
  return scenario;
}

// What a what-if command prints to: the caller's streams on the rank that
// leads (rank 0, or the only one), a sink elsewhere; and its scenario,
// read and agreed by every rank (its error printed).
class Lead {
 public:
  Lead(const CliOptions& options, std::ostream& out, std::ostream& err)
      : options_(options),
        out_(Leads(options) ? out : discard_),
        err_(Leads(options) ? err : discard_) {}
  std::ostream& out() { return out_; }
  std::ostream& err() { return err_; }
  absl::StatusOr<v1::Scenario> Load(const std::string& file) {
    absl::StatusOr<v1::Scenario> scenario = LoadAgreed(file, options_);
    if (!scenario.ok())
      err_ << "error: " << scenario.status().message() << "\n";
    return scenario;
  }

 private:
  const CliOptions& options_;
  std::ostringstream discard_;
  std::ostream& out_;
  std::ostream& err_;
};

// Threads for what-ifs that run several scenarios at once, a thread each:
// --threads, but no more runs at once than the memory budget holds.
int ConcurrentRuns(const v1::Scenario& scenario, const CliOptions& options) {
  int64_t threads = ResolveThreads(options.threads);
  if (absl::StatusOr<std::unique_ptr<const PreparedScenario>> prepared =
          PreparedScenario::Prepare(scenario);
      prepared.ok()) {
    const int64_t each =
        std::max<int64_t>(1, (*prepared)->EstimateRunBytes(Ranks(options)));
    threads =
        std::clamp<int64_t>(MemoryBudgetBytes(options) / each, 1, threads);
  }
  return static_cast<int>(threads);
}

// A comparison's CSV row (interval bounds empty without replicates).
void AppendComparisonCsv(const std::string& variant, const v1::FigureDelta& d,
                         bool intervals, std::string* csv) {
  auto bound = [intervals](double v) {
    return intervals ? CsvNumber(v) : std::string();
  };
  absl::StrAppendFormat(csv, "%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n",
                        CsvField(variant), d.figure(), CsvNumber(d.base()),
                        CsvNumber(d.variant()), CsvNumber(d.delta()),
                        CsvNumber(d.relative_delta()), bound(d.base_lower()),
                        bound(d.base_upper()), bound(d.variant_lower()),
                        bound(d.variant_upper()));
}

}  // namespace

int CompareFiles(const std::string& base_path,
                 const std::vector<std::string>& variant_paths,
                 const CliOptions& options, std::ostream& lead_out,
                 std::ostream& lead_err) {
  // Over ranks, every rank runs the same scenarios; rank 0 prints and
  // writes.
  std::ostringstream discard;
  std::ostream& out = Leads(options) ? lead_out : discard;
  std::ostream& err = Leads(options) ? lead_err : discard;
  absl::StatusOr<v1::Scenario> base = LoadScenarioFile(base_path);
  std::vector<v1::Scenario> variants;
  absl::Status ready = base.status();
  for (size_t i = 0; i < variant_paths.size() && ready.ok(); ++i) {
    absl::StatusOr<v1::Scenario> v = LoadScenarioFile(variant_paths[i]);
    ready = v.status();
    if (v.ok()) variants.push_back(*std::move(v));
  }
  if (ready.ok()) ready = CheckMemoryOf(*base, options, base_path);
  for (size_t i = 0; i < variants.size() && ready.ok(); ++i)
    ready = CheckMemoryOf(variants[i], options, variant_paths[i]);
  // A file one rank cannot read stops every rank alike.
  ready = AgreeStatus(options.cluster, ready);
  if (!ready.ok()) {
    err << "error: " << ready.message() << "\n";
    return 1;
  }
  absl::StatusOr<v1::Comparison> c = CompareScenarios(
      *base, variants, EngineOptions(options, options.threads));
  if (!c.ok()) {
    err << "error: " << c.status().message() << "\n";
    return 1;
  }
  std::string csv =
      "variant,figure,base,variant_value,delta,relative_delta,base_lower,"
      "base_upper,variant_lower,variant_upper\n";
  // Interval bounds exist with replicates only: empty columns otherwise.
  const bool intervals = c->base().uncertainty().replicates() > 1;
  out << "compare: " << base->name() << " (seed " << c->seed()
      << ", common random numbers)\n";
  for (const v1::VariantComparison& v : c->variants()) {
    // The figure column fits the longest name (a stream's figures are
    // live_streams[<name>].<figure>).
    int width = 22;
    for (const v1::FigureDelta& d : v.deltas())
      width = std::max(width, static_cast<int>(d.figure().size()));
    out << "\n"
        << absl::StrFormat("%-*s %14s %14s %14s %9s\n", width + 2, v.name(),
                           "base", "variant", "delta", "relative");
    for (const v1::FigureDelta& d : v.deltas()) {
      AppendComparisonCsv(v.name(), d, intervals, &csv);
      // Spend and conversions only when a scenario models them (the CSV
      // keeps every row).
      const bool modelled =
          d.base() != 0 || d.variant() != 0 ||
          (d.figure() != "spend" && d.figure() != "cost_per_reached_person" &&
           d.figure() != "conversions");
      if (!modelled) continue;
      out << absl::StrFormat("  %-*s %14s %14s %14s %8.1f%%", width, d.figure(),
                             Figure(d.base()), Figure(d.variant()),
                             (d.delta() > 0 ? "+" : "") + Figure(d.delta()),
                             100 * d.relative_delta());
      if (d.base_upper() > d.base_lower()) {
        out << absl::StrFormat("   95%%: [%s, %s] -> [%s, %s]",
                               Figure(d.base_lower()), Figure(d.base_upper()),
                               Figure(d.variant_lower()),
                               Figure(d.variant_upper()));
      }
      out << "\n";
    }
  }
  if (!Leads(options)) return 0;
  const std::string stem =
      absl::StrCat(options.out_dir, "/compare_", SafeFileName(base->name()));
  return WriteOutputs(options,
                      {{stem + ".csv", csv},
                       {stem + ".json", MessageToJson(*c)},
                       {stem + ".html", ComparisonToHtml(*c)}},
                      /*charts=*/true, "\n", out, err);
}

int SweepFile(const std::string& file, const v1::SweepSpec& spec,
              const CliOptions& options, std::ostream& lead_out,
              std::ostream& lead_err) {
  Lead lead(options, lead_out, lead_err);
  std::ostream& out = lead.out();
  std::ostream& err = lead.err();
  absl::StatusOr<v1::Scenario> scenario = lead.Load(file);
  if (!scenario.ok()) return 1;
  absl::StatusOr<v1::SweepCurve> curve =
      Sweep(*scenario, spec, EngineOptions(options, options.threads));
  if (!curve.ok()) {
    err << "error: " << file << ": " << curve.status().message() << "\n";
    return 1;
  }
  const std::string axis = SweepAxis(*curve);
  std::string csv =
      "budget,reach_people,reach_pct,reach_3_plus,average_frequency,spend,"
      "impressions,under_delivery,share_of_voice,refused_by_cap,"
      "bought_nothing_more,days\n";
  out << absl::StrFormat("sweep: %s, %s (seed %d, common random numbers)\n",
                         scenario->name(), SweepWhat(*curve), curve->seed());
  out << absl::StrFormat("%14s %12s %8s %12s %6s %14s %14s\n", axis, "reach",
                         "reach %", "3+ reach", "freq", "spend", "impressions");
  for (const v1::SweepPoint& p : curve->points()) {
    const int64_t three = p.reach_k_plus_size() > 2 ? p.reach_k_plus(2) : 0;
    out << absl::StrFormat(
        "%14s %12s %8.2f %12s %6.2f %14s %14s",
        axis == "share" ? absl::StrFormat("%.3f", p.share_of_voice())
                        : Money(SweepValue(*curve, p)),
        Thousands(p.reach_people()), p.reach_pct(), Thousands(three),
        p.average_frequency(), Money(p.spend()), Thousands(p.impressions()));
    // What the budget could not buy: the whole step (bought nothing more)
    // or part of it (undelivered impressions, when 1% or more of what it
    // bought: pacing's own noise is a fraction of that), and what the caps
    // refused.
    std::vector<std::string> why;
    if (p.under_delivery() > 0 && 100 * p.under_delivery() >= p.goal())
      why.push_back(
          absl::StrCat("undelivered ", Thousands(p.under_delivery())));
    if (p.bought_nothing_more() && p.refused_by_cap() > 0)
      why.push_back(absl::StrCat("capped ", Thousands(p.refused_by_cap())));
    if (p.bought_nothing_more()) {
      out << "  bought nothing more";
      if (!why.empty()) out << " (" << absl::StrJoin(why, ", ") << ")";
    } else if (!why.empty()) {
      out << "  " << why.front();
    }
    out << "\n";
    absl::StrAppendFormat(
        &csv, "%s,%d,%s,%d,%s,%s,%d,%d,%s,%d,%d,%d\n", CsvNumber(p.budget()),
        p.reach_people(), CsvNumber(p.reach_pct()), three,
        CsvNumber(p.average_frequency()), CsvNumber(p.spend()), p.impressions(),
        p.under_delivery(), CsvNumber(p.share_of_voice()), p.refused_by_cap(),
        p.bought_nothing_more() ? 1 : 0, p.days());
  }
  if (!Leads(options)) return 0;
  const std::string stem = absl::StrCat(
      options.out_dir, "/", SafeFileName(scenario->name()), ".sweep");
  return WriteOutputs(options,
                      {{stem + ".csv", csv},
                       {stem + ".json", MessageToJson(*curve)},
                       {stem + ".html", SweepToHtml(*curve, scenario->name())}},
                      /*charts=*/true, "", out, err);
}

int OptimizeFile(const std::string& file, const v1::OptimizeOptions& request,
                 const CliOptions& options, std::ostream& lead_out,
                 std::ostream& lead_err) {
  Lead lead(options, lead_out, lead_err);
  std::ostream& out = lead.out();
  std::ostream& err = lead.err();
  absl::StatusOr<v1::Scenario> scenario = lead.Load(file);
  if (!scenario.ok()) return 1;
  // Up to --threads splits run at once, a thread each.
  absl::StatusOr<v1::Optimization> o = OptimizeBudget(
      *scenario, request,
      EngineOptions(options, ConcurrentRuns(*scenario, options)));
  if (!o.ok()) {
    err << "error: " << file << ": " << o.status().message() << "\n";
    return 1;
  }
  const std::string unit = o->platform_units() ? " (platform)" : "";
  out << absl::StrFormat(
      "optimize: %s, %s yuan over %s\n  objective %s%s; %d steps of %s, %d "
      "exchange moves, %d runs (seed %d, common random numbers)\n\n",
      scenario->name(), Money(o->budget()),
      absl::StrJoin(o->placements(), ", "), o->objective(), unit,
      o->greedy_steps(), Money(o->step()), o->exchange_moves(),
      o->evaluations(), o->seed());
  out << absl::StrFormat("%-20s %14s %7s %14s %14s %14s %14s\n", "placement",
                         "budget", "share", "impressions", "spend",
                         "undelivered", "yuan/unit next");
  std::string csv =
      "placement,budget,share,served,spend,under_delivery,saturated,"
      "marginal_cost,days\n";
  for (const v1::AllocationRow& r : o->allocation()) {
    out << absl::StrFormat(
        "%-20s %14s %6.1f%% %14s %14s %14s %14s%s\n", r.placement(),
        Money(r.budget()), 100 * r.share(), Thousands(r.served()),
        Money(r.spend()), Count(r.under_delivery()),
        r.marginal_cost() > 0 ? Figure(r.marginal_cost()) : "-",
        absl::StrCat(r.days() > 0 ? absl::StrCat("  ", r.days(), " days") : "",
                     r.saturated() ? "  saturated" : ""));
    absl::StrAppendFormat(
        &csv, "%s,%s,%s,%d,%s,%d,%d,%s,%d\n", CsvField(r.placement()),
        CsvNumber(r.budget()), CsvNumber(r.share()), r.served(),
        CsvNumber(r.spend()), r.under_delivery(), r.saturated() ? 1 : 0,
        CsvNumber(r.marginal_cost()), r.days());
  }
  out << absl::StrFormat("\n%s%s: %s", o->objective(), unit,
                         Figure(o->objective_value()));
  const v1::Report& report = o->report();
  out << absl::StrFormat(" (reach %s people, %.2f%% of the target",
                         Thousands(report.reach_people()), report.reach_pct());
  if (report.has_platform()) {
    out << absl::StrFormat("; platform: %s",
                           Figure(report.platform().reach_people().value()));
  }
  out << ")\n";
  if (o->saturated()) {
    out << "saturated: another step on any placement buys no more\n";
  } else if (o->marginal_cost_per_reach_point() > 0) {
    out << absl::StrFormat(
        "next step: one more point of reach costs about %s yuan (on %s)\n",
        Money(o->marginal_cost_per_reach_point()), o->marginal_placement());
  }
  if (o->given_allocation_size() > 0) {
    std::vector<std::string> given;
    for (double g : o->given_allocation()) given.push_back(Money(g));
    out << absl::StrFormat(
        "the scenario's own split (%s): %s%s\n", absl::StrJoin(given, " / "),
        Figure(o->given_objective()),
        o->given_kept() ? " (kept: no better split found)" : "");
  }
  std::string frontier = "budget,objective,step,saturated";
  for (const std::string& name : o->placements())
    absl::StrAppend(&frontier, ",", CsvField(name));
  frontier += "\n";
  out << absl::StrFormat("\nfrontier (total budget -> best %s found):\n",
                         o->objective());
  out << absl::StrFormat("%14s %14s  %s\n", "budget", o->objective(),
                         "step to");
  for (const v1::FrontierPoint& f : o->frontier()) {
    out << absl::StrFormat("%14s %14s  %s%s\n", Money(f.budget()),
                           Figure(f.objective()),
                           f.placement().empty() ? "(start)" : f.placement(),
                           f.saturated() ? "  (bought nothing more)" : "");
    absl::StrAppendFormat(&frontier, "%s,%s,%s,%d", CsvNumber(f.budget()),
                          CsvNumber(f.objective()), CsvField(f.placement()),
                          f.saturated() ? 1 : 0);
    for (double b : f.allocation())
      absl::StrAppend(&frontier, ",", CsvNumber(b));
    frontier += "\n";
  }
  if (!Leads(options)) return 0;
  const std::string stem = absl::StrCat(
      options.out_dir, "/", SafeFileName(scenario->name()), ".optimize");
  return WriteOutputs(
      options,
      {{stem + ".csv", csv},
       {stem + "_frontier.csv", frontier},
       {stem + ".json", MessageToJson(*o)},
       {stem + ".html", OptimizationToHtml(*o, scenario->name())}},
      /*charts=*/true, "\n", out, err);
}

int CalibrateFile(const std::string& file, const std::string& observed_csv,
                  v1::CalibrateOptions request, const CliOptions& options,
                  std::ostream& lead_out, std::ostream& lead_err) {
  Lead lead(options, lead_out, lead_err);
  std::ostream& out = lead.out();
  std::ostream& err = lead.err();
  absl::StatusOr<v1::Scenario> scenario = lead.Load(file);
  if (!scenario.ok()) return 1;
  absl::StatusOr<std::string> csv = ReadFile(observed_csv);
  absl::StatusOr<std::vector<v1::ObservedFigure>> observed =
      csv.ok() ? ParseObservedCsv(*csv)
               : absl::StatusOr<std::vector<v1::ObservedFigure>>(csv.status());
  absl::Status ready = PrefixPath(observed_csv, observed.status());
  ready = AgreeStatus(options.cluster, ready);
  if (!ready.ok()) {
    err << "error: " << ready.message() << "\n";
    return 1;
  }
  for (v1::ObservedFigure& f : *observed) *request.add_observed() = f;
  absl::StatusOr<v1::Calibration> c =
      Calibrate(*scenario, request,
                EngineOptions(options, ConcurrentRuns(*scenario, options)));
  if (!c.ok()) {
    err << "error: " << file << ": " << c.status().message() << "\n";
    return 1;
  }
  out << absl::StrFormat(
      "calibrate: %s to %d observed figures, %d parameters\n  "
      "Levenberg-Marquardt: %d iterations, %d runs (seed %d, common random "
      "numbers)%s\n\n",
      scenario->name(), c->residuals_size(), c->parameters_size(),
      c->iterations(), c->evaluations(), scenario->seed(),
      c->converged() ? "" : "; NOT converged (raise --max_iterations)");
  out << absl::StrFormat("%-56s %12s %12s %12s\n", "parameter", "initial",
                         "fitted", "std. error");
  std::string params = "parameter,initial,value,standard_error\n";
  for (const v1::FittedParameter& p : c->parameters()) {
    out << absl::StrFormat("%-56s %12.6g %12.6g %12.3g\n", p.parameter(),
                           p.initial(), p.value(), p.standard_error());
    absl::StrAppendFormat(&params, "%s,%s,%s,%s\n", CsvField(p.parameter()),
                          CsvNumber(p.initial()), CsvNumber(p.value()),
                          CsvNumber(p.standard_error()));
  }
  out << absl::StrFormat("\n%-56s %12s %12s %12s %9s\n", "figure", "observed",
                         "fitted", "std. error", "residual");
  std::string residuals = "figure,observed,fitted,standard_error,residual\n";
  for (const v1::CalibrationResidual& r : c->residuals()) {
    out << absl::StrFormat("%-56s %12.6g %12.6g %12.3g %+9.2f\n", r.figure(),
                           r.observed(), r.fitted(), r.standard_error(),
                           r.residual());
    absl::StrAppendFormat(&residuals, "%s,%s,%s,%s,%s\n", CsvField(r.figure()),
                          CsvNumber(r.observed()), CsvNumber(r.fitted()),
                          CsvNumber(r.standard_error()),
                          CsvNumber(r.residual()));
  }
  out << absl::StrFormat(
      "\nchi-square %.4g on %d degrees of freedom (p = %.3g)\n",
      c->chi_square(), c->degrees_of_freedom(), c->p_value());
  if (!Leads(options)) return 0;
  const std::string stem =
      absl::StrCat(options.out_dir, "/", SafeFileName(scenario->name()));
  std::string text;
  google::protobuf::TextFormat::PrintToString(c->calibrated(), &text);
  // The calibrated scenario is the .textproto beside it (written with its
  // maps in key order; the JSON printer's order of map entries may differ
  // from process to process).
  v1::Calibration without_scenario = *c;
  without_scenario.clear_calibrated();
  return WriteOutputs(
      options,
      {{stem + ".calibrated.textproto",
        absl::StrCat("# Calibrated by aiotreach calibrate to ", observed_csv,
                     " (chi-square ", FormatValue(c->chi_square()), " on ",
                     c->degrees_of_freedom(), " degrees of freedom).\n", text)},
       {stem + ".calibration.csv", params},
       {stem + ".residuals.csv", residuals},
       {stem + ".calibration.json", MessageToJson(without_scenario)}},
      /*charts=*/false, "\n", out, err);
}

}  // namespace aiotreach
