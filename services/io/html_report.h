// HTML pages for reports, sweep curves and the optimizer: tables, a few
// lines of CSS, and charts drawn by Apache ECharts (vendored, see
// third_party/echarts) from the file kChartLibrary beside the page, which
// WriteChartLibrary puts there; nothing is loaded from the network, so a
// page opens offline anywhere (with the library file beside it).
//
//   WriteFileAtomically("out/x.html", ReportToHtml(report, scenario));
//   WriteChartLibrary("out");
//
// Each chart is a <div class="chart" id="..."> and its ECharts option; the
// page's script draws them, counts each chart's bars and line points (of
// its first line) into <pre id="self-check"> as JSON and sets
// <body data-ready="yes">, which the headless-browser test reads.
#ifndef AIOTREACH_SERVICES_IO_HTML_REPORT_H_
#define AIOTREACH_SERVICES_IO_HTML_REPORT_H_

#include <string>

#include "absl/status/status.h"
#include "aiotreach/v1/report.pb.h"
#include "aiotreach/v1/scenario.pb.h"
#include "aiotreach/v1/whatif.pb.h"

namespace aiotreach {

// The chart library's file name, as pages refer to it.
inline constexpr char kChartLibrary[] = "echarts.common.min.js";

// Writes the chart library into `dir` (unless it is there already, the
// same), so that the pages written there draw their charts.
absl::Status WriteChartLibrary(const std::string& dir);

// Headline figures (with 95% intervals when there are replicates); charts
// of the frequency histogram, daily cumulative reach, reach by device type
// and by placement; exclusive and incremental reach; the placement overlap
// matrix; delivery with goals, budgets and under-delivery; caps with their
// refusals and waste; voice follow-ups; weeks and audiences; platform
// units; live streams; the scenario as run (text format). Interactions
// and conversions only when the scenario has them.
std::string ReportToHtml(const v1::Report& report,
                         const v1::Scenario& scenario);

// What a sweep moved, in words ("tv_boot budget", "total budget split
// tv_boot 40%, phone_splash 60%", "tv_boot share of voice", "tv_boot days
// bought (the first k of the flight)"), the name of its values ("budget",
// "share", "days") and a point's value.
std::string SweepWhat(const v1::SweepCurve& curve);
std::string SweepAxis(const v1::SweepCurve& curve);
double SweepValue(const v1::SweepCurve& curve, const v1::SweepPoint& point);

// The reach curve (reach and 3+ reach against budget) and its table.
std::string SweepToHtml(const v1::SweepCurve& curve,
                        const std::string& scenario_name);

// A comparison: people reached by each scenario, cumulative reach by day
// (a line a scenario) and each variant's deltas (with intervals when there
// are replicates).
std::string ComparisonToHtml(const v1::Comparison& c);

// The optimizer's result: the frontier (best objective against total
// budget), the allocation and the optimum's figures.
std::string OptimizationToHtml(const v1::Optimization& o,
                               const std::string& scenario_name);

}  // namespace aiotreach

#endif  // AIOTREACH_SERVICES_IO_HTML_REPORT_H_
