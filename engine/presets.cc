#include "engine/presets.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "engine/validation.h"
#include "google/protobuf/text_format.h"

namespace aiotreach {
namespace {

// Activity patterns both presets use, set on their device types by name
// (SetActivity below). Phones through the waking day with an evening peak;
// TVs low by day, a prime-time peak at 20:00, more boots at weekends.
constexpr char kPhoneActivity[] = R"pb(
  hour_of_day: [
    1, 0.5, 0.3, 0.2, 0.2, 0.4, 1.5, 3, 4,   4, 4,   4,
    5, 4,   4,   4,   4,   4.5, 5,   6, 6.5, 6, 4.5, 2.5
  ]
)pb";
constexpr char kTvActivity[] = R"pb(
  hour_of_day: [
    0.5, 0.2, 0.1, 0.1, 0.1, 0.1, 0.5, 1.5, 2,  2,   2, 2.5,
    3.5, 3,   2.5, 2.5, 3,   4,   6.5, 9,   10, 8.5, 5, 2
  ]
  day_of_week: [ 1, 1, 1, 1, 1.05, 1.2, 1.2 ]
)pb";
constexpr char kWeekendActivity[] =
    R"pb(
  day_of_week: [ 1, 1, 1, 1, 1.05, 1.2, 1.2 ]
    )pb";

// small-city: a Chinese fourth-tier city of about 50,000 people on one
// vendor's platform. See docs/PRESETS.md for every figure's source.
constexpr char kSmallCity[] = R"pb(
  household_size_weights: [ 0.25, 0.30, 0.21, 0.14, 0.07, 0.03 ]
  age_bands { name: "0-17" weight: 0.18 }
  age_bands { name: "18-34" weight: 0.27 }
  age_bands { name: "35-54" weight: 0.32 }
  age_bands { name: "55+" weight: 0.23 }
  city_tiers { name: "tier-4" weight: 1 }
  # China's 2020 census: 51.24% male, 48.76% female.
  genders { name: "female" weight: 0.4876 }
  genders { name: "male" weight: 0.5124 }
  activity_shape: 2
  device_types {
    name: "phone"
    owner: OWNER_KIND_PERSON
    ownership_probability: 0.9
    ownership_by {
      attribute: ATTRIBUTE_AGE_BAND
      probability { key: "0-17" value: 0.55 }
      probability { key: "18-34" value: 0.98 }
      probability { key: "35-54" value: 0.95 }
      probability { key: "55+" value: 0.75 }
    }
    screen: true
    platform_connected: true
  }
  device_types {
    name: "tv"
    owner: OWNER_KIND_HOUSEHOLD
    ownership_probability: 0.75
    screen: true
    platform_connected: true
  }
  device_types {
    name: "ott_box"
    owner: OWNER_KIND_HOUSEHOLD
    ownership_probability: 0.15
    screen: true
    platform_connected: true
  }
  device_types {
    name: "speaker"
    owner: OWNER_KIND_HOUSEHOLD
    ownership_probability: 0.35
    voice: true
    platform_connected: true
  }
  device_types {
    name: "wearable"
    owner: OWNER_KIND_PERSON
    ownership_probability: 0.15
    ownership_by {
      attribute: ATTRIBUTE_AGE_BAND
      probability { key: "0-17" value: 0.08 }
      probability { key: "18-34" value: 0.28 }
    }
    screen: true
    platform_connected: true
  }
  device_types {
    name: "tablet"
    owner: OWNER_KIND_PERSON
    ownership_probability: 0.12
    screen: true
    platform_connected: true
  }
  device_types {
    name: "car"
    owner: OWNER_KIND_PERSON
    ownership_probability: 0.1
    ownership_by {
      attribute: ATTRIBUTE_AGE_BAND
      probability { key: "0-17" value: 0 }
      probability { key: "18-34" value: 0.12 }
      probability { key: "35-54" value: 0.2 }
      probability { key: "55+" value: 0.06 }
    }
    screen: true
    voice: true
    platform_connected: true
  }
  device_types {
    name: "robot_vacuum"
    owner: OWNER_KIND_HOUSEHOLD
    ownership_probability: 0.12
    platform_connected: true
  }
  device_types {
    name: "air_purifier"
    owner: OWNER_KIND_HOUSEHOLD
    ownership_probability: 0.1
    platform_connected: true
  }
  device_links {
    from_device_type: "phone"
    to_device_type: "tv"
    kind: LINK_KIND_CASTING
    probability: 0.4
  }
  device_links {
    from_device_type: "phone"
    to_device_type: "speaker"
    kind: LINK_KIND_SAME_ACCOUNT
    probability: 0.6
  }
  device_links {
    from_device_type: "phone"
    to_device_type: "wearable"
    kind: LINK_KIND_PROXIMITY
    probability: 0.9
  }
  device_links {
    from_device_type: "phone"
    to_device_type: "tablet"
    kind: LINK_KIND_SAME_ACCOUNT
    probability: 0.7
  }
  device_links {
    from_device_type: "speaker"
    to_device_type: "tv"
    kind: LINK_KIND_CASTING
    probability: 0.3
  }
  social_contacts { mean_contacts_per_person: 5 }
)pb";

// xiaomi-2020: the vendor's whole 2020 platform at scale 1 (396.5 million
// people in 152 million households), calibrated so that the population
// reproduces the public aggregates of docs/MODEL.md: 289 million
// connected IoT devices (phones not counted) and 5.6 million users (here:
// households) with 5 or more. docs/PRESETS.md derives every figure.
constexpr char kXiaomi2020[] = R"pb(
  household_size_weights: [ 0.254, 0.297, 0.210, 0.132, 0.062, 0.030, 0.015 ]
  age_bands { name: "0-17" weight: 0.18 }
  age_bands { name: "18-34" weight: 0.30 }
  age_bands { name: "35-54" weight: 0.33 }
  age_bands { name: "55+" weight: 0.19 }
  city_tiers { name: "tier-1-2" weight: 0.35 }
  city_tiers { name: "tier-3-4" weight: 0.45 }
  city_tiers { name: "tier-5-rural" weight: 0.20 }
  # China's 2020 census: 51.24% male, 48.76% female.
  genders { name: "female" weight: 0.4876 }
  genders { name: "male" weight: 0.5124 }
  activity_shape: 2
  device_types {
    name: "phone"
    owner: OWNER_KIND_PERSON
    ownership_probability: 1
    ownership_by {
      attribute: ATTRIBUTE_AGE_BAND
      probability { key: "0-17" value: 0.6 }
    }
    screen: true
    platform_connected: true
  }
  device_types {
    name: "tv"
    owner: OWNER_KIND_HOUSEHOLD
    ownership_probability: 0.28
    screen: true
    platform_connected: true
  }
  device_types {
    name: "ott_box"
    owner: OWNER_KIND_HOUSEHOLD
    ownership_probability: 0.05
    screen: true
    platform_connected: true
  }
  device_types {
    name: "speaker"
    owner: OWNER_KIND_HOUSEHOLD
    ownership_probability: 0.17
    voice: true
    platform_connected: true
  }
  device_types {
    name: "wearable"
    owner: OWNER_KIND_PERSON
    ownership_probability: 0.17
    screen: true
    platform_connected: true
  }
  device_types {
    name: "tablet"
    owner: OWNER_KIND_PERSON
    ownership_probability: 0.023
    screen: true
    platform_connected: true
  }
  device_links {
    from_device_type: "phone"
    to_device_type: "tv"
    kind: LINK_KIND_CASTING
    probability: 0.4
  }
  device_links {
    from_device_type: "phone"
    to_device_type: "speaker"
    kind: LINK_KIND_SAME_ACCOUNT
    probability: 0.7
  }
  device_links {
    from_device_type: "phone"
    to_device_type: "wearable"
    kind: LINK_KIND_PROXIMITY
    probability: 0.95
  }
  device_links {
    from_device_type: "speaker"
    to_device_type: "tv"
    kind: LINK_KIND_CASTING
    probability: 0.3
  }
  social_contacts { mean_contacts_per_person: 5 }
)pb";

// Sets the activity pattern of the device type called `name`.
void SetActivity(v1::EcosystemSpec* spec, const std::string& name,
                 const char* pattern) {
  for (v1::DeviceType& t : *spec->mutable_device_types()) {
    if (t.name() == name) {
      google::protobuf::TextFormat::ParseFromString(pattern,
                                                    t.mutable_activity());
    }
  }
}

// xiaomi-2020's screenless smart-home devices, household-owned and
// platform-connected, with ownership by city tier (tier-1-2, tier-3-4,
// tier-5-rural): adoption is higher in big cities, which also makes heavy
// users cluster (docs/PRESETS.md).
struct SmartHomeType {
  const char* name;
  double by_tier[3];
};
constexpr SmartHomeType kXiaomiSmartHome[] = {
    {"router", {0.26, 0.18, 0.12}},       {"smart_plug", {0.26, 0.18, 0.10}},
    {"smart_light", {0.22, 0.14, 0.08}},  {"camera", {0.18, 0.115, 0.06}},
    {"robot_vacuum", {0.10, 0.05, 0.02}}, {"air_purifier", {0.11, 0.06, 0.03}},
    {"kitchen", {0.12, 0.095, 0.055}},
};

void AddSmartHome(v1::EcosystemSpec* spec) {
  const char* tiers[] = {"tier-1-2", "tier-3-4", "tier-5-rural"};
  for (const SmartHomeType& s : kXiaomiSmartHome) {
    v1::DeviceType* t = spec->add_device_types();
    t->set_name(s.name);
    t->set_owner(v1::OWNER_KIND_HOUSEHOLD);
    t->set_platform_connected(true);
    t->mutable_ownership_by()->set_attribute(v1::ATTRIBUTE_CITY_TIER);
    for (int k = 0; k < 3; ++k)
      (*t->mutable_ownership_by()->mutable_probability())[tiers[k]] =
          s.by_tier[k];
  }
}

PresetInfo MakePreset(const std::string& name, const std::string& description,
                      int64_t population, const char* spec) {
  PresetInfo p;
  p.name = name;
  p.description = description;
  p.population = population;
  // The spec is a constant of this file; a parse failure is a bug that
  // engine/presets_test.cc catches.
  google::protobuf::TextFormat::ParseFromString(spec, &p.spec);
  SetActivity(&p.spec, "phone", kPhoneActivity);
  SetActivity(&p.spec, "tv", kTvActivity);
  SetActivity(&p.spec, "ott_box", kWeekendActivity);
  return p;
}

std::vector<PresetInfo> MakePresets() {
  std::vector<PresetInfo> presets;
  presets.push_back(MakePreset("small-city",
                               "a fourth-tier city of about 50,000 people",
                               50'000, kSmallCity));
  presets.push_back(
      MakePreset("xiaomi-2020",
                 "the vendor's 2020 platform: 396.5 million people at scale 1",
                 396'500'000, kXiaomi2020));
  AddSmartHome(&presets.back().spec);
  return presets;
}

const std::vector<PresetInfo>& Presets() {
  static const std::vector<PresetInfo>* presets =
      new std::vector<PresetInfo>(MakePresets());
  return *presets;
}

}  // namespace

absl::StatusOr<const PresetInfo*> FindPreset(absl::string_view name) {
  for (const PresetInfo& p : Presets()) {
    if (p.name == name) return &p;
  }
  return absl::NotFoundError(
      absl::StrCat("unknown preset ", Quoted(name),
                   " (known: ", absl::StrJoin(PresetNames(), ", "), ")"));
}

std::vector<std::string> PresetNames() {
  std::vector<std::string> names;
  for (const PresetInfo& p : Presets()) names.push_back(p.name);
  return names;
}

}  // namespace aiotreach
