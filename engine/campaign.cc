#include "engine/campaign.h"

#include <algorithm>
#include <cmath>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "engine/fast_math.h"
#include "engine/inventory.h"
#include "engine/privacy.h"
#include "engine/rng.h"
#include "engine/status_macros.h"
#include "engine/validation.h"

namespace aiotreach {
namespace {

std::vector<std::string> DeviceTypeNames(const Ecosystem& eco) {
  std::vector<std::string> names;
  for (const DeviceTypeInfo& t : eco.device_types()) names.push_back(t.name);
  return names;
}

absl::Status CompileAudience(const v1::Placement& p, const DeviceTypeInfo& type,
                             absl::string_view path, CompiledPlacement* out) {
  const std::string kind_path = FieldPath(path, "audience.kind");
  const v1::AudienceKind kind = p.audience().kind();
  if (!type.household_owned) {
    if (kind != v1::AUDIENCE_KIND_UNSPECIFIED &&
        kind != v1::AUDIENCE_KIND_OWNER) {
      return FieldError(kind_path,
                        absl::StrCat("'", type.name,
                                     "' is a personal device: its audience "
                                     "is its owner (AUDIENCE_KIND_OWNER), got ",
                                     v1::AudienceKind_Name(kind)));
    }
    out->audience = v1::AUDIENCE_KIND_OWNER;
  } else {
    if (kind != v1::AUDIENCE_KIND_TURNER_AND_PRESENT &&
        kind != v1::AUDIENCE_KIND_ONE_MEMBER) {
      return FieldError(kind_path,
                        absl::StrCat("'", type.name,
                                     "' is shared by the household: choose "
                                     "AUDIENCE_KIND_TURNER_AND_PRESENT or "
                                     "AUDIENCE_KIND_ONE_MEMBER, got ",
                                     v1::AudienceKind_Name(kind)));
    }
    out->audience = kind;
  }
  const std::string co_path =
      FieldPath(path, "audience.co_presence_probability");
  AIOT_RETURN_IF_ERROR(
      CheckProbability(p.audience().co_presence_probability(), co_path));
  if (out->audience != v1::AUDIENCE_KIND_TURNER_AND_PRESENT &&
      p.audience().co_presence_probability() != 0.0) {
    return FieldError(
        co_path,
        absl::StrCat("applies to AUDIENCE_KIND_TURNER_AND_PRESENT only, got ",
                     FormatValue(p.audience().co_presence_probability()),
                     " with ", v1::AudienceKind_Name(out->audience)));
  }
  out->co_presence = p.audience().co_presence_probability();
  const double c = out->co_presence;
  if (out->audience == v1::AUDIENCE_KIND_TURNER_AND_PRESENT && c > 0.0 &&
      c < 1.0) {
    out->presence_subsets.resize(kMaxSubsetHousehold + 1);
    for (int size = 1; size <= kMaxSubsetHousehold; ++size) {
      const int others = size - 1;
      std::vector<double> p_mask(size_t{1} << others);
      for (size_t mask = 0; mask < p_mask.size(); ++mask) {
        const int present = __builtin_popcountll(mask);
        p_mask[mask] =
            std::pow(c, present) * std::pow(1.0 - c, others - present);
      }
      out->presence_subsets[size] = CdfTable(p_mask);
    }
  }
  return absl::OkStatus();
}

absl::Status CompileOpportunity(const v1::Placement& p,
                                const DeviceTypeInfo& type, int flight_days,
                                int start_dow, double sov,
                                const std::vector<bool>& active,
                                absl::string_view path,
                                CompiledPlacement* out) {
  const v1::Opportunity& o = p.opportunity();
  // The day-of-week weight of each flight day, 0 on days not bought.
  std::vector<double> dow(flight_days);
  for (int d = 0; d < flight_days; ++d)
    dow[d] = active[d] ? type.day_of_week[(start_dow + d) % 7] : 0.0;
  const double max_dow =
      *std::max_element(type.day_of_week.begin(), type.day_of_week.end());
  out->flat_days = type.flat_week && out->bought_days == flight_days;
  switch (o.process_case()) {
    case v1::Opportunity::kBernoulli: {
      const std::string ppath =
          FieldPath(path, "opportunity.bernoulli.probability");
      const double prob = o.bernoulli().probability();
      AIOT_RETURN_IF_ERROR(CheckProbability(prob, ppath));
      if (prob * max_dow > 1.0 + 1e-12) {
        return FieldError(
            ppath, absl::StrCat("times the peak day-of-week weight of '",
                                type.name, "' (", FormatValue(max_dow),
                                ") must be <= 1, got ", FormatValue(prob)));
      }
      out->process = Process::kBernoulli;
      out->day_mean.resize(flight_days);
      for (int d = 0; d < flight_days; ++d)
        out->day_mean[d] = std::min(1.0, prob * dow[d]) * out->clock.mass;
      double q_max = 0.0;
      for (int d = 0; d < flight_days; ++d)
        q_max = std::max(q_max, std::min(1.0, prob * dow[d]) * sov);
      out->candidate_count = BinomialTable(flight_days, q_max);
      if (!out->flat_days) {
        out->keep.resize(flight_days);
        for (int d = 0; d < flight_days; ++d) {
          out->keep[d] =
              q_max > 0.0 ? std::min(1.0, prob * dow[d]) * sov / q_max : 0.0;
        }
      }
      return absl::OkStatus();
    }
    case v1::Opportunity::kPoisson: {
      const std::string rpath = FieldPath(path, "opportunity.poisson.rate");
      const double rate = o.poisson().rate();
      AIOT_RETURN_IF_ERROR(CheckNonNegative(rate, rpath));
      if (rate > kMaxPoissonRate) {
        return FieldError(
            rpath, absl::StrCat("must be <= ", kMaxPoissonRate, " a day, got ",
                                FormatValue(rate)));
      }
      if (o.poisson().scale_by_activity() && type.household_owned) {
        return FieldError(
            FieldPath(path, "opportunity.poisson.scale_by_activity"),
            absl::StrCat("needs a personal device; '", type.name,
                         "' is shared by the household"));
      }
      out->process = Process::kPoisson;
      out->scale_by_activity = o.poisson().scale_by_activity();
      out->day_mean.resize(flight_days);
      for (int d = 0; d < flight_days; ++d)
        out->day_mean[d] = rate * dow[d] * out->clock.mass;
      std::vector<double> daily(flight_days);
      for (int d = 0; d < flight_days; ++d) daily[d] = rate * dow[d] * sov;
      out->flight_mean = 0.0;
      for (double x : daily) out->flight_mean += x;
      out->exp_neg_flight_mean = Exp(-out->flight_mean);
      if (!out->flat_days && out->flight_mean > 0.0)
        out->day_table = CdfTable(daily);
      out->flat_days = out->flat_days || out->flight_mean == 0.0;
      return absl::OkStatus();
    }
    case v1::Opportunity::kInventory: {
      AIOT_ASSIGN_OR_RETURN(
          const std::vector<double> pmf,
          InventoryPmf(o.inventory(),
                       FieldPath(path, "opportunity.inventory")));
      out->process = Process::kInventory;
      out->inventory = CdfTable(pmf);
      // Opportunities fall on every flight day by its day-of-week weight;
      // those on days not bought are lost.
      std::vector<double> weight(flight_days);
      for (int d = 0; d < flight_days; ++d)
        weight[d] = type.day_of_week[(start_dow + d) % 7];
      out->inventory_days = CdfTable(weight);
      out->inventory_cumulative.assign(flight_days + 1, 0.0);
      for (int d = 0; d < flight_days; ++d)
        out->inventory_cumulative[d + 1] =
            out->inventory_cumulative[d] + weight[d];
      out->day_mean.resize(flight_days);
      out->won_on.resize(flight_days);
      for (int d = 0; d < flight_days; ++d) {
        out->day_mean[d] = active[d] ? out->clock.mass : 0.0;
        out->won_on[d] = out->day_mean[d] * sov;
      }
      out->flat_days = false;
      return absl::OkStatus();
    }
    default:
      return FieldError(FieldPath(path, "opportunity"),
                        "is required: set bernoulli { probability }, poisson "
                        "{ rate } or inventory { ... }");
  }
}

absl::Status CompileDayparts(const v1::Placement& p, const DeviceTypeInfo& type,
                             absl::string_view path, DayClock* clock) {
  if (p.dayparts().empty()) {
    clock->hours = (1u << kHoursPerDay) - 1;
  } else {
    clock->hours = 0;
    for (int i = 0; i < p.dayparts_size(); ++i) {
      const v1::HourRange& r = p.dayparts(i);
      const std::string rpath = FieldPath(path, "dayparts", i);
      AIOT_RETURN_IF_ERROR(CheckIntInRange(r.start_hour(), 0, kHoursPerDay - 1,
                                           FieldPath(rpath, "start_hour")));
      AIOT_RETURN_IF_ERROR(CheckIntInRange(r.end_hour(), 0, kHoursPerDay,
                                           FieldPath(rpath, "end_hour")));
      if (r.start_hour() == r.end_hour()) {
        return FieldError(rpath,
                          absl::StrCat("is empty: start_hour and end_hour "
                                       "must differ, got ",
                                       r.start_hour(), " to ", r.end_hour()));
      }
      const int stop = r.end_hour() % kHoursPerDay;
      int h = r.start_hour();
      do {
        clock->hours |= 1u << h;
        h = (h + 1) % kHoursPerDay;
      } while (h != stop);
    }
  }
  double mass = 0.0;
  bool flat = true;
  for (int h = 0; h < kHoursPerDay; ++h) {
    const bool on = (clock->hours >> h) & 1;
    mass += on ? type.hour_of_day[h] : 0.0;
    clock->cdf[h] = mass;
    flat = flat && on && type.hour_of_day[h] == type.hour_of_day[0];
  }
  clock->flat = flat;
  clock->mass = flat ? 1.0 : mass;
  if (mass > 0.0) {
    for (double& c : clock->cdf) c /= mass;
  }
  clock->cdf[kHoursPerDay - 1] = 1.0;
  return absl::OkStatus();
}

// The flight days a placement runs (Placement.days): active[d] for day d
// (0-based) and their count; every day when the list is empty.
absl::Status CompileDays(const v1::Placement& p, int flight_days,
                         absl::string_view path, std::vector<bool>* active,
                         int* bought) {
  active->assign(flight_days, p.days().empty());
  *bought = p.days().empty() ? flight_days : 0;
  for (int i = 0; i < p.days_size(); ++i) {
    const std::string dpath = FieldPath(path, "days", i);
    AIOT_RETURN_IF_ERROR(CheckIntInRange(p.days(i), 1, flight_days, dpath));
    if ((*active)[p.days(i) - 1]) {
      return FieldError(dpath, absl::StrCat("day ", p.days(i), " is repeated"));
    }
    (*active)[p.days(i) - 1] = true;
    ++*bought;
  }
  return absl::OkStatus();
}

absl::Status CompileBuying(const v1::Placement& p, int flight_days,
                           double money_scale, absl::string_view path,
                           CompiledPlacement* out) {
  const std::string cpm_path = FieldPath(path, "cpm");
  AIOT_RETURN_IF_ERROR(CheckNonNegative(p.cpm(), cpm_path));
  out->cpm = p.cpm();
  switch (p.buying_case()) {
    case v1::Placement::kShareOfVoice:
      out->buying = Buying::kShareOfVoice;
      out->share_of_voice = p.share_of_voice();
      AIOT_RETURN_IF_ERROR(CheckProbability(out->share_of_voice,
                                            FieldPath(path, "share_of_voice")));
      break;
    case v1::Placement::kBudget: {
      out->buying = Buying::kBudget;
      out->budget = p.budget();
      AIOT_RETURN_IF_ERROR(
          CheckPositive(out->budget, FieldPath(path, "budget")));
      if (out->cpm <= 0.0) {
        return FieldError(cpm_path,
                          absl::StrCat("is required with a budget: yuan per "
                                       "thousand impressions, got ",
                                       FormatValue(out->cpm)));
      }
      // In platform units, the sample spends its share of the budget.
      out->budget *= money_scale;
      const double goal = std::floor(out->budget / out->cpm * 1000.0);
      if (goal > 1e15) {
        return FieldError(FieldPath(path, "budget"),
                          absl::StrCat("buys more than 1e15 impressions at "
                                       "this cpm, got ",
                                       FormatValue(out->budget)));
      }
      out->goal = static_cast<int64_t>(goal);
      break;
    }
    case v1::Placement::kImpressionGoal:
      out->buying = Buying::kImpressionGoal;
      out->goal = p.impression_goal();
      AIOT_RETURN_IF_ERROR(CheckIntInRange(out->goal, 1, int64_t{1} << 50,
                                           FieldPath(path, "impression_goal")));
      if (money_scale != 1.0) {
        out->goal = static_cast<int64_t>(
            std::llround(static_cast<double>(out->goal) * money_scale));
      }
      break;
    case v1::Placement::kPricePerDay:
      out->buying = Buying::kPricePerDay;
      out->price_per_day = p.price_per_day();
      AIOT_RETURN_IF_ERROR(CheckNonNegative(out->price_per_day,
                                            FieldPath(path, "price_per_day")));
      out->price_per_day *= money_scale;
      if (out->cpm != 0.0) {
        return FieldError(cpm_path,
                          absl::StrCat("does not apply to a price_per_day "
                                       "buy, got ",
                                       FormatValue(out->cpm)));
      }
      break;
    default:
      return FieldError(FieldPath(path, "buying"),
                        "is required: set share_of_voice, budget, "
                        "impression_goal or price_per_day");
  }
  const bool has_pacing = p.has_pacing();
  const std::string kind_path = FieldPath(path, "pacing.kind");
  if (has_pacing && !out->paced()) {
    return FieldError(
        kind_path,
        "applies to budget and impression_goal buys only, got a pacing "
        "block on another buy");
  }
  if (!out->paced()) return absl::OkStatus();
  const v1::PacingKind kind = p.pacing().kind();
  const double share = p.pacing().front_loaded_share();
  const std::string share_path = FieldPath(path, "pacing.front_loaded_share");
  switch (kind) {
    case v1::PACING_KIND_UNSPECIFIED:
    case v1::PACING_KIND_EVEN:
      if (share != 0.0) {
        return FieldError(share_path,
                          absl::StrCat("applies to PACING_KIND_FRONT_LOADED "
                                       "only, got ",
                                       FormatValue(share)));
      }
      return absl::OkStatus();  // empty pacing_weight: even
    case v1::PACING_KIND_FRONT_LOADED: {
      if (!(share > 0.0 && share < 1.0)) {
        return FieldError(share_path, absl::StrCat("must be in (0, 1), got ",
                                                   FormatValue(share)));
      }
      const int first = (flight_days + 1) / 2;
      const int second = flight_days - first;
      out->pacing_weight.resize(flight_days);
      for (int d = 0; d < flight_days; ++d) {
        out->pacing_weight[d] =
            d < first ? share / first : (1.0 - share) / second;
      }
      return absl::OkStatus();
    }
    default:
      return FieldError(kind_path, absl::StrCat("unknown pacing kind, got ",
                                                static_cast<int>(kind)));
  }
}

// Names as bits of a mask over `known`; "unknown" errors list `known`.
absl::StatusOr<uint64_t> NameMask(
    const google::protobuf::RepeatedPtrField<std::string>& names,
    const std::vector<std::string>& known, absl::string_view path,
    absl::string_view what) {
  uint64_t mask = 0;
  for (int i = 0; i < names.size(); ++i) {
    const auto it = std::find(known.begin(), known.end(), names[i]);
    if (it == known.end()) {
      return FieldError(
          IndexPath(path, i),
          absl::StrCat("unknown ", what, " ", Quoted(names[i]),
                       " (known: ", absl::StrJoin(known, ", "), ")"));
    }
    mask |= uint64_t{1} << (it - known.begin());
  }
  return mask;
}

absl::StatusOr<CompiledCap> CompileCap(const v1::FrequencyCap& cap, int index,
                                       const std::vector<std::string>& names,
                                       int start_dow) {
  const std::string path = FieldPath("", "frequency_caps", index);
  CompiledCap c;
  AIOT_RETURN_IF_ERROR(CheckName(cap.name(), FieldPath(path, "name")));
  c.name = cap.name().empty() ? absl::StrCat("cap ", index) : cap.name();
  switch (cap.scope()) {
    case v1::CAP_SCOPE_PERSON:
      c.per_person = true;
      break;
    case v1::CAP_SCOPE_DEVICE:
      c.per_person = false;
      break;
    default:
      return FieldError(FieldPath(path, "scope"),
                        absl::StrCat("is required: CAP_SCOPE_PERSON or "
                                     "CAP_SCOPE_DEVICE, got ",
                                     v1::CapScope_Name(cap.scope())));
  }
  if (cap.period() != v1::CAP_PERIOD_DAYS && cap.period_days() != 0) {
    return FieldError(
        FieldPath(path, "period_days"),
        absl::StrCat("is only for CAP_PERIOD_DAYS, got ", cap.period_days(),
                     " with ", v1::CapPeriod_Name(cap.period())));
  }
  switch (cap.period()) {
    case v1::CAP_PERIOD_DAY:
      c.daily = true;
      break;
    case v1::CAP_PERIOD_FLIGHT:
      c.daily = false;
      break;
    case v1::CAP_PERIOD_WEEK:
      c.daily = false;
      c.window_days = 7;
      c.window_offset = start_dow;
      c.calendar_week = true;
      break;
    case v1::CAP_PERIOD_DAYS:
      AIOT_RETURN_IF_ERROR(CheckIntInRange(cap.period_days(), 1, kMaxFlightDays,
                                           FieldPath(path, "period_days")));
      // One day is a day cap (its counters live per household-day).
      c.daily = cap.period_days() == 1;
      c.window_days = cap.period_days() == 1 ? 0 : cap.period_days();
      break;
    default:
      return FieldError(
          FieldPath(path, "period"),
          absl::StrCat("is required: CAP_PERIOD_DAY, CAP_PERIOD_WEEK, "
                       "CAP_PERIOD_DAYS or CAP_PERIOD_FLIGHT, got ",
                       v1::CapPeriod_Name(cap.period())));
  }
  AIOT_RETURN_IF_ERROR(
      CheckIntInRange(cap.limit(), 1, 65535, FieldPath(path, "limit")));
  c.limit = cap.limit();
  AIOT_ASSIGN_OR_RETURN(c.placements,
                        NameMask(cap.placements(), names,
                                 FieldPath(path, "placements"), "placement"));
  if (cap.placements().empty()) {
    c.placements =
        names.size() == 64 ? ~uint64_t{0} : (uint64_t{1} << names.size()) - 1;
  }
  c.placement_names.assign(cap.placements().begin(), cap.placements().end());
  return c;
}

}  // namespace

std::string CompiledCap::PeriodName() const {
  if (daily) return "day";
  if (window_days == 0) return "flight";
  if (calendar_week) return "week";
  return absl::StrCat(window_days, " days");
}

namespace {

absl::StatusOr<CompiledTarget> CompileTarget(const v1::Target& t,
                                             const Ecosystem& eco) {
  CompiledTarget c;
  if (!t.age_bands().empty()) {
    AIOT_ASSIGN_OR_RETURN(c.age_bands,
                          NameMask(t.age_bands(), eco.age_band_names(),
                                   "target.age_bands", "age band"));
  }
  if (!t.genders().empty()) {
    AIOT_ASSIGN_OR_RETURN(c.genders, NameMask(t.genders(), eco.gender_names(),
                                              "target.genders", "gender"));
  }
  if (!t.city_tiers().empty()) {
    AIOT_ASSIGN_OR_RETURN(c.city_tiers,
                          NameMask(t.city_tiers(), eco.city_tier_names(),
                                   "target.city_tiers", "city tier"));
  }
  AIOT_RETURN_IF_ERROR(CheckIntInRange(t.min_household_size(), 0,
                                       kMaxHouseholdSize,
                                       "target.min_household_size"));
  AIOT_RETURN_IF_ERROR(CheckIntInRange(t.max_household_size(), 0,
                                       kMaxHouseholdSize,
                                       "target.max_household_size"));
  if (t.max_household_size() != 0 &&
      t.max_household_size() < t.min_household_size()) {
    return FieldError(
        "target.max_household_size",
        absl::StrCat("must be >= min_household_size (", t.min_household_size(),
                     "), got ", t.max_household_size()));
  }
  c.min_household_size = t.min_household_size();
  c.max_household_size = t.max_household_size();
  std::vector<std::string> type_names = DeviceTypeNames(eco);
  AIOT_ASSIGN_OR_RETURN(const uint64_t owns,
                        NameMask(t.owns_device_types(), type_names,
                                 "target.owns_device_types", "device type"));
  for (size_t k = 0; k < type_names.size(); ++k) {
    const DeviceTypeInfo& type = eco.device_types()[k];
    const uint32_t bit = 1u << k;
    if (owns & bit)
      (type.household_owned ? c.household_types : c.person_types) |= bit;
    if (type.platform_connected) {
      (type.household_owned ? c.connected_household_types
                            : c.connected_person_types) |= bit;
    }
  }
  AIOT_RETURN_IF_ERROR(CheckIntInRange(t.min_connected_devices(), 0,
                                       kMaxDeviceTypes,
                                       "target.min_connected_devices"));
  c.min_connected_devices = t.min_connected_devices();
  AIOT_RETURN_IF_ERROR(
      CheckNonNegative(t.min_activity(), "target.min_activity"));
  AIOT_RETURN_IF_ERROR(
      CheckNonNegative(t.max_activity(), "target.max_activity"));
  if (t.max_activity() != 0.0 && t.max_activity() < t.min_activity()) {
    return FieldError(
        "target.max_activity",
        absl::StrCat("must be >= min_activity (", FormatValue(t.min_activity()),
                     "), got ", FormatValue(t.max_activity())));
  }
  c.min_activity = t.min_activity();
  c.max_activity = t.max_activity();
  c.everyone = !c.needs_age_band() && !c.needs_city_tier() &&
               !c.needs_gender() && c.min_household_size <= 1 &&
               c.max_household_size == 0 && owns == 0 &&
               c.min_connected_devices == 0 && !c.needs_activity();
  return c;
}

absl::StatusOr<CompiledConversion> CompileConversion(
    const v1::Scenario& scenario) {
  CompiledConversion c;
  if (!scenario.has_conversion()) return c;
  const v1::ConversionModel& m = scenario.conversion();
  AIOT_RETURN_IF_ERROR(CheckProbability(m.max_rate(), "conversion.max_rate"));
  AIOT_RETURN_IF_ERROR(CheckPositive(m.saturation_frequency(),
                                     "conversion.saturation_frequency"));
  AIOT_RETURN_IF_ERROR(
      CheckNonNegative(m.screen_synergy(), "conversion.screen_synergy"));
  c.enabled = true;
  c.max_rate = m.max_rate();
  c.saturation_frequency = m.saturation_frequency();
  c.screen_synergy = m.screen_synergy();
  return c;
}

}  // namespace

uint32_t PlacementStream(absl::string_view name) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : name) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return streams::kFirstPlacementStream | static_cast<uint32_t>((h >> 32) ^ h);
}

bool Campaign::uses_activity() const {
  return std::any_of(
      placements_.begin(), placements_.end(),
      [](const CompiledPlacement& p) { return p.scale_by_activity; });
}

bool Campaign::needs_day_loop() const {
  if (!caps_.empty() || !target_.everyone || conversion_.enabled) return true;
  // The flight-at-once path keeps a 64-bit mask of weeks a person.
  if (weeks() > kMaxFlightPathWeeks) return true;
  return std::any_of(
      placements_.begin(), placements_.end(), [](const CompiledPlacement& p) {
        return p.paced() || p.clock.hours != (1u << kHoursPerDay) - 1 ||
               p.interaction_rate > 0.0 || p.follow_up > 0.0 ||
               p.cast_probability > 0.0 || p.retarget >= 0;
      });
}

double DayClock::PatternTime(double u) const {
  int h = 0;
  while (h < kHoursPerDay - 1 && cdf[h] <= u) ++h;
  const double below = h == 0 ? 0.0 : cdf[h - 1];
  const double width = cdf[h] - below;
  return h + (width > 0.0 ? std::min((u - below) / width, 1.0 - 1e-12) : 0.5);
}

int64_t CompiledPlacement::DayTarget(int day, int64_t goal_left) const {
  if (goal_left <= 0) return 0;
  const int days = static_cast<int>(day_mean.size());
  if (pacing_weight.empty()) {
    // round(G / n), halves up, in integers: floor((2G + n) / 2n).
    const int64_t n = days - day;
    return (2 * goal_left + n) / (2 * n);
  }
  double rest = 0.0;
  for (int d = day; d < days; ++d) rest += pacing_weight[d];
  if (rest <= 0.0) return 0;
  return static_cast<int64_t>(
      std::floor(goal_left * (pacing_weight[day] / rest) + 0.5));
}

double CompiledPlacement::Spend(int64_t served, int days) const {
  switch (buying) {
    case Buying::kPricePerDay:
      return price_per_day * std::min(days, bought_days);
    case Buying::kBudget:
    case Buying::kImpressionGoal:
      return std::min(served, goal) * cpm / 1000.0;
    default:
      return served * cpm / 1000.0;
  }
}

bool CompiledTarget::Contains(int age_band, int city_tier, int household_size,
                              uint32_t person_devices,
                              uint32_t household_devices, float activity,
                              int gender) const {
  if (everyone) return true;
  if (!((age_bands >> age_band) & 1) || !((city_tiers >> city_tier) & 1) ||
      !((genders >> gender) & 1))
    return false;
  if (household_size < min_household_size) return false;
  if (max_household_size != 0 && household_size > max_household_size)
    return false;
  if ((person_devices & person_types) != person_types ||
      (household_devices & household_types) != household_types)
    return false;
  const int connected =
      __builtin_popcount(person_devices & connected_person_types) +
      __builtin_popcount(household_devices & connected_household_types);
  if (connected < min_connected_devices) return false;
  if (activity < min_activity) return false;
  return max_activity == 0.0 || activity <= max_activity;
}

double CompiledConversion::Probability(int64_t f, int s) const {
  if (!enabled || f <= 0) return 0.0;
  const double p = max_rate * (1.0 - Exp(-f / saturation_frequency)) *
                   (1.0 + screen_synergy * std::max(0, s - 1));
  return std::min(1.0, p);
}

std::vector<int> Campaign::CarryingTypes() const {
  const bool follow_ups =
      std::any_of(placements_.begin(), placements_.end(),
                  [](const CompiledPlacement& p) { return p.follow_up > 0.0; });
  std::vector<int> types;
  for (size_t t = 0; t < placements_by_type_.size(); ++t) {
    const bool voice =
        follow_ups && std::find(voice_types_.begin(), voice_types_.end(),
                                static_cast<int>(t)) != voice_types_.end();
    const bool cast = std::any_of(placements_.begin(), placements_.end(),
                                  [t](const CompiledPlacement& p) {
                                    return p.cast_probability > 0.0 &&
                                           p.cast_type == static_cast<int>(t);
                                  });
    if (!placements_by_type_[t].empty() || voice || cast)
      types.push_back(static_cast<int>(t));
  }
  return types;
}

namespace {

absl::Status CompileCasting(const v1::Placement& p, const Ecosystem& eco,
                            absl::string_view path, CompiledPlacement* cp) {
  const std::string cpath = FieldPath(path, "casting");
  const v1::PlacementCasting& c = p.casting();
  AIOT_RETURN_IF_ERROR(
      CheckProbability(c.probability(), FieldPath(cpath, "probability")));
  AIOT_RETURN_IF_ERROR(
      CheckProbability(c.co_presence_probability(),
                       FieldPath(cpath, "co_presence_probability")));
  if (cp->household_device) {
    return FieldError(
        cpath, absl::StrCat("casts from a personal device; '", p.device_type(),
                            "' is owned by the household"));
  }
  AIOT_ASSIGN_OR_RETURN(
      const CastRoute route,
      FindCastRoute(eco, cp->device_type, c.tv_device_type(), cpath));
  cp->cast_type = route.tv_type;
  cp->cast_link = route.link;
  cp->cast_probability = c.probability();
  cp->cast_co_presence = c.co_presence_probability();
  return absl::OkStatus();
}

absl::StatusOr<RetargetRoute> CompileRetarget(const v1::Placement& p, int i,
                                              const Campaign& c,
                                              const Ecosystem& eco,
                                              absl::string_view path) {
  const v1::Retargeting& r = p.retarget();
  RetargetRoute route;
  route.placement = i;
  switch (r.after_case()) {
    case v1::Retargeting::kAfterPlacement: {
      const std::string apath = FieldPath(path, "after_placement");
      for (size_t j = 0; j < c.placements().size(); ++j) {
        if (c.placements()[j].name == r.after_placement())
          route.after_placement = static_cast<int>(j);
      }
      if (route.after_placement < 0) {
        return FieldError(apath, absl::StrCat("no placement called ",
                                              Quoted(r.after_placement()),
                                              " in the scenario"));
      }
      if (route.after_placement == i) {
        return FieldError(apath,
                          absl::StrCat("a placement cannot retarget its own "
                                       "viewers (use a frequency cap), got ",
                                       Quoted(r.after_placement())));
      }
      route.after = r.after_placement();
      break;
    }
    case v1::Retargeting::kAfterDeviceType: {
      route.after_type = eco.DeviceTypeIndex(r.after_device_type());
      if (route.after_type < 0) {
        return FieldError(FieldPath(path, "after_device_type"),
                          absl::StrCat("unknown device type ",
                                       Quoted(r.after_device_type())));
      }
      route.after = r.after_device_type();
      break;
    }
    default:
      return FieldError(path,
                        "needs a source: after_placement or after_device_type");
  }
  AIOT_RETURN_IF_ERROR(CheckIntInRange(r.within_days(), 0, c.flight_days(),
                                       FieldPath(path, "within_days")));
  route.within_days = r.within_days();
  return route;
}

}  // namespace

absl::StatusOr<CastRoute> FindCastRoute(const Ecosystem& eco, int from_type,
                                        absl::string_view tv_device_type,
                                        absl::string_view path) {
  const std::string tv =
      tv_device_type.empty() ? "tv" : std::string(tv_device_type);
  const std::string tpath = FieldPath(path, "tv_device_type");
  CastRoute route;
  route.tv_type = eco.DeviceTypeIndex(tv);
  if (route.tv_type < 0)
    return FieldError(tpath, absl::StrCat("unknown device type ", Quoted(tv)));
  if (!eco.device_types()[route.tv_type].household_owned) {
    return FieldError(tpath, absl::StrCat(Quoted(tv),
                                          " is a personal device type; casting "
                                          "goes to a household's screen"));
  }
  const auto& links = eco.device_links();
  for (size_t l = 0; l < links.size() && route.link < 0; ++l) {
    if (links[l].kind != v1::LINK_KIND_CASTING) continue;
    if ((links[l].from_type == from_type &&
         links[l].to_type == route.tv_type) ||
        (links[l].to_type == from_type &&
         links[l].from_type == route.tv_type)) {
      route.link = static_cast<int>(l);
    }
  }
  if (route.link < 0) {
    return FieldError(
        path, absl::StrCat("the ecosystem has no LINK_KIND_CASTING link "
                           "between ",
                           Quoted(eco.device_types()[from_type].name), " and ",
                           Quoted(tv)));
  }
  return route;
}

absl::StatusOr<std::unique_ptr<const Campaign>> Campaign::Build(
    const v1::Scenario& scenario, const Ecosystem& ecosystem,
    double money_scale) {
  std::unique_ptr<Campaign> c(new Campaign());
  c->platform_units_ = scenario.platform_units();
  c->money_scale_ = money_scale;
  AIOT_RETURN_IF_ERROR(CheckIntInRange(scenario.flight_days(), 1,
                                       kMaxFlightDays, "flight_days"));
  c->flight_days_ = scenario.flight_days();
  const int start = scenario.start_day();
  if (start < 0 || start > 7) {
    return FieldError("start_day",
                      absl::StrCat("must be a DayOfWeek, got ", start));
  }
  c->start_dow_ = start == 0 ? 0 : start - 1;
  const int f = scenario.report().max_frequency();
  AIOT_RETURN_IF_ERROR(
      CheckIntInRange(f, 0, kMaxMaxFrequency, "report.max_frequency"));
  c->max_frequency_ = f == 0 ? kDefaultMaxFrequency : f;
  c->audiences_ = scenario.report().audiences();
  c->breakdown_frequency_ = scenario.report().breakdown_frequency();

  if (scenario.placements().empty() && scenario.live_streams().empty()) {
    return FieldError("placements",
                      "at least one placement (or a live stream) is required");
  }
  if (scenario.placements_size() > kMaxPlacements) {
    return FieldError("placements", absl::StrCat("at most ", kMaxPlacements,
                                                 " placements, got ",
                                                 scenario.placements_size()));
  }
  c->placements_by_type_.resize(ecosystem.device_types().size());
  absl::flat_hash_set<std::string> names;
  absl::flat_hash_set<uint32_t> streams_taken;
  for (int i = 0; i < scenario.placements_size(); ++i) {
    const v1::Placement& p = scenario.placements(i);
    const std::string path = FieldPath("", "placements", i);
    CompiledPlacement cp;
    if (p.name().empty())
      return FieldError(FieldPath(path, "name"), "is required");
    AIOT_RETURN_IF_ERROR(CheckName(p.name(), FieldPath(path, "name")));
    if (!names.insert(p.name()).second) {
      return FieldError(
          FieldPath(path, "name"),
          absl::StrCat("duplicate placement name '", p.name(), "'"));
    }
    cp.name = p.name();
    // Distinct names give distinct streams; on a hash collision, rehash.
    std::string key = p.name();
    for (cp.stream = PlacementStream(key);
         !streams_taken.insert(cp.stream).second;
         cp.stream = PlacementStream(key)) {
      key += "#";
    }
    const std::string tpath = FieldPath(path, "device_type");
    if (p.device_type().empty()) return FieldError(tpath, "is required");
    cp.device_type = ecosystem.DeviceTypeIndex(p.device_type());
    if (cp.device_type < 0) {
      return FieldError(
          tpath,
          absl::StrCat("unknown device type ", Quoted(p.device_type()),
                       " (known: ",
                       absl::StrJoin(DeviceTypeNames(ecosystem), ", "), ")"));
    }
    const DeviceTypeInfo& type = ecosystem.device_types()[cp.device_type];
    if (!type.Ownable()) {
      return FieldError(tpath,
                        absl::StrCat("no one owns a '", p.device_type(),
                                     "' (its ownership probability is 0)"));
    }
    cp.household_device = type.household_owned;
    std::vector<bool> active;
    AIOT_RETURN_IF_ERROR(
        CompileDays(p, c->flight_days_, path, &active, &cp.bought_days));
    AIOT_RETURN_IF_ERROR(
        CompileBuying(p, c->flight_days_, money_scale, path, &cp));
    if (cp.paced() && cp.bought_days < c->flight_days_) {
      // Paced over the days bought only.
      cp.pacing_weight.resize(c->flight_days_, 1.0);
      for (int d = 0; d < c->flight_days_; ++d) {
        if (!active[d]) cp.pacing_weight[d] = 0.0;
      }
    }
    AIOT_RETURN_IF_ERROR(CompileDayparts(p, type, path, &cp.clock));
    AIOT_RETURN_IF_ERROR(CompileOpportunity(
        p, type, c->flight_days_, c->start_dow_,
        cp.paced() ? 1.0 : cp.share_of_voice, active, path, &cp));
    AIOT_RETURN_IF_ERROR(CheckProbability(p.interaction_rate(),
                                          FieldPath(path, "interaction_rate")));
    cp.interaction_rate = p.interaction_rate();
    const std::string fpath = FieldPath(path, "voice_follow_up.probability");
    AIOT_RETURN_IF_ERROR(
        CheckProbability(p.voice_follow_up().probability(), fpath));
    cp.follow_up = p.voice_follow_up().probability();
    if (cp.follow_up > 0.0 && !type.household_owned) {
      return FieldError(fpath,
                        absl::StrCat("needs a household device (the boot ad "
                                     "of a TV); '",
                                     type.name, "' is personal, got ",
                                     FormatValue(cp.follow_up)));
    }
    AIOT_RETURN_IF_ERROR(CompileAudience(p, type, path, &cp));
    if (p.has_casting()) {
      AIOT_RETURN_IF_ERROR(CompileCasting(p, ecosystem, path, &cp));
    }
    c->placements_by_type_[cp.device_type].push_back(i);
    c->placements_.push_back(std::move(cp));
  }
  for (int i = 0; i < scenario.placements_size(); ++i) {
    const v1::Placement& p = scenario.placements(i);
    if (!p.has_retarget()) continue;
    AIOT_ASSIGN_OR_RETURN(
        RetargetRoute route,
        CompileRetarget(p, i, *c, ecosystem,
                        FieldPath(FieldPath("", "placements", i), "retarget")));
    c->placements_[i].retarget = static_cast<int>(c->retarget_routes_.size());
    c->retarget_routes_.push_back(std::move(route));
  }
  for (size_t t = 0; t < ecosystem.device_types().size(); ++t) {
    const DeviceTypeInfo& type = ecosystem.device_types()[t];
    if (type.screen) c->screen_types_ |= 1u << t;
    if (type.voice && type.household_owned && type.Ownable())
      c->voice_types_.push_back(static_cast<int>(t));
  }
  for (size_t j = 0; j < c->placements_.size(); ++j) {
    if (c->placements_[j].follow_up > 0.0 && c->voice_types_.empty()) {
      return FieldError(
          FieldPath(FieldPath("", "placements", static_cast<int>(j)),
                    "voice_follow_up.probability"),
          "needs a household-owned device type with voice: true in the "
          "ecosystem; there is none");
    }
  }

  if (scenario.frequency_caps_size() > kMaxFrequencyCaps) {
    return FieldError("frequency_caps",
                      absl::StrCat("at most ", kMaxFrequencyCaps, " caps, got ",
                                   scenario.frequency_caps_size()));
  }
  std::vector<std::string> placement_names;
  for (const CompiledPlacement& p : c->placements_)
    placement_names.push_back(p.name);
  for (int i = 0; i < scenario.frequency_caps_size(); ++i) {
    AIOT_ASSIGN_OR_RETURN(CompiledCap cap,
                          CompileCap(scenario.frequency_caps(i), i,
                                     placement_names, c->start_dow_));
    c->caps_.push_back(std::move(cap));
  }
  AIOT_ASSIGN_OR_RETURN(c->target_,
                        CompileTarget(scenario.target(), ecosystem));
  AIOT_ASSIGN_OR_RETURN(c->conversion_, CompileConversion(scenario));
  AIOT_RETURN_IF_ERROR(
      CheckIntInRange(scenario.replicates(), 0, kMaxReplicates, "replicates"));
  c->replicates_ = std::max(1, scenario.replicates());
  AIOT_RETURN_IF_ERROR(CheckPrivacy(scenario.privacy()));
  return std::unique_ptr<const Campaign>(std::move(c));
}

}  // namespace aiotreach
