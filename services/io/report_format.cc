#include "services/io/report_format.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/util/json_util.h"

namespace aiotreach {
namespace {

std::string Num(double v) { return CsvNumber(v); }

void AppendRows(
    const char* breakdown,
    const google::protobuf::RepeatedPtrField<v1::BreakdownRow>& rows,
    std::string* out) {
  for (const v1::BreakdownRow& r : rows) {
    absl::StrAppend(out, breakdown, ",", CsvField(r.name()), ",",
                    r.impressions(), ",", r.exposures(), ",", r.reach_people(),
                    ",", Num(r.reach_pct()), ",", r.exclusive_reach(), ",",
                    r.incremental_reach(), ",", Num(r.average_frequency()), ",",
                    r.devices(), ",", r.reach_devices(), ",",
                    Num(r.viewers_per_impression()), "\n");
  }
}

}  // namespace

double ProjectionScale(const v1::Report& report) {
  if (!report.has_platform()) return 0;
  const double f = report.platform().sample_fraction();
  return f > 0 && f < 1 ? 1.0 / f : 0;
}

double ProjectedCount(double n, double scale) {
  return scale > 0 ? std::round(n * scale) : n;
}

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string JsonString(absl::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '<':
        out += "\\u003c";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          absl::StrAppendFormat(&out, "\\u%04x", c);
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string CsvNumber(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (v == std::trunc(v) && std::fabs(v) < 1e15)
    return absl::StrCat(static_cast<int64_t>(v));
  // The fewest significant digits that read back as v.
  int digits = 1;
  std::string s;
  for (; digits <= 17; ++digits) {
    s = absl::StrFormat("%.*g", digits, v);
    double back = 0;
    if (absl::SimpleAtod(s, &back) && back == v) break;
  }
  if (s.find_first_of("eE") == std::string::npos) return s;
  // Written with an exponent: the same digits as plain decimals.
  const int exponent = static_cast<int>(std::floor(std::log10(std::fabs(v))));
  return absl::StrFormat("%.*f", std::max(0, digits - 1 - exponent), v);
}

std::string MessageToJson(const google::protobuf::Message& message,
                          bool indented) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = indented;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  std::string json;
  // Printing a valid message cannot fail.
  google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
}

std::string FrequencyCsv(const v1::Report& report) {
  std::string out = "frequency,people,reach_k_plus\n";
  const int f = report.frequency_histogram_size();
  for (int i = 0; i < f; ++i) {
    absl::StrAppend(&out, i + 1, i + 1 == f ? "+" : "", ",",
                    report.frequency_histogram(i), ",",
                    // A report from elsewhere may list fewer k+ figures
                    // (found by the report fuzzer).
                    i < report.reach_k_plus_size() ? report.reach_k_plus(i) : 0,
                    "\n");
  }
  return out;
}

std::string DailyCsv(const v1::Report& report) {
  std::string out =
      "day,impressions,exposures,new_reach_people,cumulative_reach_people,"
      "cumulative_reach_pct,cumulative_reach_households,refused_by_cap";
  for (const v1::BreakdownRow& p : report.placements())
    absl::StrAppend(&out, ",", CsvField("impressions_" + p.name()));
  out += "\n";
  for (const v1::DailyRow& d : report.daily()) {
    absl::StrAppend(&out, d.day(), ",", d.impressions(), ",", d.exposures(),
                    ",", d.new_reach_people(), ",", d.cumulative_reach_people(),
                    ",", Num(d.cumulative_reach_pct()), ",",
                    d.cumulative_reach_households(), ",", d.refused_by_cap());
    for (int64_t n : d.placement_impressions()) absl::StrAppend(&out, ",", n);
    out += "\n";
  }
  return out;
}

std::string WeeklyCsv(const v1::Report& report) {
  std::string out =
      "week,first_day,days,impressions,exposures,reach_people,reach_pct,"
      "average_frequency,new_reach_people,cumulative_reach_people,"
      "cumulative_reach_pct\n";
  for (const v1::WeeklyRow& w : report.weekly()) {
    absl::StrAppend(&out, w.week(), ",", w.first_day(), ",", w.days(), ",",
                    w.impressions(), ",", w.exposures(), ",", w.reach_people(),
                    ",", Num(w.reach_pct()), ",", Num(w.average_frequency()),
                    ",", w.new_reach_people(), ",", w.cumulative_reach_people(),
                    ",", Num(w.cumulative_reach_pct()), "\n");
  }
  return out;
}

std::string AudiencesCsv(const v1::Report& report) {
  std::string out =
      "attribute,category,people,reach_people,reach_pct,exposures,"
      "average_frequency,grp";
  const int f = report.frequency_histogram_size();
  for (int k = 1; k <= f; ++k) absl::StrAppend(&out, ",reach_", k, "_plus");
  out += "\n";
  for (const v1::AudienceRow& a : report.audiences()) {
    absl::StrAppend(&out, CsvField(a.attribute()), ",", CsvField(a.category()),
                    ",", a.people(), ",", a.reach_people(), ",",
                    Num(a.reach_pct()), ",", a.exposures(), ",",
                    Num(a.average_frequency()), ",", Num(a.grp()));
    for (int k = 0; k < f; ++k) {
      absl::StrAppend(&out, ",",
                      k < a.reach_k_plus_size() ? a.reach_k_plus(k) : 0);
    }
    out += "\n";
  }
  return out;
}

std::string DeliveryCsv(const v1::Report& report) {
  std::string out =
      "placement,buying,won,served,refused_by_cap,goal,under_delivery,"
      "under_delivery_pct,over_delivery,budget,spend,cost_per_reached_person,"
      "interactions,voice_follow_ups,conversions_last_touch,"
      "conversions_even_split,cost_per_conversion\n";
  for (const v1::PlacementDelivery& d : report.delivery()) {
    absl::StrAppend(&out, CsvField(d.name()), ",", d.buying(), ",", d.won(),
                    ",", d.served(), ",", d.refused_by_cap(), ",", d.goal(),
                    ",", d.under_delivery(), ",", Num(d.under_delivery_pct()),
                    ",", d.over_delivery(), ",", Num(d.budget()), ",",
                    Num(d.spend()), ",", Num(d.cost_per_reached_person()), ",",
                    d.interactions(), ",", d.voice_follow_ups(), ",",
                    d.conversions_last_touch(), ",",
                    Num(d.conversions_even_split()), ",",
                    Num(d.cost_per_conversion()), "\n");
  }
  return out;
}

std::string PlacementsCsv(const v1::Report& report) {
  std::string out =
      "breakdown,name,impressions,exposures,reach_people,reach_pct,exclusive_"
      "reach,"
      "incremental_reach,average_frequency,devices,reach_devices,viewers_per_"
      "impression\n";
  AppendRows("placement", report.placements(), &out);
  AppendRows("device_type", report.device_types(), &out);
  return out;
}

std::string StreamsCsv(const v1::Report& report) {
  std::string out =
      "stream,day,start_minute,duration_minutes,fans,can_watch,"
      "unique_viewers,fan_viewers,sessions,viewer_minutes,peak_concurrent,"
      "peak_minute,mean_session_minutes,median_session_minutes,likes,"
      "new_followers,sharers,share_messages,share_clicks,share_arrivals,"
      "casts,stream_only,campaign_only,both,union_reach,union_reach_pct\n";
  for (const v1::StreamReport& s : report.live_streams()) {
    const v1::StreamAndCampaign& c = s.with_campaign();
    absl::StrAppend(
        &out, CsvField(s.name()), ",", s.day(), ",", Num(s.start_minute()), ",",
        Num(s.duration_minutes()), ",", s.fans(), ",", s.can_watch(), ",",
        s.unique_viewers(), ",", s.fan_viewers(), ",", s.sessions(), ",",
        Num(s.viewer_minutes()), ",", s.peak_concurrent(), ",", s.peak_minute(),
        ",", Num(s.mean_session_minutes()), ",",
        Num(s.median_session_minutes()), ",", s.likes(), ",", s.new_followers(),
        ",", s.sharers(), ",", s.share_messages(), ",", s.share_clicks(), ",",
        s.share_arrivals(), ",", s.casts(), ",", c.stream_only(), ",",
        c.campaign_only(), ",", c.both(), ",", c.union_reach(), ",",
        Num(c.union_reach_pct()), "\n");
  }
  return out;
}

std::string StreamMinutesCsv(const v1::Report& report) {
  std::string out =
      "stream,minute,concurrent,mean_concurrent,arrivals,cumulative_viewers,"
      "likes\n";
  for (const v1::StreamReport& s : report.live_streams()) {
    const std::string name = CsvField(s.name());
    for (const v1::StreamMinute& m : s.minutes()) {
      absl::StrAppend(&out, name, ",", m.minute(), ",", m.concurrent(), ",",
                      Num(m.mean_concurrent()), ",", m.arrivals(), ",",
                      m.cumulative_viewers(), ",", m.likes(), "\n");
    }
  }
  return out;
}

namespace {

// One CSV record's fields from `csv` at `*pos` (RFC 4180 quotes); advances
// past its line end. False at the end of input.
bool NextRecord(absl::string_view csv, size_t* pos,
                std::vector<std::string>* fields) {
  fields->clear();
  if (*pos >= csv.size()) return false;
  std::string field;
  bool quoted = false;
  while (*pos < csv.size()) {
    const char c = csv[(*pos)++];
    if (quoted) {
      if (c == '"' && *pos < csv.size() && csv[*pos] == '"') {
        field += '"';
        ++*pos;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields->push_back(field);
      field.clear();
    } else if (c == '\n') {
      break;
    } else if (c != '\r') {
      field += c;
    }
  }
  fields->push_back(field);
  return true;
}

}  // namespace

absl::StatusOr<std::vector<v1::ObservedFigure>> ParseObservedCsv(
    absl::string_view csv) {
  size_t pos = 0;
  std::vector<std::string> header, row;
  if (!NextRecord(csv, &pos, &header)) {
    return absl::InvalidArgumentError(
        "empty: expected a header row figure,value[,standard_error]");
  }
  int figure = -1, value = -1, se = -1;
  for (size_t i = 0; i < header.size(); ++i) {
    const std::string name(absl::StripAsciiWhitespace(header[i]));
    if (name == "figure") figure = static_cast<int>(i);
    if (name == "value") value = static_cast<int>(i);
    if (name == "standard_error") se = static_cast<int>(i);
  }
  if (figure < 0 || value < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "line 1: the header needs columns figure and value (and optionally "
        "standard_error), got '",
        absl::StrJoin(header, ","), "'"));
  }
  std::vector<v1::ObservedFigure> out;
  for (int line = 2; NextRecord(csv, &pos, &row); ++line) {
    if (row.size() == 1 && absl::StripAsciiWhitespace(row[0]).empty())
      continue;  // a blank line
    if (row.size() != header.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", line, ": ", row.size(),
                       " fields, the header has ", header.size()));
    }
    v1::ObservedFigure f;
    f.set_figure(std::string(absl::StripAsciiWhitespace(row[figure])));
    for (const auto& [column, name] :
         {std::pair{value, "value"}, std::pair{se, "standard_error"}}) {
      if (column < 0) continue;
      double v = 0.0;
      const absl::string_view text = absl::StripAsciiWhitespace(row[column]);
      if (text.empty() && column == se) continue;
      if (!absl::SimpleAtod(text, &v)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "line ", line, ": ", name, " '", text, "' is not a number"));
      }
      if (column == value) {
        f.set_value(v);
      } else {
        f.set_standard_error(v);
      }
    }
    out.push_back(std::move(f));
  }
  if (out.empty()) return absl::InvalidArgumentError("no observed figures");
  return out;
}

}  // namespace aiotreach
