#include "engine/privacy.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/validation.h"

namespace aiotreach {
namespace {

// Suppressed counts, and ratios computed from one, read this.
constexpr int64_t kSuppressed = -1;

// The released counts of a report, copied out of it: what the noise, the
// post-processing and the suppression work on. Derived counts (reach from
// the histogram, k+ reach, cumulative reach, incremental reach) are not
// released apart: they follow from these.
struct Row {
  int64_t reach = 0, exclusive = 0, devices = 0;
};
struct Audience {
  int64_t people = 0;
  std::vector<int64_t> histogram;
};
struct Counts {
  int64_t households = 0, devices = 0, conversions = 0;
  std::vector<int64_t> histogram;
  std::vector<Row> placements, types;
  std::vector<int64_t> placement_overlap, type_overlap;
  std::vector<int64_t> daily_new, weekly;
  std::vector<Audience> audiences;

  // Calls f(name, value) for each released count, in a fixed order.
  void ForEach(const v1::Report& r,
               const std::function<void(const std::string&, int64_t&)>& f) {
    f("reach_households", households);
    f("reach_devices", devices);
    f("conversions", conversions);
    for (size_t i = 0; i < histogram.size(); ++i)
      f(absl::StrCat("frequency_histogram[", i + 1, "]"), histogram[i]);
    for (auto [list, rows, name] :
         {std::tuple{&r.placements(), &placements, "placements"},
          std::tuple{&r.device_types(), &types, "device_types"}}) {
      for (size_t i = 0; i < rows->size(); ++i) {
        const std::string row =
            absl::StrCat(name, "[", (*list)[i].name(), "].");
        f(row + "reach_people", (*rows)[i].reach);
        f(row + "exclusive_reach", (*rows)[i].exclusive);
        f(row + "reach_devices", (*rows)[i].devices);
      }
    }
    for (auto [list, values, name] :
         {std::tuple{&r.placement_overlap(), &placement_overlap,
                     "placement_overlap"},
          std::tuple{&r.device_type_overlap(), &type_overlap,
                     "device_type_overlap"}}) {
      for (size_t i = 0; i < values->size(); ++i) {
        f(absl::StrCat(name, "[", (*list)[i].a(), ",", (*list)[i].b(),
                       "].reach_both"),
          (*values)[i]);
      }
    }
    for (size_t d = 0; d < daily_new.size(); ++d)
      f(absl::StrCat("daily[", d + 1, "].new_reach_people"), daily_new[d]);
    for (size_t w = 0; w < weekly.size(); ++w)
      f(absl::StrCat("weekly[", w + 1, "].reach_people"), weekly[w]);
    for (size_t a = 0; a < audiences.size(); ++a) {
      const std::string row =
          absl::StrCat("audiences[", r.audiences(a).attribute(), "=",
                       r.audiences(a).category(), "].");
      f(row + "people", audiences[a].people);
      for (size_t i = 0; i < audiences[a].histogram.size(); ++i) {
        f(absl::StrCat(row, "frequency_histogram[", i + 1, "]"),
          audiences[a].histogram[i]);
      }
    }
  }
};

Counts CopyOut(const v1::Report& r) {
  Counts c;
  c.households = r.reach_households();
  c.devices = r.reach_devices();
  c.conversions = r.conversions();
  c.histogram.assign(r.frequency_histogram().begin(),
                     r.frequency_histogram().end());
  for (auto [list, rows] : {std::pair{&r.placements(), &c.placements},
                            std::pair{&r.device_types(), &c.types}}) {
    for (const v1::BreakdownRow& b : *list)
      rows->push_back(
          {b.reach_people(), b.exclusive_reach(), b.reach_devices()});
  }
  for (const v1::Overlap& o : r.placement_overlap())
    c.placement_overlap.push_back(o.reach_both());
  for (const v1::Overlap& o : r.device_type_overlap())
    c.type_overlap.push_back(o.reach_both());
  for (const v1::DailyRow& d : r.daily())
    c.daily_new.push_back(d.new_reach_people());
  for (const v1::WeeklyRow& w : r.weekly())
    c.weekly.push_back(w.reach_people());
  for (const v1::AudienceRow& a : r.audiences()) {
    c.audiences.push_back(
        {a.people(), std::vector<int64_t>(a.frequency_histogram().begin(),
                                          a.frequency_histogram().end())});
  }
  return c;
}

// Logs the post-processing's changes.
class Log {
 public:
  explicit Log(v1::PrivacyReport* out) : out_(out) {}
  void Set(const std::string& name, int64_t* v, int64_t to, const char* why) {
    if (*v == to) return;
    if (out_->adjustments_size() < kMaxLoggedAdjustments) {
      out_->add_adjustments(
          absl::StrCat(name, ": ", *v, " -> ", to, " (", why, ")"));
    }
    out_->set_adjustments_total(out_->adjustments_total() + 1);
    *v = to;
  }

 private:
  v1::PrivacyReport* out_;
};

double Ratio(int64_t num, int64_t den, double scale = 1.0) {
  if (num == kSuppressed || den == kSuppressed) return kSuppressed;
  return den > 0 ? scale * static_cast<double>(num) / den : 0.0;
}

void KPlus(const std::vector<int64_t>& histogram,
           google::protobuf::RepeatedField<int64_t>* k_plus) {
  k_plus->Resize(static_cast<int>(histogram.size()), 0);
  int64_t at_least = 0;
  for (int k = static_cast<int>(histogram.size()); k >= 1; --k)
    k_plus->Set(k - 1, at_least += histogram[k - 1]);
}

int64_t Sum(const std::vector<int64_t>& v) {
  int64_t s = 0;
  for (int64_t x : v) s += x;
  return s;
}

// Splits `total` over `weights` (>= 0) in integers, largest remainders
// first: the daily new reach rescaled to end at the reach.
std::vector<int64_t> Apportion(const std::vector<int64_t>& weights,
                               int64_t total) {
  const int64_t sum = Sum(weights);
  std::vector<int64_t> out(weights.size(), 0);
  if (weights.empty()) return out;
  if (sum == 0) {
    out.back() = total;
    return out;
  }
  std::vector<std::pair<double, size_t>> rest;
  int64_t given = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    const double exact = static_cast<double>(total) * weights[i] / sum;
    out[i] = static_cast<int64_t>(std::floor(exact));
    given += out[i];
    rest.push_back({exact - out[i], i});
  }
  std::sort(rest.begin(), rest.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  for (size_t k = 0; given < total && k < rest.size(); ++k, ++given)
    ++out[rest[k].second];
  return out;
}

// Makes the noised counts consistent with each other (docs/PRIVACY.md).
void PostProcess(const v1::Report& r, Counts* c, Log* log) {
  c->ForEach(r, [&](const std::string& name, int64_t& v) {
    log->Set(name, &v, std::max<int64_t>(v, 0), "negative");
  });
  const int64_t reach = Sum(c->histogram);
  for (auto [list, rows, name] :
       {std::tuple{&r.placements(), &c->placements, "placements"},
        std::tuple{&r.device_types(), &c->types, "device_types"}}) {
    for (size_t i = 0; i < rows->size(); ++i) {
      Row& row = (*rows)[i];
      const std::string at = absl::StrCat(name, "[", (*list)[i].name(), "].");
      log->Set(at + "reach_people", &row.reach, std::min(row.reach, reach),
               "above the union");
      log->Set(at + "exclusive_reach", &row.exclusive,
               std::min(row.exclusive, row.reach), "above its row's reach");
    }
  }
  auto reach_of =
      [](const std::vector<Row>& rows,
         const google::protobuf::RepeatedPtrField<v1::BreakdownRow>& list,
         const std::string& name) {
        for (int i = 0; i < list.size(); ++i)
          if (list[i].name() == name) return rows[i].reach;
        return int64_t{0};
      };
  for (auto [list, values, rows, rlist, name] :
       {std::tuple{&r.placement_overlap(), &c->placement_overlap,
                   &c->placements, &r.placements(), "placement_overlap"},
        std::tuple{&r.device_type_overlap(), &c->type_overlap, &c->types,
                   &r.device_types(), "device_type_overlap"}}) {
    for (size_t i = 0; i < values->size(); ++i) {
      const int64_t a = reach_of(*rows, *rlist, (*list)[i].a());
      const int64_t b = reach_of(*rows, *rlist, (*list)[i].b());
      const std::string at = absl::StrCat(name, "[", (*list)[i].a(), ",",
                                          (*list)[i].b(), "].reach_both");
      int64_t& v = (*values)[i];
      log->Set(at, &v, std::min({v, a, b}), "above a part");
      log->Set(at, &v, std::max(v, a + b - reach), "below a + b - union");
    }
  }
  const std::vector<int64_t> daily = Apportion(c->daily_new, reach);
  for (size_t d = 0; d < daily.size(); ++d) {
    log->Set(absl::StrCat("daily[", d + 1, "].new_reach_people"),
             &c->daily_new[d], daily[d], "the curve ends at the reach");
  }
  for (size_t w = 0; w < c->weekly.size(); ++w) {
    log->Set(absl::StrCat("weekly[", w + 1, "].reach_people"), &c->weekly[w],
             std::min(c->weekly[w], reach), "above the flight's reach");
  }
  for (size_t a = 0; a < c->audiences.size(); ++a) {
    Audience& row = c->audiences[a];
    log->Set(absl::StrCat("audiences[", r.audiences(a).attribute(), "=",
                          r.audiences(a).category(), "].people"),
             &row.people, std::max(row.people, Sum(row.histogram)),
             "below its reach");
  }
}

// Writes the counts back, with the derived counts and the ratios, and
// suppresses every count below k (and the ratios computed from one).
void WriteBack(const Counts& c, int64_t k, v1::Report* r,
               v1::PrivacyReport* out) {
  auto keep = [&](const std::string& name, int64_t v) {
    if (v >= k || v == kSuppressed) return v;
    out->add_suppressed(name);
    return kSuppressed;
  };
  const int64_t people = r->universe().people();
  const int64_t reach = keep("reach_people", Sum(c.histogram));
  r->set_reach_people(reach);
  r->set_reach_pct(Ratio(reach, people, 100));
  r->set_reach_pct_of_all_people(Ratio(reach, r->universe().all_people(), 100));
  r->set_reach_households(keep("reach_households", c.households));
  r->set_reach_households_pct(
      Ratio(r->reach_households(), r->universe().households(), 100));
  r->set_reach_devices(keep("reach_devices", c.devices));
  r->set_conversions(keep("conversions", c.conversions));
  r->set_cost_per_reached_person(r->spend() > 0 && reach > 0
                                     ? r->spend() / reach
                                     : (reach == kSuppressed ? -1.0 : 0.0));
  r->set_cost_per_conversion(
      r->conversions() == kSuppressed
          ? -1.0
          : (r->conversions() > 0 ? r->spend() / r->conversions() : 0.0));
  KPlus(c.histogram, r->mutable_reach_k_plus());
  for (size_t i = 0; i < c.histogram.size(); ++i) {
    r->set_frequency_histogram(
        static_cast<int>(i),
        keep(absl::StrCat("frequency_histogram[", i + 1, "]"), c.histogram[i]));
    r->set_reach_k_plus(static_cast<int>(i),
                        keep(absl::StrCat("reach_k_plus[", i + 1, "]"),
                             r->reach_k_plus(static_cast<int>(i))));
  }
  for (auto [list, rows, name] :
       {std::tuple{r->mutable_placements(), &c.placements, "placements"},
        std::tuple{r->mutable_device_types(), &c.types, "device_types"}}) {
    for (int i = 0; i < list->size(); ++i) {
      v1::BreakdownRow& b = (*list)[i];
      const Row& row = (*rows)[i];
      const std::string at = absl::StrCat(name, "[", b.name(), "].");
      b.set_reach_people(keep(at + "reach_people", row.reach));
      b.set_reach_pct(Ratio(b.reach_people(), people, 100));
      b.set_exclusive_reach(keep(at + "exclusive_reach", row.exclusive));
      b.set_incremental_reach(b.exclusive_reach());
      b.set_reach_devices(keep(at + "reach_devices", row.devices));
    }
  }
  for (auto [list, values, name] :
       {std::tuple{r->mutable_placement_overlap(), &c.placement_overlap,
                   "placement_overlap"},
        std::tuple{r->mutable_device_type_overlap(), &c.type_overlap,
                   "device_type_overlap"}}) {
    for (int i = 0; i < list->size(); ++i) {
      v1::Overlap& o = (*list)[i];
      o.set_reach_both(
          keep(absl::StrCat(name, "[", o.a(), ",", o.b(), "].reach_both"),
               (*values)[i]));
    }
  }
  int64_t cumulative = 0;
  for (int d = 0; d < r->daily_size(); ++d) {
    v1::DailyRow& row = *r->mutable_daily(d);
    cumulative += c.daily_new[d];
    const std::string at = absl::StrCat("daily[", d + 1, "].");
    row.set_new_reach_people(keep(at + "new_reach_people", c.daily_new[d]));
    row.set_cumulative_reach_people(
        keep(at + "cumulative_reach_people", cumulative));
    row.set_cumulative_reach_pct(
        Ratio(row.cumulative_reach_people(), people, 100));
  }
  for (int w = 0; w < r->weekly_size(); ++w) {
    v1::WeeklyRow& row = *r->mutable_weekly(w);
    int64_t fresh = 0, by_end = 0;
    for (int d = 0; d < r->daily_size(); ++d) {
      if (d + 1 < row.first_day() || d + 1 >= row.first_day() + row.days())
        continue;
      fresh += c.daily_new[d];
    }
    for (int d = 0; d < row.first_day() - 1 + row.days(); ++d)
      by_end += c.daily_new[d];
    const std::string at = absl::StrCat("weekly[", w + 1, "].");
    row.set_reach_people(keep(at + "reach_people", c.weekly[w]));
    row.set_reach_pct(Ratio(row.reach_people(), people, 100));
    row.set_new_reach_people(keep(at + "new_reach_people", fresh));
    row.set_cumulative_reach_people(
        keep(at + "cumulative_reach_people", by_end));
    row.set_cumulative_reach_pct(
        Ratio(row.cumulative_reach_people(), people, 100));
  }
  for (int a = 0; a < r->audiences_size(); ++a) {
    v1::AudienceRow& row = *r->mutable_audiences(a);
    const Audience& counts = c.audiences[a];
    const std::string at =
        absl::StrCat("audiences[", row.attribute(), "=", row.category(), "].");
    row.set_people(keep(at + "people", counts.people));
    row.set_reach_people(keep(at + "reach_people", Sum(counts.histogram)));
    row.set_reach_pct(Ratio(row.reach_people(), row.people(), 100));
    KPlus(counts.histogram, row.mutable_reach_k_plus());
    for (size_t i = 0; i < counts.histogram.size(); ++i) {
      const int f = static_cast<int>(i);
      row.set_frequency_histogram(
          f, keep(absl::StrCat(at, "frequency_histogram[", i + 1, "]"),
                  counts.histogram[i]));
      row.set_reach_k_plus(f,
                           keep(absl::StrCat(at, "reach_k_plus[", i + 1, "]"),
                                row.reach_k_plus(f)));
    }
  }
}

// Figures not released under privacy: with noise, exposures (a person adds
// any number) and what is computed from them; always, the counts of people
// outside the released set (caps, conversions by placement, streams,
// funnels, the platform projection).
void Withhold(bool noise, v1::Report* r, v1::PrivacyReport* out) {
  auto withhold = [&](const std::string& name) { out->add_withheld(name); };
  for (v1::CapRow& c : *r->mutable_caps()) {
    c.set_exposures_over_limit(kSuppressed);
    c.set_people_over_limit(kSuppressed);
    c.set_waste_yuan(kSuppressed);
  }
  if (r->caps_size() > 0) {
    withhold("caps[*]: exposures_over_limit, people_over_limit, waste_yuan");
  }
  for (v1::PlacementDelivery& d : *r->mutable_delivery()) {
    d.set_conversions_last_touch(kSuppressed);
    d.set_conversions_even_split(kSuppressed);
    d.set_cost_per_reached_person(kSuppressed);
    d.set_cost_per_conversion(kSuppressed);
  }
  withhold(
      "delivery[*]: conversions_last_touch, conversions_even_split, "
      "cost_per_reached_person, cost_per_conversion");
  bool row_frequency = false;
  for (auto* list : {r->mutable_placements(), r->mutable_device_types()}) {
    for (v1::BreakdownRow& b : *list) {
      row_frequency = row_frequency || b.frequency_histogram_size() > 0;
      b.clear_frequency_histogram();
      b.clear_reach_k_plus();
    }
  }
  if (row_frequency) {
    withhold(
        "placements[*] and device_types[*]: frequency_histogram, "
        "reach_k_plus");
  }
  if (r->live_streams_size() > 0) withhold("live_streams");
  if (r->retargeting_size() > 0) withhold("retargeting");
  if (r->has_platform()) withhold("platform");
  r->clear_live_streams();
  r->clear_retargeting();
  r->clear_platform();
  if (!noise) return;
  r->set_exposures(kSuppressed);
  r->set_average_frequency(kSuppressed);
  r->set_grp(kSuppressed);
  r->set_off_target_exposures(kSuppressed);
  withhold("exposures, average_frequency, grp, off_target_exposures");
  for (auto* list : {r->mutable_placements(), r->mutable_device_types()}) {
    for (v1::BreakdownRow& b : *list) {
      b.set_exposures(kSuppressed);
      b.set_average_frequency(kSuppressed);
      b.set_viewers_per_impression(kSuppressed);
    }
  }
  withhold(
      "placements[*] and device_types[*]: exposures, average_frequency, "
      "viewers_per_impression");
  for (v1::DailyRow& d : *r->mutable_daily()) {
    d.set_exposures(kSuppressed);
    d.set_cumulative_reach_households(kSuppressed);
  }
  withhold("daily[*]: exposures, cumulative_reach_households");
  for (v1::WeeklyRow& w : *r->mutable_weekly()) {
    w.set_exposures(kSuppressed);
    w.set_average_frequency(kSuppressed);
  }
  withhold("weekly[*]: exposures, average_frequency");
  for (v1::AudienceRow& a : *r->mutable_audiences()) {
    a.set_exposures(kSuppressed);
    a.set_average_frequency(kSuppressed);
    a.set_grp(kSuppressed);
  }
  withhold("audiences[*]: exposures, average_frequency, grp");
}

const char* NoiseName(v1::PrivacyNoise noise) {
  switch (noise) {
    case v1::PRIVACY_NOISE_DISCRETE_LAPLACE:
      return "discrete_laplace";
    case v1::PRIVACY_NOISE_DISCRETE_GAUSSIAN:
      return "discrete_gaussian";
    default:
      return "none";
  }
}

}  // namespace

bool PrivacyOn(const v1::Privacy& p) {
  return p.min_cell_people() > 0 || p.noise() != v1::PRIVACY_NOISE_NONE;
}

absl::Status CheckPrivacy(const v1::Privacy& p) {
  if (p.min_cell_people() < 0 || p.min_cell_people() > kMaxMinCellPeople) {
    return FieldError("privacy.min_cell_people",
                      absl::StrCat("must be in [0, ", kMaxMinCellPeople,
                                   "], got ", p.min_cell_people()));
  }
  switch (p.noise()) {
    case v1::PRIVACY_NOISE_NONE:
      if (p.epsilon() != 0.0 || p.delta() != 0.0) {
        return FieldError(
            "privacy.noise",
            absl::StrCat("is none, but epsilon (", FormatValue(p.epsilon()),
                         ") or delta (", FormatValue(p.delta()),
                         ") is set: choose a noise"));
      }
      return absl::OkStatus();
    case v1::PRIVACY_NOISE_DISCRETE_LAPLACE:
    case v1::PRIVACY_NOISE_DISCRETE_GAUSSIAN:
      break;
    default:
      return FieldError("privacy.noise",
                        absl::StrCat("unknown noise ", p.noise()));
  }
  if (!(p.epsilon() > 0.0 && p.epsilon() <= 1000.0)) {
    return FieldError("privacy.epsilon",
                      absl::StrCat("must be in (0, 1000] with noise, got ",
                                   FormatValue(p.epsilon())));
  }
  if (p.noise() == v1::PRIVACY_NOISE_DISCRETE_GAUSSIAN) {
    if (!(p.delta() > 0.0 && p.delta() < 1.0)) {
      return FieldError("privacy.delta",
                        absl::StrCat("must be in (0, 1) with the discrete "
                                     "Gaussian, got ",
                                     FormatValue(p.delta())));
    }
  } else if (p.delta() != 0.0) {
    return FieldError("privacy.delta",
                      absl::StrCat("is for the discrete Gaussian only, got ",
                                   FormatValue(p.delta())));
  }
  return absl::OkStatus();
}

double NoiseScale(v1::PrivacyNoise noise, double epsilon_i, double delta_i) {
  if (noise == v1::PRIVACY_NOISE_DISCRETE_LAPLACE) return std::exp(-epsilon_i);
  if (noise == v1::PRIVACY_NOISE_DISCRETE_GAUSSIAN)
    return std::sqrt(2.0 * std::log(1.25 / delta_i)) / epsilon_i;
  return 0.0;
}

double NoiseStandardDeviation(v1::PrivacyNoise noise, double epsilon_i,
                              double delta_i) {
  const double scale = NoiseScale(noise, epsilon_i, delta_i);
  if (noise == v1::PRIVACY_NOISE_DISCRETE_LAPLACE)
    return std::sqrt(2.0 * scale) / (1.0 - scale);
  return scale;
}

int64_t SampleDiscreteLaplace(Rng& rng, double alpha) {
  if (alpha <= 0.0) return 0;
  // The difference of two geometric counts of failures, P(n) = (1 - alpha)
  // alpha^n each: P(k) proportional to alpha^|k|.
  const double log_alpha = std::log(alpha);
  auto geometric = [&] {
    return static_cast<int64_t>(
        std::floor(std::log(rng.Uniform()) / log_alpha));
  };
  const int64_t a = geometric();
  return a - geometric();
}

int64_t SampleDiscreteGaussian(Rng& rng, double sigma) {
  if (sigma <= 0.0) return 0;
  // Candidates from the discrete Laplace of scale t = floor(sigma) + 1,
  // kept with probability exp(-(|y| - sigma^2 / t)^2 / (2 sigma^2)).
  const double t = std::floor(sigma) + 1.0;
  const double alpha = std::exp(-1.0 / t);
  const double s2 = sigma * sigma;
  while (true) {
    const int64_t y = SampleDiscreteLaplace(rng, alpha);
    const double d = std::fabs(static_cast<double>(y)) - s2 / t;
    if (rng.Uniform() < std::exp(-d * d / (2.0 * s2))) return y;
  }
}

void ApplyPrivacy(const v1::Privacy& privacy, uint64_t seed,
                  v1::Report* report) {
  if (!PrivacyOn(privacy)) return;
  v1::PrivacyReport out;
  out.set_min_cell_people(privacy.min_cell_people());
  out.set_noise(NoiseName(privacy.noise()));
  out.set_epsilon(privacy.epsilon());
  out.set_delta(privacy.delta());
  Counts counts = CopyOut(*report);
  int released = 0;
  counts.ForEach(*report, [&](const std::string&, int64_t&) { ++released; });
  out.set_released_counts(released);
  if (privacy.noise() != v1::PRIVACY_NOISE_NONE && released > 0) {
    const double epsilon_i = privacy.epsilon() / released;
    const double delta_i = privacy.delta() / released;
    out.set_epsilon_per_count(epsilon_i);
    out.set_delta_per_count(delta_i);
    out.set_noise_standard_deviation(
        NoiseStandardDeviation(privacy.noise(), epsilon_i, delta_i));
    const double scale = NoiseScale(privacy.noise(), epsilon_i, delta_i);
    uint32_t index = 0;
    counts.ForEach(*report, [&](const std::string&, int64_t& v) {
      Rng rng(seed, streams::kPrivacyNoise, index++);
      v += privacy.noise() == v1::PRIVACY_NOISE_DISCRETE_LAPLACE
               ? SampleDiscreteLaplace(rng, scale)
               : SampleDiscreteGaussian(rng, scale);
    });
    Log log(&out);
    PostProcess(*report, &counts, &log);
  }
  Withhold(privacy.noise() != v1::PRIVACY_NOISE_NONE, report, &out);
  WriteBack(counts, privacy.min_cell_people(), report, &out);
  *report->mutable_privacy() = std::move(out);
}

}  // namespace aiotreach
