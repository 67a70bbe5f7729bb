#include "services/cli/tables.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

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

void Notes(const v1::Report& r, std::ostream& out) {
  for (const v1::PlacementDelivery& d : r.delivery()) {
    if (d.under_delivery_pct() >= 1.0) {
      out << absl::StrFormat(
          "  %s: under-delivered %s of its goal of %s impressions (%.1f%%)\n",
          d.name(), Thousands(d.under_delivery()), Thousands(d.goal()),
          d.under_delivery_pct());
    }
  }
  for (const v1::CapRow& c : r.caps()) {
    if (c.refused() == 0 && c.exposures_over_limit() == 0) continue;
    out << absl::StrFormat(
        "  cap '%s' (%d a %s per %s): refused %s won opportunities", c.name(),
        c.limit(), c.period(), c.scope(), Thousands(c.refused()));
    if (c.exposures_over_limit() > 0) {
      out << absl::StrFormat(
          "; %s exposures past the limit a %s",
          Thousands(c.exposures_over_limit()),
          c.scope() == "device" ? "person would allow" : "person (co-viewers)");
    }
    out << "\n";
  }
  for (const v1::CrossDeviceInteraction& x : r.cross_device_interactions()) {
    out << absl::StrFormat("  %s: %s follow-ups from %s to %s\n", x.placement(),
                           Thousands(x.interactions()), x.from_device_type(),
                           x.to_device_type());
  }
  for (const v1::RetargetingRow& f : r.retargeting()) {
    out << absl::StrFormat(
        "  %s: retargeted %s of the %s people who saw %s within %d days "
        "(%.1f%%)\n",
        f.placement(), Thousands(f.retargeted_people()),
        Thousands(f.source_people()), f.after(), f.within_days(),
        f.retargeted_pct());
  }
  for (const v1::PlacementDelivery& d : r.delivery()) {
    if (d.casts() > 0) {
      out << absl::StrFormat("  %s: %s impressions cast to the TV\n", d.name(),
                             Thousands(d.casts()));
    }
  }
  for (const v1::StreamReport& s : r.live_streams()) {
    const v1::StreamAndCampaign& c = s.with_campaign();
    out << absl::StrFormat(
        "  stream '%s': %s viewers, peak %s at minute %d, %s new followers; "
        "with the placements %s reached (%.2f%%), %s by the stream only\n",
        s.name(), Thousands(s.unique_viewers()), Thousands(s.peak_concurrent()),
        s.peak_minute(), Thousands(s.new_followers()),
        Thousands(c.union_reach()), c.union_reach_pct(),
        Thousands(c.stream_only()));
  }
}

std::string Figure(double v) {
  if (std::fabs(v) >= 1000 && v == std::floor(v))
    return v < 0 ? "-" + Thousands(static_cast<int64_t>(-v))
                 : Thousands(static_cast<int64_t>(v));
  return absl::StrFormat("%.4g", v);
}

}  // namespace aiotreach
