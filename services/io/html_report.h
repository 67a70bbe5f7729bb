// Self-contained HTML pages for reports and sweep curves: inline SVG charts
// drawn here, a few lines of CSS, no external file or network, so a page
// opens offline anywhere.
//
//   WriteFileAtomically("out/x.html", ReportToHtml(report, scenario));
//
// Each chart is an <svg class="chart" id="..."> whose bars are
// <rect class="bar"> and whose points are <circle class="point">; a small
// inline script counts them into <pre id="self-check"> as JSON and sets
// <body data-ready="yes">, which the headless-browser test reads.
#ifndef AIOTREACH_SERVICES_IO_HTML_REPORT_H_
#define AIOTREACH_SERVICES_IO_HTML_REPORT_H_

#include <string>

#include "aiotreach/v1/report.pb.h"
#include "aiotreach/v1/scenario.pb.h"
#include "aiotreach/v1/whatif.pb.h"

namespace aiotreach {

// Headline figures; charts of the frequency histogram, daily cumulative
// reach, reach by device type and by placement; the placement overlap
// matrix; delivery; the scenario as run (text format).
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

// The optimizer's result: the frontier (best objective against total
// budget), the allocation and the optimum's figures.
std::string OptimizationToHtml(const v1::Optimization& o,
                               const std::string& scenario_name);

}  // namespace aiotreach

#endif  // AIOTREACH_SERVICES_IO_HTML_REPORT_H_
