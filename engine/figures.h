// Any number of a report, by a name: what calibration matches to observed
// figures.
//
//   FigureValue(report, "reach_pct")                          // headline
//   FigureValue(report, "reach_5_plus")                       // k+ reach
//   FigureValue(report, "placements[tv_boot].reach_pct")      // a row
//   FigureValue(report, "device_types[tv].viewers_per_impression")
//   FigureValue(report, "placement_overlap[tv_boot,phone_splash].reach_both")
//   FigureValue(report, "daily[7].cumulative_reach_pct")      // day 7
//   FigureValue(report, "weekly[2].reach_people")             // week 2
//   FigureValue(report, "audiences[age_band=18-34].reach_pct")
//   FigureValue(report, "live_streams[launch].with_campaign.union_reach")
//   FigureValue(report, "reach_k_plus[3]")                    // k = 3
//   FigureValue(report, "universe.people")
//
// A name is a path of Report fields, separated by dots. A list of rows
// takes its row's key in brackets: the row's name (placements,
// device_types, delivery, caps, live_streams, retargeting by placement),
// the day or week number (daily, weekly), attribute=category (audiences),
// or a,b (the overlaps). A list of numbers takes k (reach_k_plus), f
// (frequency_histogram) or the hour 0..23 (hourly_impressions). The path
// ends at a number.
#ifndef AIOTREACH_ENGINE_FIGURES_H_
#define AIOTREACH_ENGINE_FIGURES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "aiotreach/v1/report.pb.h"
#include "google/protobuf/descriptor.h"

namespace aiotreach {

// Splits a dotted path at the dots outside brackets ("a[x.y].b" is "a[x.y]",
// "b").
std::vector<absl::string_view> SplitFieldPath(absl::string_view path);

// One part of such a path: a field's name and, in brackets, a key.
struct FieldPathPart {
  std::string field;
  std::string key;
  bool keyed = false;
};
// InvalidArgument "'part' has no closing ]".
absl::StatusOr<FieldPathPart> ParseFieldPathPart(absl::string_view part);
// The field `name` of `type`; NotFound "'name' is not a field of Type
// (fields: a, b, ...)".
absl::StatusOr<const google::protobuf::FieldDescriptor*> FieldOf(
    const google::protobuf::Descriptor& type, absl::string_view name);

// NotFound naming the figure and what is known where the path went wrong
// (the rows of a list, the fields of a message).
absl::StatusOr<double> FigureValue(const v1::Report& report,
                                   absl::string_view name);

}  // namespace aiotreach

#endif  // AIOTREACH_ENGINE_FIGURES_H_
