#include "engine/audience.h"

namespace aiotreach {

AudienceLayout AudienceLayout::Of(const Ecosystem& ecosystem,
                                  const Campaign& campaign) {
  AudienceLayout layout;
  if (!campaign.audiences()) return layout;
  auto add = [&](const char* attribute, const std::vector<std::string>& names,
                 int* first) {
    if (names.size() < 2) return;
    *first = layout.rows();
    for (const std::string& name : names) {
      layout.attribute.push_back(attribute);
      layout.category.push_back(name);
    }
  };
  add("age_band", ecosystem.age_band_names(), &layout.age_first);
  add("gender", ecosystem.gender_names(), &layout.gender_first);
  add("city_tier", ecosystem.city_tier_names(), &layout.tier_first);
  std::vector<std::string> sizes;
  for (int s = 1; s <= ecosystem.household_size().size(); ++s)
    sizes.push_back(std::to_string(s));
  add("household_size", sizes, &layout.size_first);
  return layout;
}

}  // namespace aiotreach
