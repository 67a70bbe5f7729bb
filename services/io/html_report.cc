#include "services/io/html_report.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/text_format.h"
#include "services/http/static_files.h"
#include "services/io/file_util.h"
#include "services/io/report_format.h"

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

std::string JsonNumber(double v) {
  return std::isfinite(v) ? absl::StrFormat("%.17g", v) : "null";
}

// A chart: its <div>, and its ECharts option registered for the page's
// script to draw (axes at round numbers with separators, tooltips).
std::string Chart(const std::string& id, const std::string& option) {
  return absl::StrCat("<div class=\"chart\" id=\"", Escape(id),
                      "\"></div><script>AIOT_CHARTS.push({id: ", JsonString(id),
                      ", option: ", option, "});</script>");
}

// A bar chart: one bar per value.
std::string Bars(const std::string& id, const std::vector<std::string>& labels,
                 const std::vector<double>& values,
                 const std::string& x_title) {
  std::vector<std::string> l, v;
  for (const std::string& s : labels) l.push_back(JsonString(s));
  for (double x : values) v.push_back(JsonNumber(x));
  return Chart(
      id, absl::StrCat("{xAxis: {type: 'category', name: ", JsonString(x_title),
                       ", nameLocation: 'middle', nameGap: 28, data: [",
                       absl::StrJoin(l, ","),
                       "]}, yAxis: {type: 'value'}, series: [{type: 'bar', "
                       "name: ",
                       JsonString(x_title), ", data: [", absl::StrJoin(v, ","),
                       "]}]}"));
}

// A line of a line chart: ys against xs, solid or dashed.
struct LineSeries {
  std::string name;
  std::vector<double> xs, ys;
  bool dashed = false;
};

// A line chart, a legend when it has more than one line. Points are shown
// on lines of up to 60.
std::string Lines(const std::string& id, const std::vector<LineSeries>& lines,
                  const std::string& x_title) {
  std::vector<std::string> series;
  for (const LineSeries& l : lines) {
    std::vector<std::string> points;
    for (size_t i = 0; i < l.ys.size() && i < l.xs.size(); ++i) {
      points.push_back(absl::StrCat("[", JsonNumber(l.xs[i]), ",",
                                    JsonNumber(l.ys[i]), "]"));
    }
    series.push_back(
        absl::StrCat("{type: 'line', name: ", JsonString(l.name),
                     ", showSymbol: ", l.xs.size() <= 60 ? "true" : "false",
                     ", lineStyle: {type: '", l.dashed ? "dashed" : "solid",
                     "'}, data: [", absl::StrJoin(points, ","), "]}"));
  }
  return Chart(
      id,
      absl::StrCat(
          "{xAxis: {type: 'value', min: 'dataMin', max: 'dataMax', name: ",
          JsonString(x_title),
          ", nameLocation: 'middle', nameGap: 28}, yAxis: {type: 'value'}, ",
          lines.size() > 1 ? "legend: {top: 0}, " : "", "series: [",
          absl::StrJoin(series, ","), "]}"));
}

// A chart of one line.
std::string Line(const std::string& id, const std::vector<double>& xs,
                 const std::vector<double>& ys, const std::string& x_title) {
  return Lines(id, {{"", xs, ys}}, x_title);
}

constexpr char kStyle[] = R"(
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px auto; max-width: 980px; color: #1d2430; }
h1 { margin-bottom: 0; } .sub { color: #5a6472; margin-top: 4px; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; margin: 16px 0; }
.card { border: 1px solid #d8dee6; border-radius: 8px; padding: 8px 12px; min-width: 120px; }
.card b { display: block; font-size: 20px; } .card span { color: #5a6472; font-size: 12px; }
.card i { display: block; color: #5a6472; font-size: 11px; font-style: normal; }
div.chart { width: 100%; height: 260px; margin: 8px 0 20px; }
.missing { color: #b91c1c; }
table { border-collapse: collapse; margin: 8px 0 20px; } td, th { border: 1px solid #d8dee6; padding: 4px 8px; text-align: right; }
th:first-child, td:first-child { text-align: left; } pre { background: #f5f7fa; padding: 12px; overflow: auto; }
#self-check { display: none; }
)";

// Draws every registered chart with ECharts (loaded from the file beside
// the page), counts each chart's bars and points into #self-check and
// marks the page ready: a script error leaves data-ready unset.
constexpr char kDraw[] = R"(<script>
(function () {
  var counts = {};
  if (typeof echarts !== 'object') {
    document.querySelectorAll('div.chart').forEach(function (div) {
      div.innerHTML = '<p class="missing">The charts need ' + AIOT_LIBRARY +
          ' beside this page.</p>';
    });
    return;
  }
  var number = function (v) { return v.toLocaleString('en-US'); };
  AIOT_CHARTS.forEach(function (c) {
    var o = c.option;
    o.animation = false;
    o.tooltip = {trigger: o.xAxis.type === 'category' ? 'axis' : 'item'};
    o.grid = {left: 72, right: 24, top: 36, bottom: 44};
    o.yAxis.axisLabel = {formatter: number};
    if (o.xAxis.type === 'value') o.xAxis.axisLabel = {formatter: number};
    echarts.init(document.getElementById(c.id), null, {renderer: 'svg'}).setOption(o);
    var bars = 0, points = 0, lines = 0;
    o.series.forEach(function (s) {
      if (s.type === 'bar') bars += s.data.length;
      if (s.type === 'line' && lines++ === 0) points += s.data.length;
    });
    counts[c.id] = {bars: bars, points: points};
  });
  document.getElementById('self-check').textContent = JSON.stringify(counts);
  document.body.setAttribute('data-ready', 'yes');
})();
</script>)";

std::string Page(const std::string& title, const std::string& body) {
  return absl::StrCat(
      "<!doctype html>\n<html lang=\"en\"><head><meta "
      "charset=\"utf-8\"><title>",
      Escape(title), "</title><style>", kStyle, "</style><script src=\"",
      kChartLibrary, "\"></script><script>var AIOT_CHARTS = []; ",
      "var AIOT_LIBRARY = ", JsonString(kChartLibrary),
      ";</script></head>\n<body>\n", body, "<pre id=\"self-check\"></pre>\n",
      kDraw, "\n</body></html>\n");
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
    // In platform units, the counts are the platform's (projected); the
    // curves and the channel table below stay the sample's.
    const double scale = ProjectionScale(r);
    auto count = [scale](double n) { return Number(ProjectedCount(n, scale)); };
    body += Card("unique viewers", count(s.unique_viewers()));
    body += Card("peak concurrent", count(s.peak_concurrent()));
    body += Card("peak minute", Number(s.peak_minute()));
    body += Card("viewer-minutes", count(s.viewer_minutes()));
    body += Card("new followers", count(s.new_followers()));
    body += Card("likes", count(s.likes()));
    body += Card("reached with the placements", count(c.union_reach()));
    body += Card("by the stream only", count(c.stream_only()));
    body += "</div>\n";
    if (scale > 0) {
      absl::StrAppend(&body,
                      "<p class=\"note\">The figures above are the platform's "
                      "(the sample's &times; ",
                      Number(scale),
                      "); the curves and channels below are the "
                      "sample's.</p>\n");
    }
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
// In platform units each table adds the platform's people reached.
std::string WeeklyAndAudiencesHtml(const v1::Report& r) {
  std::string body;
  const double scale = ProjectionScale(r);
  auto platform = [scale](double n) {
    return absl::StrCat("<td>", Number(ProjectedCount(n, scale)), "</td>");
  };
  if (r.weekly_size() > 1) {
    body +=
        "<h2>Reach by calendar week</h2>\n<table id=\"weekly\"><tr><th>week"
        "</th><th>days</th><th>people reached</th><th>reach %</th>"
        "<th>average frequency</th><th>new people</th>";
    if (scale > 0) body += "<th>people reached (platform)</th>";
    body += "</tr>";
    for (const v1::WeeklyRow& w : r.weekly()) {
      body += absl::StrCat("<tr><td>", w.week(), "</td><td>", w.first_day(),
                           "-", w.first_day() + w.days() - 1, "</td><td>",
                           Number(w.reach_people()), "</td><td>",
                           Number(w.reach_pct()), "</td><td>",
                           Number(w.average_frequency()), "</td><td>",
                           Number(w.new_reach_people()), "</td>");
      if (scale > 0) body += platform(w.reach_people());
      body += "</tr>";
    }
    body += "</table>\n";
  }
  if (r.audiences_size() > 0) {
    body +=
        "<h2>Reach by audience</h2>\n<table id=\"audiences\"><tr><th>"
        "attribute</th><th>category</th><th>people</th><th>reached</th>"
        "<th>reach %</th><th>average frequency</th><th>3+ reach</th>"
        "<th>GRP</th>";
    if (scale > 0)
      body += "<th>people (platform)</th><th>reached (platform)</th>";
    body += "</tr>";
    for (const v1::AudienceRow& a : r.audiences()) {
      body += absl::StrCat(
          "<tr><td>", Escape(a.attribute()), "</td><td>", Escape(a.category()),
          "</td><td>", Number(a.people()), "</td><td>",
          Number(a.reach_people()), "</td><td>", Number(a.reach_pct()),
          "</td><td>", Number(a.average_frequency()), "</td><td>",
          Number(a.reach_k_plus_size() > 2 ? a.reach_k_plus(2) : 0),
          "</td><td>", Number(a.grp()), "</td>");
      if (scale > 0) body += platform(a.people()) + platform(a.reach_people());
      body += "</tr>";
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
  std::string body = absl::StrCat(
      "<h1>", Escape(r.scenario()), "</h1><p class=\"sub\">seed ", r.seed(),
      " &middot; ", r.flight_days(), " days &middot; ",
      Number(r.universe().people()), " people in the target of ",
      Number(r.universe().all_people()), " &middot; aiotreach ",
      Escape(r.engine_version()),
      r.uncertainty().replicates() > 1
          ? absl::StrCat(" &middot; ", r.uncertainty().replicates(),
                         " replicates: 95% intervals under the figures")
          : "",
      "</p>\n<div class=\"cards\">");
  // A headline card, with the figure's 95% interval when there is one:
  // its bounds with `decimals` places, or as Number() for -1.
  auto card = [&r](const char* label, const char* figure,
                   const std::string& value, int decimals) {
    auto bound = [decimals](double v) {
      return decimals < 0 ? Number(v) : absl::StrFormat("%.*f", decimals, v);
    };
    std::string interval;
    for (const v1::FigureInterval& f : r.uncertainty().figures()) {
      if (f.figure() != figure) continue;
      interval = absl::StrCat("<i>", bound(f.lower()), " &ndash; ",
                              bound(f.upper()), "</i>");
    }
    return absl::StrCat("<div class=\"card\" data-figure=\"", figure, "\"><b>",
                        Escape(value), "</b><span>", label, "</span>", interval,
                        "</div>");
  };
  body += card("people reached", "reach_people", Number(r.reach_people()), -1);
  body +=
      card("reach %", "reach_pct", absl::StrFormat("%.2f%%", r.reach_pct()), 2);
  body += card("households reached", "reach_households",
               Number(r.reach_households()), -1);
  body += card("average frequency", "average_frequency",
               absl::StrFormat("%.2f", r.average_frequency()), 2);
  body += card("GRP", "grp", absl::StrFormat("%.1f", r.grp()), 1);
  body += card("impressions", "impressions", Number(r.impressions()), -1);
  if (r.spend() > 0) {
    body += card("spend (yuan)", "spend", Number(r.spend()), -1);
    body += card("yuan per reached", "cost_per_reached_person",
                 absl::StrFormat("%.3f", r.cost_per_reached_person()), 3);
  }
  // Model sections only when the scenario has them.
  const bool interactions =
      std::any_of(scenario.placements().begin(), scenario.placements().end(),
                  [](const v1::Placement& p) {
                    return p.interaction_rate() > 0 || p.has_voice_follow_up();
                  });
  if (interactions)
    body += card("interactions", "interactions", Number(r.interactions()), -1);
  if (scenario.has_conversion())
    body += card("conversions", "conversions", Number(r.conversions()), -1);
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

  // Exclusive and incremental reach: who only this placement or device
  // type reached, and what the rest would lose without it.
  body +=
      "<h2>Exclusive and incremental reach</h2>\n<table id=\"exclusive\"><tr>"
      "<th>placement or device type</th><th>reach</th><th>reach %</th>"
      "<th>only on it</th><th>incremental</th><th>average frequency</th>"
      "</tr>";
  for (const auto* rows : {&r.placements(), &r.device_types()}) {
    for (const v1::BreakdownRow& row : *rows) {
      body += absl::StrCat(
          "<tr><td>", Escape(row.name()),
          rows == &r.device_types() ? " (device)" : "", "</td><td>",
          Number(row.reach_people()), "</td><td>",
          absl::StrFormat("%.2f", row.reach_pct()), "</td><td>",
          Number(row.exclusive_reach()), "</td><td>",
          Number(row.incremental_reach()), "</td><td>",
          absl::StrFormat("%.2f", row.average_frequency()), "</td></tr>");
    }
  }
  body += "</table>\n";

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
  body += absl::StrCat(
      "</table>\n<h2>Delivery, goals and budgets</h2>\n<table id=\"delivery\">"
      "<tr><th>placement</th><th>buying</th><th>won</th><th>served</th>"
      "<th>refused by caps</th><th>goal</th><th>under-delivery</th>"
      "<th>budget (yuan)</th><th>spend (yuan)</th>",
      interactions ? "<th>interactions</th>" : "",
      scenario.has_conversion() ? "<th>conversions (last touch)</th>" : "",
      "</tr>");
  for (const v1::PlacementDelivery& d : r.delivery()) {
    body += absl::StrCat(
        "<tr><td>", Escape(d.name()), "</td><td>", Escape(d.buying()),
        "</td><td>", Number(d.won()), "</td><td>", Number(d.served()),
        "</td><td>", Number(d.refused_by_cap()), "</td><td>",
        d.goal() > 0 ? Number(d.goal()) : "-", "</td><td>",
        d.goal() > 0
            ? absl::StrCat(Number(d.under_delivery()), " (",
                           absl::StrFormat("%.1f", d.under_delivery_pct()),
                           "%)")
            : "-",
        "</td><td>", d.budget() > 0 ? Number(d.budget()) : "-", "</td><td>",
        Number(d.spend()), "</td>",
        interactions ? absl::StrCat("<td>", Number(d.interactions()), "</td>")
                     : "",
        scenario.has_conversion()
            ? absl::StrCat("<td>", Number(d.conversions_last_touch()), "</td>")
            : "",
        "</tr>");
  }
  body += "</table>\n";
  if (r.caps_size() > 0) {
    body +=
        "<h2>Caps: refusals and waste</h2>\n<table id=\"caps\"><tr><th>cap"
        "</th><th>limit</th><th>placements</th><th>won impressions refused"
        "</th><th>exposures past the limit</th><th>waste (yuan)</th></tr>";
    for (const v1::CapRow& c : r.caps()) {
      body += absl::StrCat(
          "<tr><td>", Escape(c.name()), "</td><td>", c.limit(), " a ",
          Escape(c.period()), " per ", Escape(c.scope()), "</td><td>",
          c.placements_size() > 0 ? Escape(absl::StrJoin(c.placements(), ", "))
                                  : "all",
          "</td><td>", Number(c.refused()), "</td><td>",
          Number(c.exposures_over_limit()), "</td><td>",
          absl::StrFormat("%.2f", c.waste_yuan()), "</td></tr>");
    }
    body += "</table>\n";
  }
  if (r.cross_device_interactions_size() > 0) {
    int64_t asked = 0;
    for (const v1::CrossDeviceInteraction& x : r.cross_device_interactions())
      asked += x.interactions();
    body += absl::StrCat(
        "<h2>Voice follow-ups</h2>\n<p>", Number(asked),
        " follow-ups: an impression on one screen, the viewer asking the "
        "linked device.</p><table id=\"follow_ups\"><tr><th>placement</th>"
        "<th>from</th><th>to</th><th>follow-ups</th></tr>");
    for (const v1::CrossDeviceInteraction& x : r.cross_device_interactions()) {
      body += absl::StrCat("<tr><td>", Escape(x.placement()), "</td><td>",
                           Escape(x.from_device_type()), "</td><td>",
                           Escape(x.to_device_type()), "</td><td>",
                           Number(x.interactions()), "</td></tr>");
    }
    body += "</table>\n";
  }
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
    body +=
        Lines("sweep",
              {{"reach", budgets, reach}, {"3+ reach", budgets, three, true}},
              axis == "budget" ? "budget (yuan)" : axis) +
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

std::string ComparisonToHtml(const v1::Comparison& c) {
  const v1::Report& base = c.base();
  std::string body = absl::StrCat(
      "<h1>", Escape(base.scenario()), " against ", c.variants_size(),
      c.variants_size() == 1 ? " variant" : " variants",
      "</h1><p class=\"sub\">seed ", c.seed(),
      " &middot; common random numbers: every scenario draws the same "
      "population and the same chances, so the deltas are the changes' own",
      base.uncertainty().replicates() > 1
          ? absl::StrCat(" &middot; ", base.uncertainty().replicates(),
                         " replicates: 95% intervals in the tables")
          : "",
      "</p>\n<h2>People reached</h2>\n");
  std::vector<std::string> names = {base.scenario()};
  std::vector<double> reach = {static_cast<double>(base.reach_people())};
  for (const v1::VariantComparison& v : c.variants()) {
    names.push_back(v.name());
    reach.push_back(static_cast<double>(v.report().reach_people()));
  }
  body += Bars("compare-reach", names, reach, "people reached") + "\n";
  // Cumulative reach by day, a line a scenario.
  std::vector<LineSeries> lines;
  auto daily = [&lines](const std::string& name, const v1::Report& r) {
    LineSeries& l = lines.emplace_back();
    l.name = name;
    for (const v1::DailyRow& d : r.daily()) {
      l.xs.push_back(d.day());
      l.ys.push_back(static_cast<double>(d.cumulative_reach_people()));
    }
  };
  daily(base.scenario(), base);
  for (const v1::VariantComparison& v : c.variants())
    daily(v.name(), v.report());
  body += absl::StrCat("<h2>Reach by day (cumulative people)</h2>\n",
                       Lines("compare-daily", lines, "day"), "\n");
  const bool intervals = base.uncertainty().replicates() > 1;
  for (const v1::VariantComparison& v : c.variants()) {
    body += absl::StrCat(
        "<h2>", Escape(v.name()), " against ", Escape(base.scenario()),
        "</h2>\n<table class=\"deltas\"><tr><th>figure</th><th>base</th>"
        "<th>variant</th><th>delta</th><th>relative</th>",
        intervals ? "<th>base 95%</th><th>variant 95%</th>" : "", "</tr>");
    for (const v1::FigureDelta& d : v.deltas()) {
      body += absl::StrCat(
          "<tr><td>", Escape(d.figure()), "</td><td>", Number(d.base()),
          "</td><td>", Number(d.variant()), "</td><td>",
          d.delta() > 0 ? "+" : "", Number(d.delta()), "</td><td>",
          absl::StrFormat("%+.1f%%", 100 * d.relative_delta()), "</td>",
          intervals ? absl::StrCat("<td>", Number(d.base_lower()), " &ndash; ",
                                   Number(d.base_upper()), "</td><td>",
                                   Number(d.variant_lower()), " &ndash; ",
                                   Number(d.variant_upper()), "</td>")
                    : "",
          "</tr>");
    }
    body += "</table>\n";
  }
  return Page(absl::StrCat("aiotreach compare: ", base.scenario()), body);
}

absl::Status WriteChartLibrary(const std::string& dir) {
  // Scenarios of a batch write pages into one folder at once, and a
  // temporary file's name is the process's.
  static absl::Mutex mu(absl::kConstInit);
  absl::MutexLock lock(&mu);
  const StaticFile* library = FindStaticFile(kChartLibrary);
  if (library == nullptr)
    return absl::InternalError("the chart library is not built in");
  const std::string path = absl::StrCat(dir, "/", kChartLibrary);
  absl::StatusOr<std::string> there = ReadFile(path);
  if (there.ok() && *there == library->content) return absl::OkStatus();
  return WriteFileAtomically(path, std::string(library->content));
}

}  // namespace aiotreach
