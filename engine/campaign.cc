#include "engine/campaign.h"

#include <algorithm>
#include <cmath>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "engine/fast_math.h"
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
                                absl::string_view path,
                                CompiledPlacement* out) {
  const v1::Opportunity& o = p.opportunity();
  std::vector<double> dow(flight_days);
  for (int d = 0; d < flight_days; ++d)
    dow[d] = type.day_of_week[(start_dow + d) % 7];
  const double max_dow =
      *std::max_element(type.day_of_week.begin(), type.day_of_week.end());
  out->flat_days = type.flat_week;
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
    default:
      return FieldError(
          FieldPath(path, "opportunity"),
          "is required: set bernoulli { probability } or poisson { rate }");
  }
}

}  // namespace

uint32_t CompiledPlacement::AudienceWords(int household_size) const {
  switch (audience) {
    case v1::AUDIENCE_KIND_ONE_MEMBER:
      return 1;
    case v1::AUDIENCE_KIND_TURNER_AND_PRESENT:
      if (presence_subsets.empty()) return 1;  // nobody else, or everyone
      if (household_size == 1) return 1;
      return household_size <= kMaxSubsetHousehold ? 2 : household_size;
    default:
      return 0;
  }
}

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

std::vector<int> Campaign::CarryingTypes() const {
  std::vector<int> types;
  for (size_t t = 0; t < placements_by_type_.size(); ++t) {
    if (!placements_by_type_[t].empty()) types.push_back(static_cast<int>(t));
  }
  return types;
}

absl::StatusOr<std::unique_ptr<const Campaign>> Campaign::Build(
    const v1::Scenario& scenario, const Ecosystem& ecosystem) {
  std::unique_ptr<Campaign> c(new Campaign());
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

  if (scenario.placements().empty()) {
    return FieldError("placements", "at least one placement is required");
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
          absl::StrCat("unknown device type '", p.device_type(), "' (known: ",
                       absl::StrJoin(DeviceTypeNames(ecosystem), ", "), ")"));
    }
    const DeviceTypeInfo& type = ecosystem.device_types()[cp.device_type];
    if (!type.Ownable()) {
      return FieldError(tpath,
                        absl::StrCat("no one owns a '", p.device_type(),
                                     "' (its ownership probability is 0)"));
    }
    cp.household_device = type.household_owned;
    if (p.buying_case() != v1::Placement::kShareOfVoice) {
      return FieldError(
          FieldPath(path, "share_of_voice"),
          "is required: the probability that the campaign wins an opportunity");
    }
    const double sov = p.share_of_voice();
    AIOT_RETURN_IF_ERROR(
        CheckProbability(sov, FieldPath(path, "share_of_voice")));
    AIOT_RETURN_IF_ERROR(CompileOpportunity(p, type, c->flight_days_,
                                            c->start_dow_, sov, path, &cp));
    AIOT_RETURN_IF_ERROR(CompileAudience(p, type, path, &cp));
    c->placements_by_type_[cp.device_type].push_back(i);
    c->placements_.push_back(std::move(cp));
  }
  return std::unique_ptr<const Campaign>(std::move(c));
}

}  // namespace aiotreach
