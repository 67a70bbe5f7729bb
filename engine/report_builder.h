// Turns a simulation's Tally into the public Report (docs/REPORT.md).
//
// All figures are derived from the Tally's integer counters at the end, so
// the report is a pure function of the Tally.
#ifndef AIOTREACH_ENGINE_REPORT_BUILDER_H_
#define AIOTREACH_ENGINE_REPORT_BUILDER_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "aiotreach/v1/report.pb.h"
#include "engine/campaign.h"
#include "engine/ecosystem.h"
#include "engine/tally.h"

namespace aiotreach {

inline constexpr char kEngineVersion[] = "0.2.0";

// `timed`: the run placed opportunities in time (the day-by-day path), so
// hourly impressions are known.
v1::Report BuildReport(const std::string& scenario_name, uint64_t seed,
                       const Ecosystem& ecosystem, const Campaign& campaign,
                       const Tally& tally, bool timed);

// A headline figure of a report, by its Report field name ("reach_3_plus":
// reach_k_plus for k = 3), and how to read it.
struct HeadlineFigure {
  const char* name;
  double (*get)(const v1::Report&);
};

// The figures replicate intervals are given for, in report order:
// reach_people, reach_pct, reach_households, reach_3_plus, impressions,
// exposures, average_frequency, grp, spend, cost_per_reached_person,
// interactions, conversions.
const std::vector<HeadlineFigure>& HeadlineFigures();
// The one called `name`, or null.
const HeadlineFigure* FindHeadlineFigure(absl::string_view name);

// A live stream's headline figure, by its StreamReport field name
// ("union_reach": with_campaign.union_reach). A report names it
// live_streams[<stream name>].<name>.
struct StreamFigure {
  const char* name;
  double (*get)(const v1::StreamReport&);
};
// unique_viewers, peak_concurrent, viewer_minutes, likes, new_followers,
// share_arrivals, union_reach.
const std::vector<StreamFigure>& StreamFigures();
// "live_streams[<stream>].<figure>".
std::string StreamFigureName(absl::string_view stream,
                             absl::string_view figure);

// Sets report->uncertainty from the reports of R >= 2 replicates: for each
// headline figure, the mean, the standard deviation between replicates,
// and the 95% Student-t interval for the mean, mean +- t(0.975, R - 1) *
// sd / sqrt(R).
void AddUncertainty(const std::vector<v1::Report>& replicates,
                    v1::Report* report);

// The 0.975 quantile of Student's t with `df` >= 1 degrees of freedom:
// tabulated to 30, the Cornish-Fisher expansion beyond (error < 1e-5).
double StudentT975(int df);

}  // namespace aiotreach

#endif  // AIOTREACH_ENGINE_REPORT_BUILDER_H_
