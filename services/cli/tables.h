// The CLI's tables: thousands separators, money, the row printed for each
// scenario of a batch, and the notes under it (missed goals, caps at work,
// follow-ups).
//
//   out << absl::StrFormat(kRowFormat, "scenario", "target", ...);
//   Notes(report, out);
#ifndef AIOTREACH_SERVICES_CLI_TABLES_H_
#define AIOTREACH_SERVICES_CLI_TABLES_H_

#include <cstdint>
#include <ostream>
#include <string>

#include "aiotreach/v1/report.pb.h"

namespace aiotreach {

// The batch table's columns: scenario, target, reached, reach %, freq,
// spend, yuan/rch, interact, convert, seconds; wide enough for the whole
// platform in platform units (people and yuan to 9,999,999,999).
inline constexpr char kRowFormat[] =
    "%-26s %13s %13s %7s %5s %13s %9s %11s %11s %7s\n";

// 1234567 -> "1,234,567".
std::string Thousands(int64_t v);
// Money and counts for the table: "-" for nothing.
std::string Money(double yuan);
std::string Count(int64_t n);
// A figure of the compare and optimizer tables, never with an exponent:
// whole numbers with separators (27,250), above 1,000 one decimal
// (27,250.4), below it 4 significant digits (72.56, 0.000005244).
std::string Figure(double v);

// A placement that missed its goal by 1% or more (pacing's own noise is
// a fraction of that): the notes and summary.csv's warnings name it.
inline bool MissedGoal(const v1::PlacementDelivery& d) {
  return d.under_delivery_pct() >= 1.0;
}

// What the table's row cannot show: goals missed by 1% or more (pacing's
// own noise is a fraction of that), caps at work, follow-ups, and a line
// per live stream.
void Notes(const v1::Report& r, std::ostream& out);

// The figures of a summary row: the sample's, or with platform units
// (Report.platform) the whole platform's, projected.
struct Headline {
  bool platform = false;
  double target_people = 0;
  double reach_people = 0;
  double reach_people_se = 0;  // platform units only
  double spend = 0;
  double interactions = 0;
  double conversions = 0;
  double cost_per_reached_person() const {
    return reach_people > 0 ? spend / reach_people : 0.0;
  }
};
Headline HeadlineOf(const v1::Report& r);

}  // namespace aiotreach

#endif  // AIOTREACH_SERVICES_CLI_TABLES_H_
