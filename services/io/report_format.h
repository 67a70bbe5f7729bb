// Renders a Report as files: proto3 JSON with the schema's field names,
// and CSV tables (frequency histogram, daily curve, breakdowns).
//
//   std::string json = ReportToJson(report);
//   std::string csv = FrequencyCsv(report);
#ifndef AIOTREACH_SERVICES_IO_REPORT_FORMAT_H_
#define AIOTREACH_SERVICES_IO_REPORT_FORMAT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "aiotreach/v1/report.pb.h"
#include "aiotreach/v1/whatif.pb.h"
#include "google/protobuf/message.h"

namespace aiotreach {

// Proto3 JSON, indented (or on one line, for HTTP answers and streams);
// field names as in the .proto (snake_case); fields at their default
// values are printed too. 64-bit integers are quoted strings, as the
// proto3 JSON mapping requires.
std::string MessageToJson(const google::protobuf::Message& message,
                          bool indented = true);
inline std::string ReportToJson(const v1::Report& report) {
  return MessageToJson(report);
}

// A JSON string literal, safe inside an HTML <script> too: quotes,
// backslashes and control characters escaped, '<' written \u003c.
std::string JsonString(absl::string_view s);

// A number for a CSV file: the shortest decimal that reads back as the
// same double (1499.14, not 1499.1399999999999), integers without a
// decimal point (1000000, not 1e+06), and never an exponent.
std::string CsvNumber(double v);

// A CSV field: quoted (with quotes doubled) when it holds a comma, quote or
// newline.
std::string CsvField(const std::string& s);

// What a count of the report's sample is multiplied by to give the
// platform's (1 / the sample fraction) for a report in platform units
// projected from a sample; 0 for any other report.
double ProjectionScale(const v1::Report& report);
// A count of the sample as the platform's, rounded, with `scale` from
// ProjectionScale; the count as it is when the scale is 0.
double ProjectedCount(double n, double scale);

// frequency,people,reach_k_plus — one row per bucket 1..F (the last F+).
std::string FrequencyCsv(const v1::Report& report);

// day,impressions,exposures,new_reach_people,cumulative_reach_people,...
std::string DailyCsv(const v1::Report& report);

// breakdown,name,impressions,... — placements, then device types.
// One row per placement: how it was bought and delivered, spend,
// interactions and conversions.
std::string DeliveryCsv(const v1::Report& report);
// One row per calendar week (Report.weekly).
std::string WeeklyCsv(const v1::Report& report);
// One row per audience category (Report.audiences), with its k+ reach for
// k = 1..F as columns reach_1_plus ... reach_F_plus.
std::string AudiencesCsv(const v1::Report& report);

std::string PlacementsCsv(const v1::Report& report);
// Live streams: one row per stream (headline figures and the deduplicated
// reach with the campaign), and the per-minute curves of every stream.
std::string StreamsCsv(const v1::Report& report);
std::string StreamMinutesCsv(const v1::Report& report);

// Observed figures for calibration from CSV with a header row naming the
// columns figure, value and (optionally) standard_error, in any order;
// quoted fields as RFC 4180. InvalidArgument naming the line and column:
// a missing column, a number that does not parse, a row of the wrong
// length, no rows.
absl::StatusOr<std::vector<v1::ObservedFigure>> ParseObservedCsv(
    absl::string_view csv);

}  // namespace aiotreach

#endif  // AIOTREACH_SERVICES_IO_REPORT_FORMAT_H_
