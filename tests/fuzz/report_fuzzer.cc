// Fuzz target: the report writers (JSON, the CSV tables, the HTML page)
// over a Report of arbitrary bytes (binary protobuf), with the scenario
// that a real run would carry. Any report the schema can hold must render.
#include <cstddef>
#include <cstdint>

#include "aiotreach/v1/report.pb.h"
#include "aiotreach/v1/scenario.pb.h"
#include "services/io/html_report.h"
#include "services/io/report_format.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  aiotreach::v1::Report report;
  if (!report.ParseFromArray(data, static_cast<int>(size))) return 0;
  aiotreach::v1::Scenario scenario;
  scenario.set_name(report.scenario());
  size_t total = aiotreach::ReportToJson(report).size();
  total += aiotreach::FrequencyCsv(report).size();
  total += aiotreach::DailyCsv(report).size();
  total += aiotreach::DeliveryCsv(report).size();
  total += aiotreach::PlacementsCsv(report).size();
  total += aiotreach::StreamsCsv(report).size();
  total += aiotreach::StreamMinutesCsv(report).size();
  total += aiotreach::ReportToHtml(report, scenario).size();
  return total > 0 ? 0 : 0;
}
