#include "services/io/html_report.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/text_format.h"

namespace aiotreach {
namespace {

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string Number(double v) {
  if (std::fabs(v) >= 100 || v == std::floor(v)) {
    std::string digits = absl::StrFormat("%.0f", std::fabs(v));
    std::string out;
    for (size_t i = 0; i < digits.size(); ++i) {
      if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
      out += digits[i];
    }
    return v < 0 ? "-" + out : out;
  }
  return absl::StrFormat("%.3g", v);
}

constexpr int kWidth = 640;
constexpr int kHeight = 220;
constexpr int kLeft = 64;
constexpr int kBottom = 36;
constexpr int kTop = 12;
constexpr int kRight = 12;

// The frame of a chart: y axis with max and half, and the svg element.
std::string Frame(const std::string& id, double max_y, const std::string& body,
                  const std::string& x_title) {
  const int plot_h = kHeight - kTop - kBottom;
  std::string svg = absl::StrFormat(
      "<svg class=\"chart\" id=\"%s\" viewBox=\"0 0 %d %d\" width=\"%d\" "
      "height=\"%d\" role=\"img\">",
      id, kWidth, kHeight, kWidth, kHeight);
  for (int k = 0; k <= 2; ++k) {
    const double y = kTop + plot_h * (1.0 - k / 2.0);
    absl::StrAppendFormat(
        &svg,
        "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>"
        "<text x=\"%d\" y=\"%.1f\" class=\"axis\" "
        "text-anchor=\"end\">%s</text>",
        kLeft, kWidth - kRight, y, y, kLeft - 6, y + 4,
        Number(max_y * k / 2.0));
  }
  absl::StrAppendFormat(&svg,
                        "<text x=\"%d\" y=\"%d\" class=\"axis\" "
                        "text-anchor=\"middle\">%s</text>",
                        (kLeft + kWidth - kRight) / 2, kHeight - 4,
                        Escape(x_title));
  return svg + body + "</svg>";
}

// A bar chart: one <rect class="bar"> per value.
std::string Bars(const std::string& id, const std::vector<std::string>& labels,
                 const std::vector<double>& values,
                 const std::string& x_title) {
  const double max_y =
      std::max(1.0, *std::max_element(values.begin(), values.end()));
  const int n = static_cast<int>(values.size());
  const double slot = static_cast<double>(kWidth - kLeft - kRight) / n;
  const int plot_h = kHeight - kTop - kBottom;
  const int label_every = std::max(1, n / 16);
  std::string body;
  for (int i = 0; i < n; ++i) {
    const double h = plot_h * values[i] / max_y;
    const double x = kLeft + slot * i + slot * 0.15;
    absl::StrAppendFormat(
        &body,
        "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
        "height=\"%.1f\"><title>%s: %s</title></rect>",
        x, kTop + plot_h - h, slot * 0.7, h, Escape(labels[i]),
        Number(values[i]));
    if (i % label_every == 0) {
      absl::StrAppendFormat(&body,
                            "<text x=\"%.1f\" y=\"%d\" class=\"axis\" "
                            "text-anchor=\"middle\">%s</text>",
                            x + slot * 0.35, kHeight - kBottom + 14,
                            Escape(labels[i]));
    }
  }
  return Frame(id, max_y, body, x_title);
}

// A line chart: a polyline through one <circle class="point"> per value.
std::string Line(const std::string& id, const std::vector<double>& xs,
                 const std::vector<double>& ys, const std::string& x_title,
                 const std::vector<double>& second = {}) {
  double max_y = 1.0;
  for (double y : ys) max_y = std::max(max_y, y);
  const double x_lo = xs.front(), x_hi = std::max(xs.back(), xs.front() + 1e-9);
  const int plot_w = kWidth - kLeft - kRight - 12;
  const int plot_h = kHeight - kTop - kBottom;
  auto px = [&](double x) {
    return kLeft + 6 +
           plot_w * (xs.size() == 1 ? 0.5 : (x - x_lo) / (x_hi - x_lo));
  };
  auto py = [&](double y) { return kTop + plot_h * (1.0 - y / max_y); };
  std::string body;
  for (const auto* series : {&ys, &second}) {
    if (series->empty()) continue;
    const bool main = series == &ys;
    std::string points;
    for (size_t i = 0; i < series->size(); ++i)
      absl::StrAppendFormat(&points, "%.1f,%.1f ", px(xs[i]), py((*series)[i]));
    absl::StrAppendFormat(&body, "<polyline class=\"%s\" points=\"%s\"/>",
                          main ? "line" : "line second", points);
    if (!main) continue;
    for (size_t i = 0; i < series->size(); ++i) {
      absl::StrAppendFormat(
          &body,
          "<circle class=\"point\" cx=\"%.1f\" cy=\"%.1f\" r=\"3\">"
          "<title>%s: %s</title></circle>",
          px(xs[i]), py((*series)[i]), Number(xs[i]), Number((*series)[i]));
    }
  }
  const int label_every = std::max<int>(1, static_cast<int>(xs.size()) / 10);
  for (size_t i = 0; i < xs.size(); i += label_every) {
    absl::StrAppendFormat(&body,
                          "<text x=\"%.1f\" y=\"%d\" class=\"axis\" "
                          "text-anchor=\"middle\">%s</text>",
                          px(xs[i]), kHeight - kBottom + 14, Number(xs[i]));
  }
  return Frame(id, max_y, body, x_title);
}

constexpr char kStyle[] = R"(
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px auto; max-width: 980px; color: #1d2430; }
h1 { margin-bottom: 0; } .sub { color: #5a6472; margin-top: 4px; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; margin: 16px 0; }
.card { border: 1px solid #d8dee6; border-radius: 8px; padding: 8px 12px; min-width: 120px; }
.card b { display: block; font-size: 20px; } .card span { color: #5a6472; font-size: 12px; }
svg.chart { display: block; margin: 8px 0 20px; }
.bar { fill: #3c78d8; } .line { fill: none; stroke: #3c78d8; stroke-width: 2; }
.line.second { stroke: #e69138; stroke-dasharray: 4 3; } .point { fill: #1c4587; }
.grid { stroke: #e3e8ee; } .axis { font-size: 11px; fill: #5a6472; }
table { border-collapse: collapse; margin: 8px 0 20px; } td, th { border: 1px solid #d8dee6; padding: 4px 8px; text-align: right; }
th:first-child, td:first-child { text-align: left; } pre { background: #f5f7fa; padding: 12px; overflow: auto; }
#self-check { display: none; }
)";

// Counts each chart's bars and points into #self-check and marks the page
// ready: a script error leaves data-ready unset.
constexpr char kSelfCheck[] = R"(<script>
(function () {
  var counts = {};
  document.querySelectorAll('svg.chart').forEach(function (svg) {
    counts[svg.id] = {bars: svg.querySelectorAll('rect.bar').length,
                      points: svg.querySelectorAll('circle.point').length};
  });
  document.getElementById('self-check').textContent = JSON.stringify(counts);
  document.body.setAttribute('data-ready', 'yes');
})();
</script>)";

std::string Page(const std::string& title, const std::string& body) {
  return absl::StrCat(
      "<!doctype html>\n<html lang=\"en\"><head><meta "
      "charset=\"utf-8\"><title>",
      Escape(title), "</title><style>", kStyle, "</style></head>\n<body>\n",
      body, "<pre id=\"self-check\"></pre>\n", kSelfCheck,
      "\n</body></html>\n");
}

std::string Card(const std::string& label, const std::string& value) {
  return absl::StrCat("<div class=\"card\"><b>", Escape(value), "</b><span>",
                      Escape(label), "</span></div>");
}

// Each live stream: its figures, the concurrency and cumulative curves,
// arrivals by channel.
std::string StreamsHtml(const v1::Report& r) {
  std::string body;
  for (int k = 0; k < r.live_streams_size(); ++k) {
    const v1::StreamReport& s = r.live_streams(k);
    const v1::StreamAndCampaign& c = s.with_campaign();
    absl::StrAppend(&body, "<h2>Live stream ", Escape(s.name()), " (day ",
                    s.day(), ", ", Number(s.duration_minutes()),
                    " minutes)</h2>\n<div class=\"cards\">");
    body += Card("unique viewers", Number(s.unique_viewers()));
    body += Card("peak concurrent", Number(s.peak_concurrent()));
    body += Card("peak minute", Number(s.peak_minute()));
    body += Card("viewer-minutes", Number(s.viewer_minutes()));
    body += Card("new followers", Number(s.new_followers()));
    body += Card("likes", Number(s.likes()));
    body += Card("reached with the placements", Number(c.union_reach()));
    body += Card("by the stream only", Number(c.stream_only()));
    body += "</div>\n";
    std::vector<double> minutes, concurrent, cumulative;
    for (const v1::StreamMinute& m : s.minutes()) {
      minutes.push_back(m.minute());
      concurrent.push_back(m.concurrent());
      cumulative.push_back(m.cumulative_viewers());
    }
    if (!minutes.empty()) {
      body += "<h3>Concurrent viewers by minute</h3>\n";
      body += Line(absl::StrCat("stream-", k, "-concurrent"), minutes,
                   concurrent, "minute") +
              "\n";
      body += "<h3>Cumulative unique viewers by minute</h3>\n";
      body += Line(absl::StrCat("stream-", k, "-cumulative"), minutes,
                   cumulative, "minute") +
              "\n";
    }
    body +=
        "<table><tr><th>channel</th><th>sessions</th><th>unique "
        "viewers</th><th>viewer-minutes</th><th>mean session</th><th>median "
        "session</th></tr>";
    for (const v1::StreamChannelRow& ch : s.channels()) {
      absl::StrAppend(
          &body, "<tr><td>", Escape(ch.channel()), "</td><td>",
          Number(ch.sessions()), "</td><td>", Number(ch.unique_viewers()),
          "</td><td>", Number(ch.viewer_minutes()), "</td><td>",
          absl::StrFormat("%.1f", ch.mean_session_minutes()), "</td><td>",
          absl::StrFormat("%.1f", ch.median_session_minutes()), "</td></tr>");
    }
    body += "</table>\n";
  }
  return body;
}

}  // namespace

// Platform units: the platform's figures with their 95% intervals.
// Weekly reach (with two weeks or more) and the audience rows, as tables.
std::string WeeklyAndAudiencesHtml(const v1::Report& r) {
  std::string body;
  if (r.weekly_size() > 1) {
    body +=
        "<h2>Reach by calendar week</h2>\n<table id=\"weekly\"><tr><th>week"
        "</th><th>days</th><th>people reached</th><th>reach %</th>"
        "<th>average frequency</th><th>new people</th></tr>";
    for (const v1::WeeklyRow& w : r.weekly()) {
      body += absl::StrCat("<tr><td>", w.week(), "</td><td>", w.first_day(),
                           "-", w.first_day() + w.days() - 1, "</td><td>",
                           Number(w.reach_people()), "</td><td>",
                           Number(w.reach_pct()), "</td><td>",
                           Number(w.average_frequency()), "</td><td>",
                           Number(w.new_reach_people()), "</td></tr>");
    }
    body += "</table>\n";
  }
  if (r.audiences_size() > 0) {
    body +=
        "<h2>Reach by audience</h2>\n<table id=\"audiences\"><tr><th>"
        "attribute</th><th>category</th><th>people</th><th>reached</th>"
        "<th>reach %</th><th>average frequency</th><th>3+ reach</th>"
        "<th>GRP</th></tr>";
    for (const v1::AudienceRow& a : r.audiences()) {
      body += absl::StrCat(
          "<tr><td>", Escape(a.attribute()), "</td><td>", Escape(a.category()),
          "</td><td>", Number(a.people()), "</td><td>",
          Number(a.reach_people()), "</td><td>", Number(a.reach_pct()),
          "</td><td>", Number(a.average_frequency()), "</td><td>",
          Number(a.reach_k_plus_size() > 2 ? a.reach_k_plus(2) : 0),
          "</td><td>", Number(a.grp()), "</td></tr>");
    }
    body += "</table>\n";
  }
  return body;
}

std::string PlatformHtml(const v1::Report& r) {
  if (!r.has_platform()) return "";
  const v1::PlatformProjection& p = r.platform();
  std::string body =
      absl::StrCat("<h2>The whole platform (projected from a 1/",
                   absl::StrFormat("%.0f", 1.0 / p.sample_fraction()),
                   " sample of ", Number(p.platform_people()),
                   " people)</h2>\n<table><tr><th>figure</th><th>projected</th>"
                   "<th>95% interval</th><th>standard error</th></tr>\n");
  const std::pair<const char*, const v1::ProjectedFigure*> rows[] = {
      {"people reached", &p.reach_people()},
      {"households reached", &p.reach_households()},
      {"target people", &p.target_people()},
      {"households", &p.households()},
      {"impressions", &p.impressions()},
      {"exposures", &p.exposures()},
      {"spend (yuan)", &p.spend()},
      {"interactions", &p.interactions()},
      {"conversions", &p.conversions()}};
  for (const auto& [name, f] : rows) {
    absl::StrAppend(&body, "<tr><td>", name, "</td><td>", Number(f->value()),
                    "</td><td>", Number(f->lower()), " &ndash; ",
                    Number(f->upper()), "</td><td>",
                    Number(f->standard_error()), "</td></tr>\n");
  }
  return body + "</table>\n";
}

std::string ReportToHtml(const v1::Report& r, const v1::Scenario& scenario) {
  std::string body =
      absl::StrCat("<h1>", Escape(r.scenario()), "</h1><p class=\"sub\">seed ",
                   r.seed(), " &middot; ", r.flight_days(), " days &middot; ",
                   Number(r.universe().people()), " people in the target of ",
                   Number(r.universe().all_people()), " &middot; aiotreach ",
                   Escape(r.engine_version()), "</p>\n<div class=\"cards\">");
  body += Card("people reached", Number(r.reach_people()));
  body += Card("reach %", absl::StrFormat("%.2f%%", r.reach_pct()));
  body += Card("households reached", Number(r.reach_households()));
  body +=
      Card("average frequency", absl::StrFormat("%.2f", r.average_frequency()));
  body += Card("GRP", absl::StrFormat("%.1f", r.grp()));
  body += Card("impressions", Number(r.impressions()));
  body += Card("spend (yuan)", Number(r.spend()));
  body += Card("yuan per reached",
               absl::StrFormat("%.3f", r.cost_per_reached_person()));
  body += Card("interactions", Number(r.interactions()));
  body += Card("conversions", Number(r.conversions()));
  body += "</div>\n";
  body += PlatformHtml(r);

  std::vector<std::string> labels;
  std::vector<double> values;
  const int f = r.frequency_histogram_size();
  for (int i = 0; i < f; ++i) {
    labels.push_back(absl::StrCat(i + 1, i + 1 == f ? "+" : ""));
    values.push_back(r.frequency_histogram(i));
  }
  body += "<h2>Frequency: people by exposures</h2>\n";
  if (f > 0) body += Bars("frequency", labels, values, "exposures") + "\n";

  std::vector<double> days, cumulative;
  for (const v1::DailyRow& d : r.daily()) {
    days.push_back(d.day());
    cumulative.push_back(d.cumulative_reach_people());
  }
  body += "<h2>Reach by day (cumulative people)</h2>\n";
  if (!days.empty()) body += Line("daily", days, cumulative, "day") + "\n";

  for (const auto& [id, title, rows] :
       {std::tuple{"device_types", "Reach by device type", &r.device_types()},
        std::tuple{"placements", "Reach by placement", &r.placements()}}) {
    labels.clear();
    values.clear();
    for (const v1::BreakdownRow& row : *rows) {
      labels.push_back(row.name());
      values.push_back(row.reach_people());
    }
    body += absl::StrCat("<h2>", title, "</h2>\n");
    if (!values.empty())
      body += Bars(id, labels, values, "people reached") + "\n";
  }

  // Overlap matrix: reach on the diagonal, reached by both off it.
  body +=
      "<h2>Placement overlap (people reached by both)</h2>\n<table "
      "id=\"overlap\"><tr><th></th>";
  for (const v1::BreakdownRow& row : r.placements())
    body += absl::StrCat("<th>", Escape(row.name()), "</th>");
  body += "</tr>";
  for (const v1::BreakdownRow& a : r.placements()) {
    body += absl::StrCat("<tr><th>", Escape(a.name()), "</th>");
    for (const v1::BreakdownRow& b : r.placements()) {
      int64_t both = a.name() == b.name() ? a.reach_people() : 0;
      for (const v1::Overlap& o : r.placement_overlap()) {
        if ((o.a() == a.name() && o.b() == b.name()) ||
            (o.a() == b.name() && o.b() == a.name())) {
          both = o.reach_both();
        }
      }
      body += absl::StrCat("<td>", Number(both), "</td>");
    }
    body += "</tr>";
  }
  body +=
      "</table>\n<h2>Delivery</h2>\n<table><tr><th>placement</th><th>buying</"
      "th>"
      "<th>won</th><th>served</th><th>refused by "
      "caps</th><th>under-delivery</th>"
      "<th>spend</th><th>interactions</th><th>conversions (last "
      "touch)</th></tr>";
  for (const v1::PlacementDelivery& d : r.delivery()) {
    body += absl::StrCat(
        "<tr><td>", Escape(d.name()), "</td><td>", Escape(d.buying()),
        "</td><td>", Number(d.won()), "</td><td>", Number(d.served()),
        "</td><td>", Number(d.refused_by_cap()), "</td><td>",
        Number(d.under_delivery()), "</td><td>", Number(d.spend()), "</td><td>",
        Number(d.interactions()), "</td><td>",
        Number(d.conversions_last_touch()), "</td></tr>");
  }
  body += "</table>\n";
  body += WeeklyAndAudiencesHtml(r);
  body += StreamsHtml(r);
  std::string text;
  google::protobuf::TextFormat::PrintToString(scenario, &text);
  body += absl::StrCat("<h2>The scenario as run</h2>\n<pre>", Escape(text),
                       "</pre>\n");
  return Page(absl::StrCat("aiotreach: ", r.scenario()), body);
}

std::string SweepWhat(const v1::SweepCurve& curve) {
  if (curve.split_size() > 0) {
    std::vector<std::string> parts;
    for (const v1::PlacementShare& s : curve.split())
      parts.push_back(
          absl::StrFormat("%s %.0f%%", s.placement(), 100 * s.share()));
    return absl::StrCat("total budget split ", absl::StrJoin(parts, ", "));
  }
  if (curve.swept() == "share_of_voice")
    return absl::StrCat(curve.placement(), " share of voice");
  if (curve.swept() == "days")
    return absl::StrCat(curve.placement(),
                        " days bought (the first k of the flight)");
  return absl::StrCat(curve.placement(), " budget");
}

std::string SweepAxis(const v1::SweepCurve& curve) {
  return curve.swept() == "share_of_voice" ? "share"
         : curve.swept() == "days"         ? "days"
                                           : "budget";
}

double SweepValue(const v1::SweepCurve& curve, const v1::SweepPoint& point) {
  return curve.swept() == "share_of_voice" ? point.share_of_voice()
         : curve.swept() == "days"         ? point.days()
                                           : point.budget();
}

std::string SweepToHtml(const v1::SweepCurve& curve,
                        const std::string& scenario_name) {
  const std::string what = SweepWhat(curve);
  const std::string axis = SweepAxis(curve);
  std::vector<double> budgets, reach, three;
  for (const v1::SweepPoint& p : curve.points()) {
    budgets.push_back(SweepValue(curve, p));
    reach.push_back(p.reach_people());
    three.push_back(p.reach_k_plus_size() > 2 ? p.reach_k_plus(2) : 0);
  }
  std::string body = absl::StrCat(
      "<h1>", Escape(scenario_name), ": ", Escape(what),
      "</h1><p class=\"sub\">seed ", curve.seed(),
      " &middot; common random numbers &middot; dashed: 3+ reach</p>\n"
      "<h2>Reach curve</h2>\n");
  if (!budgets.empty())
    body += Line("sweep", budgets, reach,
                 axis == "budget" ? "budget (yuan)" : axis, three) +
            "\n";
  body += absl::StrCat(
      "<table><tr><th>", axis,
      "</th><th>reach</th><th>reach %</th>"
      "<th>3+ reach</th><th>frequency</th><th>spend</th><th></th></tr>");
  for (const v1::SweepPoint& p : curve.points()) {
    body += absl::StrCat(
        "<tr><td>", Number(SweepValue(curve, p)), "</td><td>",
        Number(p.reach_people()), "</td><td>",
        absl::StrFormat("%.2f", p.reach_pct()), "</td><td>",
        Number(p.reach_k_plus_size() > 2 ? p.reach_k_plus(2) : 0), "</td><td>",
        absl::StrFormat("%.2f", p.average_frequency()), "</td><td>",
        Number(p.spend()), "</td><td>",
        p.bought_nothing_more() ? "bought nothing more" : "", "</td></tr>");
  }
  body += "</table>\n";
  return Page(absl::StrCat("aiotreach sweep: ", scenario_name), body);
}

std::string OptimizationToHtml(const v1::Optimization& o,
                               const std::string& scenario_name) {
  std::vector<double> budgets, values;
  for (const v1::FrontierPoint& f : o.frontier()) {
    budgets.push_back(f.budget());
    values.push_back(f.objective());
  }
  std::string body = absl::StrCat(
      "<h1>", Escape(scenario_name), ": ", Number(o.budget()),
      " yuan</h1><p class=\"sub\">objective ", Escape(o.objective()),
      o.platform_units() ? " (platform)" : "", " &middot; seed ", o.seed(),
      " &middot; common random numbers &middot; ", o.greedy_steps(),
      " steps of ", Number(o.step()), ", ", o.exchange_moves(),
      " exchange moves, ", o.evaluations(), " runs</p>\n<h2>Allocation</h2>\n",
      "<table><tr><th>placement</th><th>budget</th><th>share</th>"
      "<th>impressions</th><th>spend</th><th>undelivered</th>"
      "<th>yuan per unit, next step</th></tr>");
  for (const v1::AllocationRow& r : o.allocation()) {
    body += absl::StrCat(
        "<tr><td>", Escape(r.placement()), r.saturated() ? " (saturated)" : "",
        "</td><td>", Number(r.budget()), "</td><td>",
        absl::StrFormat("%.1f%%", 100 * r.share()), "</td><td>",
        Number(r.served()), "</td><td>", Number(r.spend()), "</td><td>",
        Number(r.under_delivery()), "</td><td>",
        r.marginal_cost() > 0 ? Number(r.marginal_cost()) : "-", "</td></tr>");
  }
  body += absl::StrCat(
      "</table>\n<p>", Escape(o.objective()), ": ", Number(o.objective_value()),
      " &middot; reach ", Number(o.report().reach_people()), " people (",
      absl::StrFormat("%.2f", o.report().reach_pct()), "% of the target)");
  if (o.saturated()) {
    body += " &middot; saturated: another step buys no more";
  } else if (o.marginal_cost_per_reach_point() > 0) {
    body += absl::StrCat(" &middot; one more point of reach costs about ",
                         Number(o.marginal_cost_per_reach_point()),
                         " yuan (on ", Escape(o.marginal_placement()), ")");
  }
  body += "</p>\n<h2>Frontier</h2>\n";
  if (!budgets.empty())
    body += Line("frontier", budgets, values, "total budget (yuan)") + "\n";
  body += "<table><tr><th>budget</th><th>objective</th><th>step to</th>";
  for (const std::string& name : o.placements())
    body += absl::StrCat("<th>", Escape(name), "</th>");
  body += "</tr>";
  for (const v1::FrontierPoint& f : o.frontier()) {
    body +=
        absl::StrCat("<tr><td>", Number(f.budget()), "</td><td>",
                     Number(f.objective()), "</td><td>", Escape(f.placement()),
                     f.saturated() ? " (bought nothing more)" : "", "</td>");
    for (double b : f.allocation())
      body += absl::StrCat("<td>", Number(b), "</td>");
    body += "</tr>";
  }
  body += "</table>\n";
  return Page(absl::StrCat("aiotreach optimize: ", scenario_name), body);
}

}  // namespace aiotreach
