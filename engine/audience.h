// The layout of the audience breakdowns (Report.audiences): which rows a
// run counts, shared by the simulators (AudienceCounter) and the report.
#ifndef AIOTREACH_ENGINE_AUDIENCE_H_
#define AIOTREACH_ENGINE_AUDIENCE_H_

#include <string>
#include <vector>

#include "engine/campaign.h"
#include "engine/ecosystem.h"

namespace aiotreach {

// The rows of the audience breakdowns (Report.audiences): each category of
// the age bands, genders, city tiers and household sizes, for the
// attributes the ecosystem has two or more categories of, in that order.
struct AudienceLayout {
  // First row of each attribute, or -1 if it has no rows.
  int age_first = -1;
  int gender_first = -1;
  int tier_first = -1;
  int size_first = -1;
  // Per row: the attribute ("age_band", "gender", "city_tier",
  // "household_size") and the category's name.
  std::vector<std::string> attribute;
  std::vector<std::string> category;

  int rows() const { return static_cast<int>(attribute.size()); }
  // The layout of `ecosystem`'s attributes if the campaign asks for
  // audiences; no rows otherwise.
  static AudienceLayout Of(const Ecosystem& ecosystem,
                           const Campaign& campaign);
};

}  // namespace aiotreach

#endif  // AIOTREACH_ENGINE_AUDIENCE_H_
