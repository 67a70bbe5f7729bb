#include "engine/ecosystem.h"

#include <algorithm>
#include <cmath>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "engine/status_macros.h"
#include "engine/validation.h"

namespace aiotreach {
namespace {

// Checks a list of relative weights: each >= 0, finite, with a positive sum.
// Compiles named categories; empty means one category "all".
absl::Status CompileCategories(
    const google::protobuf::RepeatedPtrField<v1::Category>& categories,
    absl::string_view path, std::vector<std::string>* names, CdfTable* table) {
  if (categories.empty()) {
    names->push_back("all");
    *table = CdfTable({1.0});
    return absl::OkStatus();
  }
  if (categories.size() > kMaxCategories) {
    return FieldError(
        path, absl::StrCat("at most ", kMaxCategories, " categories, got ",
                           categories.size()));
  }
  std::vector<double> weights;
  for (int i = 0; i < categories.size(); ++i) {
    const v1::Category& c = categories[i];
    const std::string item = IndexPath(path, i);
    if (c.name().empty())
      return FieldError(FieldPath(item, "name"), "must not be empty");
    AIOT_RETURN_IF_ERROR(CheckName(c.name(), FieldPath(item, "name")));
    if (std::find(names->begin(), names->end(), c.name()) != names->end()) {
      return FieldError(FieldPath(item, "name"),
                        absl::StrCat("duplicate category '", c.name(), "'"));
    }
    AIOT_RETURN_IF_ERROR(CheckPositive(c.weight(), FieldPath(item, "weight")));
    names->push_back(c.name());
    weights.push_back(c.weight());
  }
  *table = CdfTable(weights);
  return absl::OkStatus();
}

// Normalises a pattern of `n` weights to the given mean; empty stays flat.
absl::Status CompilePattern(const google::protobuf::RepeatedField<double>& w,
                            int n, double mean, absl::string_view path,
                            double* out, bool* flat) {
  if (w.empty()) {
    std::fill(out, out + n, mean);
    if (flat != nullptr) *flat = true;
    return absl::OkStatus();
  }
  if (w.size() != n) {
    return FieldError(
        path, absl::StrCat("must have ", n, " weights, got ", w.size()));
  }
  AIOT_RETURN_IF_ERROR(CheckWeights(w, path));
  double total = 0.0;
  for (double x : w) total += x;
  bool all_equal = true;
  for (int i = 0; i < n; ++i) {
    out[i] = w[i] * mean * n / total;
    all_equal = all_equal && w[i] == w[0];
  }
  if (flat != nullptr) *flat = all_equal;
  return absl::OkStatus();
}

}  // namespace

bool DeviceTypeInfo::Ownable() const {
  return std::any_of(ownership_probability.begin(), ownership_probability.end(),
                     [](double p) { return p > 0.0; });
}

absl::StatusOr<std::vector<double>> Ecosystem::ProbabilityByCategory(
    v1::Attribute attribute,
    const google::protobuf::Map<std::string, double>& by_name, double fallback,
    absl::string_view path, absl::string_view map_field) const {
  const std::vector<std::string>* names = nullptr;
  if (attribute == v1::ATTRIBUTE_AGE_BAND) {
    names = &age_band_names_;
  } else if (attribute == v1::ATTRIBUTE_CITY_TIER) {
    names = &city_tier_names_;
  } else {
    return FieldError(
        FieldPath(path, "attribute"),
        absl::StrCat("must be ATTRIBUTE_AGE_BAND or ATTRIBUTE_CITY_TIER, got ",
                     v1::Attribute_Name(attribute)));
  }
  std::vector<double> out(names->size(), fallback);
  // Sorted for a stable first error whatever the map's order.
  std::vector<std::string> keys;
  for (const auto& [name, p] : by_name) keys.push_back(name);
  std::sort(keys.begin(), keys.end());
  for (const std::string& name : keys) {
    const std::string ppath =
        absl::StrCat(path, ".", map_field, "[\"", name, "\"]");
    const auto it = std::find(names->begin(), names->end(), name);
    if (it == names->end()) {
      return FieldError(
          ppath, absl::StrCat("unknown category ", Quoted(name),
                              " (known: ", absl::StrJoin(*names, ", "), ")"));
    }
    const double p = by_name.at(name);
    AIOT_RETURN_IF_ERROR(CheckProbability(p, ppath));
    out[it - names->begin()] = p;
  }
  return out;
}

int Ecosystem::DeviceTypeIndex(absl::string_view name) const {
  for (size_t i = 0; i < device_types_.size(); ++i) {
    if (device_types_[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

absl::StatusOr<std::unique_ptr<const Ecosystem>> Ecosystem::Build(
    const v1::EcosystemSpec& spec, absl::string_view path) {
  std::unique_ptr<Ecosystem> eco(new Ecosystem());
  eco->spec_ = spec;

  const std::string sizes_path = FieldPath(path, "household_size_weights");
  if (spec.household_size_weights().empty()) {
    return FieldError(sizes_path,
                      "is required (weights of household sizes 1, 2, ...)");
  }
  if (spec.household_size_weights_size() > kMaxHouseholdSize) {
    return FieldError(
        sizes_path, absl::StrCat("at most ", kMaxHouseholdSize, " sizes, got ",
                                 spec.household_size_weights_size()));
  }
  AIOT_RETURN_IF_ERROR(CheckWeights(spec.household_size_weights(), sizes_path));
  std::vector<double> size_weights(spec.household_size_weights().begin(),
                                   spec.household_size_weights().end());
  eco->household_size_ = CdfTable(size_weights);
  for (int s = 0; s < eco->household_size_.size(); ++s) {
    eco->mean_household_size_ += (s + 1) * eco->household_size_.Probability(s);
  }

  AIOT_RETURN_IF_ERROR(
      CompileCategories(spec.age_bands(), FieldPath(path, "age_bands"),
                        &eco->age_band_names_, &eco->age_band_));
  AIOT_RETURN_IF_ERROR(
      CompileCategories(spec.city_tiers(), FieldPath(path, "city_tiers"),
                        &eco->city_tier_names_, &eco->city_tier_));
  AIOT_RETURN_IF_ERROR(CompileCategories(spec.genders(),
                                         FieldPath(path, "genders"),
                                         &eco->gender_names_, &eco->gender_));
  AIOT_RETURN_IF_ERROR(CheckNonNegative(spec.activity_shape(),
                                        FieldPath(path, "activity_shape")));
  // A shape near 0 has a scale 1/shape that overflows: NaN multipliers
  // (found by the request fuzzer with a shape of 1.35e-312).
  if (spec.activity_shape() > 0.0 &&
      spec.activity_shape() < kMinActivityShape) {
    return FieldError(FieldPath(path, "activity_shape"),
                      absl::StrCat("must be 0 (no heterogeneity) or at least ",
                                   FormatValue(kMinActivityShape), ", got ",
                                   FormatValue(spec.activity_shape())));
  }

  if (spec.device_types().empty()) {
    return FieldError(FieldPath(path, "device_types"),
                      "at least one device type is required");
  }
  if (spec.device_types_size() > kMaxDeviceTypes) {
    return FieldError(
        FieldPath(path, "device_types"),
        absl::StrCat("at most ", kMaxDeviceTypes, " device types, got ",
                     spec.device_types_size()));
  }
  for (int i = 0; i < spec.device_types_size(); ++i) {
    const v1::DeviceType& d = spec.device_types(i);
    const std::string dpath = FieldPath(path, "device_types", i);
    DeviceTypeInfo info;
    if (d.name().empty())
      return FieldError(FieldPath(dpath, "name"), "must not be empty");
    AIOT_RETURN_IF_ERROR(CheckName(d.name(), FieldPath(dpath, "name")));
    if (eco->DeviceTypeIndex(d.name()) >= 0) {
      return FieldError(FieldPath(dpath, "name"),
                        absl::StrCat("duplicate device type '", d.name(), "'"));
    }
    info.name = d.name();
    if (d.owner() != v1::OWNER_KIND_PERSON &&
        d.owner() != v1::OWNER_KIND_HOUSEHOLD) {
      return FieldError(
          FieldPath(dpath, "owner"),
          absl::StrCat(
              "must be OWNER_KIND_PERSON or OWNER_KIND_HOUSEHOLD, got ",
              v1::OwnerKind_Name(d.owner())));
    }
    info.household_owned = d.owner() == v1::OWNER_KIND_HOUSEHOLD;
    AIOT_RETURN_IF_ERROR(CheckProbability(
        d.ownership_probability(), FieldPath(dpath, "ownership_probability")));
    info.ownership_probability = {d.ownership_probability()};
    if (d.has_ownership_by()) {
      const std::string bpath = FieldPath(dpath, "ownership_by");
      const v1::OwnershipByAttribute& by = d.ownership_by();
      if (by.attribute() == v1::ATTRIBUTE_AGE_BAND && info.household_owned) {
        return FieldError(
            FieldPath(bpath, "attribute"),
            absl::StrCat("ATTRIBUTE_AGE_BAND is a person attribute; '",
                         d.name(), "' is owned by the household"));
      }
      info.ownership_by = by.attribute();
      AIOT_ASSIGN_OR_RETURN(
          info.ownership_probability,
          eco->ProbabilityByCategory(by.attribute(), by.probability(),
                                     d.ownership_probability(), bpath,
                                     "probability"));
    }
    info.screen = d.screen();
    info.voice = d.voice();
    info.platform_connected = d.platform_connected();
    const std::string apath = FieldPath(dpath, "activity");
    AIOT_RETURN_IF_ERROR(CompilePattern(
        d.activity().day_of_week(), 7, 1.0, FieldPath(apath, "day_of_week"),
        info.day_of_week.data(), &info.flat_week));
    AIOT_RETURN_IF_ERROR(CompilePattern(
        d.activity().hour_of_day(), 24, 1.0 / 24,
        FieldPath(apath, "hour_of_day"), info.hour_of_day.data(), nullptr));
    eco->device_types_.push_back(std::move(info));
  }

  for (int i = 0; i < spec.device_links_size(); ++i) {
    const v1::DeviceLink& l = spec.device_links(i);
    const std::string lpath = FieldPath(path, "device_links", i);
    DeviceLinkInfo info;
    info.from_type = eco->DeviceTypeIndex(l.from_device_type());
    info.to_type = eco->DeviceTypeIndex(l.to_device_type());
    for (const auto& [field, index, name] :
         {std::tuple{"from_device_type", info.from_type, l.from_device_type()},
          std::tuple{"to_device_type", info.to_type, l.to_device_type()}}) {
      if (index < 0) {
        return FieldError(FieldPath(lpath, field),
                          absl::StrCat("unknown device type ", Quoted(name)));
      }
    }
    if (info.from_type == info.to_type) {
      return FieldError(FieldPath(lpath, "to_device_type"),
                        absl::StrCat("must differ from from_device_type, got ",
                                     Quoted(l.to_device_type())));
    }
    if (l.kind() == v1::LINK_KIND_UNSPECIFIED) {
      return FieldError(FieldPath(lpath, "kind"), "is required");
    }
    info.kind = l.kind();
    AIOT_RETURN_IF_ERROR(
        CheckProbability(l.probability(), FieldPath(lpath, "probability")));
    info.probability = l.probability();
    eco->device_links_.push_back(info);
  }

  AIOT_RETURN_IF_ERROR(CheckNonNegative(
      spec.social_contacts().mean_contacts_per_person(),
      FieldPath(path, "social_contacts.mean_contacts_per_person")));
  if (spec.social_contacts().mean_contacts_per_person() > 1000) {
    return FieldError(
        FieldPath(path, "social_contacts.mean_contacts_per_person"),
        absl::StrCat(
            "must be <= 1000, got ",
            FormatValue(spec.social_contacts().mean_contacts_per_person())));
  }
  return std::unique_ptr<const Ecosystem>(std::move(eco));
}

}  // namespace aiotreach
