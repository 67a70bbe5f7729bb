#include "services/cli/tables.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/io/report_format.h"

namespace aiotreach {

std::string Thousands(int64_t v) {
  std::string digits = absl::StrCat(v);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string Money(double yuan) {
  return yuan > 0 ? Thousands(static_cast<int64_t>(std::llround(yuan))) : "-";
}
std::string Count(int64_t n) { return n > 0 ? Thousands(n) : "-"; }

Headline HeadlineOf(const v1::Report& r) {
  Headline h;
  if (r.has_platform()) {
    const v1::PlatformProjection& p = r.platform();
    h.platform = true;
    h.target_people = p.target_people().value();
    h.reach_people = p.reach_people().value();
    h.reach_people_se = p.reach_people().standard_error();
    h.spend = p.spend().value();
    h.interactions = p.interactions().value();
    h.conversions = p.conversions().value();
    return h;
  }
  h.target_people = static_cast<double>(r.universe().people());
  h.reach_people = static_cast<double>(r.reach_people());
  h.spend = r.spend();
  h.interactions = static_cast<double>(r.interactions());
  h.conversions = static_cast<double>(r.conversions());
  return h;
}

void Notes(const v1::Report& r, std::ostream& out) {
  // A projection from a sample (at scale 1 the report is the platform's):
  // the counts of the notes are projected too (the sample's over its
  // fraction of the platform); shares and percentages are the sample's.
  const double projection = ProjectionScale(r);  // 0: the sample's own
  auto count = [projection](double n) {
    return Thousands(static_cast<int64_t>(ProjectedCount(n, projection)));
  };
  if (projection > 0) {
    const v1::PlatformProjection& p = r.platform();
    out << absl::StrFormat(
        "  platform units: projected from a sample of %s of %s people "
        "(1/%.0f); reach %s +/- %s (95%%)",
        Thousands(r.universe().all_people()), Thousands(p.platform_people()),
        1.0 / p.sample_fraction(),
        Thousands(std::llround(p.reach_people().value())),
        Thousands(std::llround(1.96 * p.reach_people().standard_error())));
    if (p.spend().value() > 0) {
      out << absl::StrFormat(
          ", spend %s +/- %s yuan", Money(p.spend().value()),
          Thousands(std::llround(1.96 * p.spend().standard_error())));
    }
    out << "; the counts below are projected too\n";
  }
  for (const v1::PlacementDelivery& d : r.delivery()) {
    if (MissedGoal(d)) {
      out << absl::StrFormat(
          "  %s: under-delivered %s of its goal of %s impressions (%.1f%%)\n",
          d.name(), count(d.under_delivery()), count(d.goal()),
          d.under_delivery_pct());
    }
  }
  for (const v1::CapRow& c : r.caps()) {
    if (c.refused() == 0 && c.exposures_over_limit() == 0) continue;
    out << absl::StrFormat(
        "  cap '%s' (%d a %s per %s): refused %s won opportunities", c.name(),
        c.limit(), c.period(), c.scope(), count(c.refused()));
    if (c.exposures_over_limit() > 0) {
      out << absl::StrFormat(
          "; %s exposures past the limit a %s", count(c.exposures_over_limit()),
          c.scope() == "device" ? "person would allow" : "person (co-viewers)");
      if (c.waste_yuan() > 0)
        out << absl::StrFormat(" (%s yuan)", count(c.waste_yuan()));
    }
    out << "\n";
  }
  for (const v1::CrossDeviceInteraction& x : r.cross_device_interactions()) {
    out << absl::StrFormat("  %s: %s follow-ups from %s to %s\n", x.placement(),
                           count(x.interactions()), x.from_device_type(),
                           x.to_device_type());
  }
  for (const v1::RetargetingRow& f : r.retargeting()) {
    out << absl::StrFormat(
        "  %s: retargeted %s of the %s people who saw %s within %d days "
        "(%.1f%%)\n",
        f.placement(), count(f.retargeted_people()), count(f.source_people()),
        f.after(), f.within_days(), f.retargeted_pct());
  }
  for (const v1::PlacementDelivery& d : r.delivery()) {
    if (d.casts() > 0) {
      out << absl::StrFormat("  %s: %s impressions cast to the TV\n", d.name(),
                             count(d.casts()));
    }
  }
  if (r.has_privacy()) {
    const v1::PrivacyReport& p = r.privacy();
    out << absl::StrFormat("  privacy: k = %d, %d counts suppressed (-1)",
                           p.min_cell_people(), p.suppressed_size());
    if (p.noise() != "none") {
      out << absl::StrFormat(
          "; %s noise, epsilon %g over %d counts (sd %.3g each), %d "
          "adjustments",
          p.noise(), p.epsilon(), p.released_counts(),
          p.noise_standard_deviation(), p.adjustments_total());
    }
    if (p.withheld_size() > 0)
      out << absl::StrFormat("; %d kinds of figure withheld",
                             p.withheld_size());
    out << "\n";
  }
  // Weekly reach with the breakdowns, when the scenario asks for them
  // (report { audiences: true }); every report has the rows in JSON and
  // weekly.csv, but a line for each scenario would crowd the batch table.
  if (r.weekly_size() > 1 && r.audiences_size() > 0) {
    out << "  weekly reach:";
    for (const v1::WeeklyRow& w : r.weekly()) {
      out << absl::StrFormat(" week %d %s (%.1f%%)%s", w.week(),
                             count(w.reach_people()), w.reach_pct(),
                             w.week() < r.weekly_size() ? "," : "");
    }
    out << "\n";
  }
  // Audiences: one line per attribute, reach % and average frequency of
  // each category.
  for (int i = 0; i < r.audiences_size(); ++i) {
    const v1::AudienceRow& a = r.audiences(i);
    const bool first =
        i == 0 || r.audiences(i - 1).attribute() != a.attribute();
    const bool last = i + 1 == r.audiences_size() ||
                      r.audiences(i + 1).attribute() != a.attribute();
    if (first) out << "  by " << a.attribute() << ":";
    out << absl::StrFormat(" %s %.1f%%", a.category(), a.reach_pct());
    // Frequencies are withheld (-1) under privacy noise.
    if (a.average_frequency() >= 0)
      out << absl::StrFormat(" x%.2f", a.average_frequency());
    out << (last ? "\n" : ",");
  }
  for (const v1::StreamReport& s : r.live_streams()) {
    const v1::StreamAndCampaign& c = s.with_campaign();
    out << absl::StrFormat(
        "  stream '%s': %s viewers, peak %s at minute %d, %s new followers; "
        "with the placements %s reached (%.2f%%), %s by the stream only\n",
        s.name(), count(s.unique_viewers()), count(s.peak_concurrent()),
        s.peak_minute(), count(s.new_followers()), count(c.union_reach()),
        c.union_reach_pct(), count(c.stream_only()));
  }
}

std::string Figure(double v) {
  if (!std::isfinite(v)) return absl::StrFormat("%g", v);
  const double a = std::fabs(v);
  const std::string sign = v < 0 ? "-" : "";
  if (v == std::floor(v) && a < 1e15)
    return sign + Thousands(static_cast<int64_t>(a));
  if (a >= 1000) {
    // Separators and one decimal: 27,250.4.
    const int64_t tenths = std::llround(a * 10);
    return absl::StrCat(sign, Thousands(tenths / 10), ".", tenths % 10);
  }
  // 4 significant digits as plain decimals: 72.56, 0.000005244.
  const int exponent = static_cast<int>(std::floor(std::log10(a)));
  const int decimals = std::min(12, std::max(0, 3 - exponent));
  return absl::StrFormat("%.*f", decimals, v);
}

}  // namespace aiotreach
