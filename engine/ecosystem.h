// A validated, compiled EcosystemSpec: the distributions a population is
// drawn from, in the form the samplers use.
//
// An Ecosystem holds no households; Population draws them. Build() checks
// every field and names the first bad one:
//
//   absl::StatusOr<std::unique_ptr<const Ecosystem>> eco =
//       Ecosystem::Build(spec, "ecosystem.spec");
//   // "ecosystem.spec.device_types[1].ownership_probability: must be in
//   //  [0, 1], got 1.2"
//
// Thread-safe: immutable after Build().
#ifndef AIOTREACH_ENGINE_ECOSYSTEM_H_
#define AIOTREACH_ENGINE_ECOSYSTEM_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "aiotreach/v1/ecosystem.pb.h"
#include "engine/distributions.h"

namespace aiotreach {

// Limits of the schema, documented in docs/SCENARIO_FORMAT.md.
inline constexpr int kMaxHouseholdSize = 16;
inline constexpr int kMaxDeviceTypes = 32;
inline constexpr int kMaxCategories = 64;

// The index of a person's category in a table given by `by`: their age
// band, their household's city tier, or 0 for a single entry.
inline int CategoryOf(v1::Attribute by, int age_band, int city_tier) {
  switch (by) {
    case v1::ATTRIBUTE_AGE_BAND:
      return age_band;
    case v1::ATTRIBUTE_CITY_TIER:
      return city_tier;
    default:
      return 0;
  }
}

struct DeviceTypeInfo {
  std::string name;
  bool household_owned = false;
  // Ownership probability per category of `by`, or a single entry.
  v1::Attribute ownership_by = v1::ATTRIBUTE_UNSPECIFIED;
  std::vector<double> ownership_probability;
  bool screen = false;
  bool voice = false;
  bool platform_connected = false;
  // Mean-1 multipliers by day of week, Monday first.
  std::array<double, 7> day_of_week{1, 1, 1, 1, 1, 1, 1};
  bool flat_week = true;
  // Shares of the day's activity by hour, summing to 1.
  std::array<double, 24> hour_of_day{};

  // The chance that an owner with these categories owns one.
  double OwnershipProbability(int age_band, int city_tier) const {
    return ownership_probability[CategoryOf(ownership_by, age_band, city_tier)];
  }
  // True if some owner can own one.
  bool Ownable() const;
};

struct DeviceLinkInfo {
  int from_type = 0;
  int to_type = 0;
  v1::LinkKind kind = v1::LINK_KIND_UNSPECIFIED;
  double probability = 0.0;
};

// The smallest activity shape other than 0: Gamma(0.01, 100) already has
// a variance of 100 (a few people carry nearly all activity).
inline constexpr double kMinActivityShape = 0.01;

class Ecosystem {
 public:
  // Validates `spec`. Every error is InvalidArgument naming
  // `path`.<field> and the value, the first found of:
  //  - household_size_weights: none, more than 16, a weight negative or
  //    above 1e12, or all zero;
  //  - activity_shape: negative, above 1e12, or in (0, 0.01);
  //  - age_bands, city_tiers, genders: more than their limit; a name empty,
  //  longer
  //    than 256 bytes or a duplicate; a weight not positive or above 1e12;
  //  - device_types: none or more than 32; a name empty, longer than 256
  //    bytes or a duplicate; no owner kind; an ownership probability
  //    outside [0, 1]; ownership_by an attribute that does not fit the
  //    owner (age band is a person's) or an unknown category; hour or day
  //    patterns of the wrong length or with negative weights;
  //  - device_links: an unknown device type, a link from a type to itself,
  //    no kind, a probability outside [0, 1];
  //  - social_contacts.mean_contacts_per_person negative or above its
  //    limit.
  static absl::StatusOr<std::unique_ptr<const Ecosystem>> Build(
      const v1::EcosystemSpec& spec, absl::string_view path);

  Ecosystem(const Ecosystem&) = delete;
  Ecosystem& operator=(const Ecosystem&) = delete;

  const v1::EcosystemSpec& spec() const { return spec_; }
  const CdfTable& household_size() const { return household_size_; }
  double mean_household_size() const { return mean_household_size_; }
  const CdfTable& age_band() const { return age_band_; }
  const CdfTable& city_tier() const { return city_tier_; }
  const CdfTable& gender() const { return gender_; }
  const std::vector<std::string>& gender_names() const { return gender_names_; }
  const std::vector<std::string>& age_band_names() const {
    return age_band_names_;
  }
  const std::vector<std::string>& city_tier_names() const {
    return city_tier_names_;
  }
  double activity_shape() const { return spec_.activity_shape(); }
  const std::vector<DeviceTypeInfo>& device_types() const {
    return device_types_;
  }
  const std::vector<DeviceLinkInfo>& device_links() const {
    return device_links_;
  }
  double mean_social_contacts() const {
    return spec_.social_contacts().mean_contacts_per_person();
  }

  // A probability per category of `attribute` (age band or city tier):
  // by_name's where listed, `fallback` elsewhere. InvalidArgument naming
  // `path`.attribute for another attribute, `path`.<map_field>["name"] for
  // an unknown category or a value outside [0, 1].
  absl::StatusOr<std::vector<double>> ProbabilityByCategory(
      v1::Attribute attribute,
      const google::protobuf::Map<std::string, double>& by_name,
      double fallback, absl::string_view path,
      absl::string_view map_field) const;

  // Index of the device type called `name`, or -1.
  int DeviceTypeIndex(absl::string_view name) const;

 private:
  Ecosystem() = default;

  v1::EcosystemSpec spec_;
  CdfTable household_size_;
  double mean_household_size_ = 0.0;
  CdfTable age_band_;
  CdfTable city_tier_;
  CdfTable gender_;
  std::vector<std::string> gender_names_;
  std::vector<std::string> age_band_names_;
  std::vector<std::string> city_tier_names_;
  std::vector<DeviceTypeInfo> device_types_;
  std::vector<DeviceLinkInfo> device_links_;
};

}  // namespace aiotreach

#endif  // AIOTREACH_ENGINE_ECOSYSTEM_H_
