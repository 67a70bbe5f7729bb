// Turns a simulation's Tally into the public Report (docs/REPORT.md).
//
// All figures are derived from the Tally's integer counters at the end, so
// the report is a pure function of the Tally.
#ifndef AIOTREACH_ENGINE_REPORT_BUILDER_H_
#define AIOTREACH_ENGINE_REPORT_BUILDER_H_

#include <string>

#include "aiotreach/v1/report.pb.h"
#include "engine/campaign.h"
#include "engine/ecosystem.h"
#include "engine/tally.h"

namespace aiotreach {

inline constexpr char kEngineVersion[] = "0.1.0";

v1::Report BuildReport(const std::string& scenario_name, uint64_t seed,
                       const Ecosystem& ecosystem, const Campaign& campaign,
                       const Tally& tally);

}  // namespace aiotreach

#endif  // AIOTREACH_ENGINE_REPORT_BUILDER_H_
