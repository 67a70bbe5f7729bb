#include "engine/report_builder.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/audience.h"

namespace aiotreach {
namespace {

double Ratio(double num, double den) { return den > 0 ? num / den : 0.0; }

// reach_k_plus, k = 1..f, from a frequency histogram of f buckets.
void AddKPlus(const int64_t* histogram, int f,
              google::protobuf::RepeatedField<int64_t>* k_plus) {
  k_plus->Resize(f, 0);
  int64_t at_least = 0;
  for (int k = f; k >= 1; --k) k_plus->Set(k - 1, at_least += histogram[k - 1]);
}

// Fills breakdown rows (and their pairwise overlaps) for the rows listed
// in `rows`, named by `names`.
void AddBreakdown(const BreakdownCounters& b, const std::vector<int>& rows,
                  const std::vector<std::string>& names, int64_t universe,
                  google::protobuf::RepeatedPtrField<v1::BreakdownRow>* out,
                  google::protobuf::RepeatedPtrField<v1::Overlap>* overlaps) {
  for (int r : rows) {
    v1::BreakdownRow* row = out->Add();
    row->set_name(names[r]);
    row->set_impressions(b.impressions[r]);
    row->set_exposures(b.exposures[r]);
    row->set_reach_people(b.reach[r]);
    row->set_reach_pct(100.0 * Ratio(b.reach[r], universe));
    row->set_exclusive_reach(b.exclusive[r]);
    row->set_incremental_reach(b.exclusive[r]);
    row->set_average_frequency(Ratio(b.exposures[r], b.reach[r]));
    row->set_devices(b.devices[r]);
    row->set_reach_devices(b.devices_reached[r]);
    row->set_viewers_per_impression(Ratio(b.exposures[r], b.impressions[r]));
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    for (size_t k = i + 1; k < rows.size(); ++k) {
      v1::Overlap* o = overlaps->Add();
      o->set_a(names[rows[i]]);
      o->set_b(names[rows[k]]);
      o->set_reach_both(b.overlap[rows[i] * b.rows + rows[k]]);
    }
  }
}

const char* BuyingName(Buying b) {
  switch (b) {
    case Buying::kBudget:
      return "budget";
    case Buying::kImpressionGoal:
      return "impression_goal";
    case Buying::kPricePerDay:
      return "price_per_day";
    default:
      return "share_of_voice";
  }
}

// Delivery rows; returns the total spend.
// Report.weekly from the daily rows (already added) and the weekly reach.
// A one-week flight's reach is its weekly reach.
void AddWeekly(const Campaign& campaign, const Tally& tally, int64_t people,
               v1::Report* report) {
  for (int w = 0; w < campaign.weeks(); ++w) {
    v1::WeeklyRow* row = report->add_weekly();
    row->set_week(w + 1);
    for (const v1::DailyRow& d : report->daily()) {
      if (campaign.WeekOf(d.day() - 1) != w) continue;
      if (row->days() == 0) row->set_first_day(d.day());
      row->set_days(row->days() + 1);
      row->set_impressions(row->impressions() + d.impressions());
      row->set_exposures(row->exposures() + d.exposures());
      row->set_new_reach_people(row->new_reach_people() + d.new_reach_people());
      row->set_cumulative_reach_people(d.cumulative_reach_people());
      row->set_cumulative_reach_pct(d.cumulative_reach_pct());
    }
    const int64_t reach = tally.shape().weeks > 0 ? tally.weekly_reach()[w]
                                                  : tally.reach_people();
    row->set_reach_people(reach);
    row->set_reach_pct(100.0 * Ratio(reach, people));
    row->set_average_frequency(Ratio(row->exposures(), reach));
  }
}

// Report.audiences: each row's figures from its counters.
void AddAudiences(const Ecosystem& ecosystem, const Campaign& campaign,
                  const Tally& tally, v1::Report* report) {
  const AudienceLayout layout = AudienceLayout::Of(ecosystem, campaign);
  const int f = tally.shape().max_frequency;
  for (int r = 0; r < layout.rows(); ++r) {
    const int64_t* counts = tally.audience(r);
    v1::AudienceRow* row = report->add_audiences();
    row->set_attribute(layout.attribute[r]);
    row->set_category(layout.category[r]);
    row->set_people(counts[0]);
    row->set_reach_people(counts[1]);
    row->set_reach_pct(100.0 * Ratio(counts[1], counts[0]));
    row->set_exposures(counts[2]);
    row->set_average_frequency(Ratio(counts[2], counts[1]));
    row->set_grp(100.0 * Ratio(counts[2], counts[0]));
    const int64_t* histogram = counts + 3;
    for (int k = 0; k < f; ++k) row->add_frequency_histogram(histogram[k]);
    AddKPlus(histogram, f, row->mutable_reach_k_plus());
  }
}

double AddDelivery(const Campaign& campaign, const Tally& tally,
                   v1::Report* report) {
  const DeliveryCounters d = tally.delivery();
  const BreakdownCounters b = tally.placements();
  double spend = 0.0;
  for (size_t j = 0; j < campaign.placements().size(); ++j) {
    const CompiledPlacement& p = campaign.placements()[j];
    v1::PlacementDelivery* row = report->add_delivery();
    row->set_name(p.name);
    row->set_buying(BuyingName(p.buying));
    const int64_t served = b.impressions[j];
    // The flight-at-once path wins and serves alike (no caps there).
    row->set_won(d.won[j] == 0 ? served : d.won[j]);
    row->set_served(served);
    row->set_refused_by_cap(d.refused[j]);
    if (p.paced()) {
      row->set_goal(p.goal);
      row->set_under_delivery(std::max<int64_t>(0, p.goal - served));
      row->set_under_delivery_pct(100.0 * Ratio(row->under_delivery(), p.goal));
      row->set_over_delivery(std::max<int64_t>(0, served - p.goal));
    }
    row->set_budget(p.budget);
    row->set_spend(p.Spend(served, campaign.flight_days()));
    spend += row->spend();
    row->set_cost_per_reached_person(Ratio(row->spend(), b.reach[j]));
    row->set_interactions(d.interactions[j]);
    row->set_voice_follow_ups(d.follow_ups[j]);
    row->set_casts(d.casts[j]);
    row->set_conversions_last_touch(d.conversions_last_touch[j]);
    row->set_conversions_even_split(
        static_cast<double>(d.conversions_even_split[j]) / kEvenSplitUnit);
    row->set_cost_per_conversion(
        Ratio(row->spend(), d.conversions_last_touch[j]));
  }
  return spend;
}

void AddCaps(const Campaign& campaign, const Tally& tally, v1::Report* report) {
  const CapCounters counters = tally.caps();
  for (size_t c = 0; c < campaign.caps().size(); ++c) {
    const CompiledCap& cap = campaign.caps()[c];
    v1::CapRow* row = report->add_caps();
    row->set_name(cap.name);
    row->set_scope(cap.per_person ? "person" : "device");
    row->set_period(cap.PeriodName());
    row->set_limit(cap.limit);
    for (const std::string& name : cap.placement_names)
      row->add_placements(name);
    row->set_refused(counters.refused[c]);
    row->set_exposures_over_limit(counters.exposures_over_limit[c]);
    row->set_people_over_limit(counters.people_over_limit[c]);
    // The cap's placements' spend and exposures (all placements for a
    // campaign-wide cap).
    double spend = 0.0;
    int64_t exposures = 0;
    for (int j = 0; j < report->delivery_size(); ++j) {
      const std::string& name = report->delivery(j).name();
      if (!cap.placement_names.empty() &&
          std::find(cap.placement_names.begin(), cap.placement_names.end(),
                    name) == cap.placement_names.end()) {
        continue;
      }
      spend += report->delivery(j).spend();
      for (const v1::BreakdownRow& b : report->placements()) {
        if (b.name() == name) exposures += b.exposures();
      }
    }
    row->set_waste_yuan(Ratio(spend, exposures) *
                        static_cast<double>(counters.exposures_over_limit[c]));
  }
}

// A sample figure projected to the platform: value / f, and the standard
// error of the ratio estimator over the sampling blocks (Cochran, Sampling
// Techniques, 3rd ed., 6.3): the sample is drawn to a fixed number of
// people, so each block's total y_b is taken against its people x_b,
// residuals d_b = y_b - R x_b with R = sum y / sum x, and
//   Var = (1 - f) / f^2 * n / (n - 1) * sum d_b^2
// over n blocks. Zero for the people themselves, as the design fixes them.
// y_b is metric `metric` less metric `fixed` (a part that does not vary
// from sample to sample), if fixed >= 0; `unit` divides the error.
void Project(const Tally& tally, double f, double sample_value, int metric,
             int fixed, double unit, v1::ProjectedFigure* out) {
  const int64_t n = tally.shape().sampling_blocks;
  const int64_t* s = tally.sampling();
  double se = 0.0;
  if (s != nullptr && n >= 2 && f < 1.0) {
    auto y = [&](int64_t b) {
      const int64_t* row = s + b * kSamplingMetrics;
      return static_cast<double>(row[metric] - (fixed >= 0 ? row[fixed] : 0));
    };
    auto x = [&](int64_t b) {
      return static_cast<double>(s[b * kSamplingMetrics + kSamplePeople]);
    };
    double sum_y = 0.0, sum_x = 0.0;
    for (int64_t b = 0; b < n; ++b) {
      sum_y += y(b);
      sum_x += x(b);
    }
    const double r = sum_x > 0.0 ? sum_y / sum_x : 0.0;
    double sum_d2 = 0.0;
    for (int64_t b = 0; b < n; ++b) {
      const double d = y(b) - r * x(b);
      sum_d2 += d * d;
    }
    const double var = (1.0 - f) / (f * f) * static_cast<double>(n) /
                       static_cast<double>(n - 1) * sum_d2;
    se = std::sqrt(std::max(0.0, var)) / unit;
  }
  const double value = sample_value / f;
  out->set_value(value);
  out->set_standard_error(se);
  out->set_lower(value - 1.96 * se);
  out->set_upper(value + 1.96 * se);
}

// Report.platform: the sample's totals projected to the whole platform.
void AddPlatform(const Campaign& campaign, const Tally& tally,
                 v1::Report* report) {
  const double f = campaign.money_scale();
  v1::PlatformProjection* p = report->mutable_platform();
  p->set_sample_fraction(f);
  p->set_platform_people(
      std::llround(static_cast<double>(tally.all_people()) / f));
  // Paced buys that met their goals delivered the goal whatever the
  // sample: their impressions and spend are fixed, not sampled. "Met":
  // short by less than 1% (the last day's draws can leave a few
  // impressions); a larger shortfall is the inventory's, which varies.
  bool goals_met = true;
  for (const v1::PlacementDelivery& d : report->delivery())
    goals_met = goals_met && d.under_delivery_pct() < 1.0;
  const int paced_impressions = goals_met ? kSamplePacedImpressions : -1;
  const int paced_spend = goals_met ? kSamplePacedSpend : -1;
  Project(tally, f, tally.all_households(), kSampleHouseholds, -1, 1.0,
          p->mutable_households());
  Project(tally, f, tally.people(), kSampleTargetPeople, -1, 1.0,
          p->mutable_target_people());
  Project(tally, f, tally.reach_people(), kSampleReachPeople, -1, 1.0,
          p->mutable_reach_people());
  Project(tally, f, tally.reach_households(), kSampleReachHouseholds, -1, 1.0,
          p->mutable_reach_households());
  Project(tally, f, tally.impressions(), kSampleImpressions, paced_impressions,
          1.0, p->mutable_impressions());
  Project(tally, f, tally.exposures(), kSampleExposures, -1, 1.0,
          p->mutable_exposures());
  Project(tally, f, report->spend(), kSampleSpend, paced_spend, 1e6,
          p->mutable_spend());
  Project(tally, f, report->interactions(), kSampleInteractions, -1, 1.0,
          p->mutable_interactions());
  Project(tally, f, tally.conversions(), kSampleConversions, -1, 1.0,
          p->mutable_conversions());
}

}  // namespace

v1::Report BuildReport(const std::string& scenario_name, uint64_t seed,
                       const Ecosystem& ecosystem, const Campaign& campaign,
                       const Tally& tally, bool timed) {
  v1::Report report;
  report.set_scenario(scenario_name);
  report.set_seed(seed);
  report.set_engine_version(kEngineVersion);
  report.set_flight_days(campaign.flight_days());

  const BreakdownCounters types = tally.device_types();
  const BreakdownCounters placements = tally.placements();
  const std::vector<int> carrying_types = campaign.CarryingTypes();
  int64_t devices = 0;
  int64_t reach_devices = 0;
  for (int t : carrying_types) {
    devices += types.devices[t];
    reach_devices += types.devices_reached[t];
  }
  const int64_t people = tally.people();
  v1::Universe* universe = report.mutable_universe();
  universe->set_people(people);
  universe->set_households(tally.households());
  universe->set_devices(devices);
  universe->set_all_people(tally.all_people());
  universe->set_all_households(tally.all_households());

  report.set_impressions(tally.impressions());
  report.set_exposures(tally.exposures());
  report.set_reach_people(tally.reach_people());
  report.set_reach_households(tally.reach_households());
  report.set_reach_devices(reach_devices);
  report.set_reach_pct(100.0 * Ratio(tally.reach_people(), people));
  report.set_reach_households_pct(
      100.0 * Ratio(tally.reach_households(), tally.households()));
  const int f = campaign.max_frequency();
  for (int i = 0; i < f; ++i)
    report.add_frequency_histogram(tally.histogram()[i]);
  AddKPlus(tally.histogram(), f, report.mutable_reach_k_plus());
  report.set_average_frequency(Ratio(tally.exposures(), tally.reach_people()));
  report.set_grp(100.0 * Ratio(tally.exposures(), people));

  std::vector<std::string> placement_names;
  std::vector<int> all_placements;
  for (size_t j = 0; j < campaign.placements().size(); ++j) {
    placement_names.push_back(campaign.placements()[j].name);
    all_placements.push_back(static_cast<int>(j));
  }
  AddBreakdown(placements, all_placements, placement_names, people,
               report.mutable_placements(), report.mutable_placement_overlap());
  std::vector<std::string> type_names;
  for (const DeviceTypeInfo& t : ecosystem.device_types())
    type_names.push_back(t.name);
  AddBreakdown(types, carrying_types, type_names, people,
               report.mutable_device_types(),
               report.mutable_device_type_overlap());
  if (tally.shape().row_frequency) {
    // Rows' own frequencies: placement j is row j, type t row P + t.
    for (int j = 0; j < report.placements_size(); ++j) {
      v1::BreakdownRow* row = report.mutable_placements(j);
      const int64_t* h = tally.row_frequency(j);
      row->mutable_frequency_histogram()->Add(h, h + f);
      AddKPlus(h, f, row->mutable_reach_k_plus());
    }
    for (int c = 0; c < report.device_types_size(); ++c) {
      v1::BreakdownRow* row = report.mutable_device_types(c);
      const int64_t* h =
          tally.row_frequency(placements.rows + carrying_types[c]);
      row->mutable_frequency_histogram()->Add(h, h + f);
      AddKPlus(h, f, row->mutable_reach_k_plus());
    }
  }

  int64_t cumulative = 0;
  int64_t cumulative_households = 0;
  for (int d = 0; d < campaign.flight_days(); ++d) {
    cumulative += tally.daily_new_reach()[d];
    cumulative_households += tally.daily_new_households()[d];
    v1::DailyRow* row = report.add_daily();
    row->set_day(d + 1);
    int64_t day_impressions = 0;
    for (int j = 0; j < placements.rows; ++j)
      day_impressions +=
          tally.daily_placement_impressions()[d * placements.rows + j];
    row->set_impressions(day_impressions);
    row->set_exposures(tally.daily_exposures()[d]);
    row->set_new_reach_people(tally.daily_new_reach()[d]);
    row->set_cumulative_reach_people(cumulative);
    row->set_cumulative_reach_pct(100.0 * Ratio(cumulative, people));
    row->set_cumulative_reach_households(cumulative_households);
    for (size_t j = 0; j < campaign.placements().size(); ++j) {
      row->add_placement_impressions(
          tally.daily_placement_impressions()[d * placements.rows + j]);
    }
    row->set_refused_by_cap(tally.daily_refused()[d]);
  }

  AddWeekly(campaign, tally, people, &report);
  AddAudiences(ecosystem, campaign, tally, &report);

  const double spend = AddDelivery(campaign, tally, &report);
  report.set_spend(spend);
  report.set_cost_per_reached_person(Ratio(spend, tally.reach_people()));
  report.set_reach_pct_of_all_people(
      100.0 * Ratio(tally.reach_people(), tally.all_people()));
  AddCaps(campaign, tally, &report);
  if (timed) {
    for (int h = 0; h < kHoursPerDay; ++h)
      report.add_hourly_impressions(tally.hourly_impressions()[h]);
  }
  int64_t interactions = 0;
  for (const v1::PlacementDelivery& row : report.delivery())
    interactions += row.interactions();
  report.set_interactions(interactions);
  for (size_t j = 0; j < campaign.placements().size(); ++j) {
    for (int t = 0; t < types.rows; ++t) {
      const int64_t n = tally.cross_device()[j * types.rows + t];
      if (n == 0) continue;
      v1::CrossDeviceInteraction* row = report.add_cross_device_interactions();
      row->set_placement(campaign.placements()[j].name);
      row->set_from_device_type(
          type_names[campaign.placements()[j].device_type]);
      row->set_to_device_type(type_names[t]);
      row->set_interactions(n);
    }
  }
  const auto& routes = campaign.retarget_routes();
  for (size_t r = 0; r < routes.size(); ++r) {
    v1::RetargetingRow* row = report.add_retargeting();
    row->set_placement(campaign.placements()[routes[r].placement].name);
    row->set_after(routes[r].after);
    row->set_within_days(routes[r].within_days);
    row->set_source_people(tally.retargeting()[2 * r]);
    row->set_retargeted_people(tally.retargeting()[2 * r + 1]);
    row->set_retargeted_pct(
        100.0 * Ratio(row->retargeted_people(), row->source_people()));
  }
  report.set_conversions(tally.conversions());
  report.set_cost_per_conversion(Ratio(spend, tally.conversions()));
  report.set_off_target_exposures(tally.off_target_exposures());

  v1::PopulationSummary* pop = report.mutable_population();
  pop->set_households(tally.all_households());
  pop->set_people(tally.all_people());
  pop->set_mean_household_size(
      Ratio(tally.all_people(), tally.all_households()));
  for (int t = 0; t < types.rows; ++t) {
    auto* d = pop->add_devices();
    d->set_device_type(type_names[t]);
    d->set_devices(types.devices[t]);
  }
  for (int k = 1; k < tally.shape().link_kinds; ++k) {
    auto* l = pop->add_links();
    l->set_kind(v1::LinkKind_Name(static_cast<v1::LinkKind>(k)));
    l->set_links(tally.links()[k]);
  }
  pop->set_social_contacts(tally.social_contacts());
  if (campaign.platform_units()) AddPlatform(campaign, tally, &report);
  return report;
}

}  // namespace aiotreach

namespace aiotreach {
namespace {

constexpr double kT975[31] = {0,     12.706, 4.303, 3.182, 2.776, 2.571, 2.447,
                              2.365, 2.306,  2.262, 2.228, 2.201, 2.179, 2.160,
                              2.145, 2.131,  2.120, 2.110, 2.101, 2.093, 2.086,
                              2.080, 2.074,  2.069, 2.064, 2.060, 2.056, 2.052,
                              2.048, 2.045,  2.042};

}  // namespace

const std::vector<HeadlineFigure>& HeadlineFigures() {
  static const std::vector<HeadlineFigure>* figures =
      new std::vector<HeadlineFigure>{
          {"reach_people",
           [](const v1::Report& r) { return 1.0 * r.reach_people(); }},
          {"reach_pct", [](const v1::Report& r) { return r.reach_pct(); }},
          {"reach_households",
           [](const v1::Report& r) { return 1.0 * r.reach_households(); }},
          {"reach_3_plus",
           [](const v1::Report& r) {
             return r.reach_k_plus_size() >= 3 ? 1.0 * r.reach_k_plus(2) : 0.0;
           }},
          {"impressions",
           [](const v1::Report& r) { return 1.0 * r.impressions(); }},
          {"exposures",
           [](const v1::Report& r) { return 1.0 * r.exposures(); }},
          {"average_frequency",
           [](const v1::Report& r) { return r.average_frequency(); }},
          {"grp", [](const v1::Report& r) { return r.grp(); }},
          {"spend", [](const v1::Report& r) { return r.spend(); }},
          {"cost_per_reached_person",
           [](const v1::Report& r) { return r.cost_per_reached_person(); }},
          {"interactions",
           [](const v1::Report& r) { return 1.0 * r.interactions(); }},
          {"conversions",
           [](const v1::Report& r) { return 1.0 * r.conversions(); }},
      };
  return *figures;
}

const std::vector<StreamFigure>& StreamFigures() {
  static const std::vector<StreamFigure>* figures =
      new std::vector<StreamFigure>{
          {"unique_viewers",
           [](const v1::StreamReport& s) { return 1.0 * s.unique_viewers(); }},
          {"peak_concurrent",
           [](const v1::StreamReport& s) { return 1.0 * s.peak_concurrent(); }},
          {"viewer_minutes",
           [](const v1::StreamReport& s) { return s.viewer_minutes(); }},
          {"likes", [](const v1::StreamReport& s) { return 1.0 * s.likes(); }},
          {"new_followers",
           [](const v1::StreamReport& s) { return 1.0 * s.new_followers(); }},
          {"share_arrivals",
           [](const v1::StreamReport& s) { return 1.0 * s.share_arrivals(); }},
          {"union_reach",
           [](const v1::StreamReport& s) {
             return 1.0 * s.with_campaign().union_reach();
           }},
      };
  return *figures;
}

std::string StreamFigureName(absl::string_view stream,
                             absl::string_view figure) {
  return absl::StrCat("live_streams[", stream, "].", figure);
}

const HeadlineFigure* FindHeadlineFigure(absl::string_view name) {
  for (const HeadlineFigure& f : HeadlineFigures()) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

double StudentT975(int df) {
  if (df < 1) return 0.0;
  if (df <= 30) return kT975[df];
  // Cornish-Fisher expansion of t in powers of 1 / df around z.
  const double z = 1.959963984540054;
  const double v = df;
  const double z3 = z * z * z;
  const double z5 = z3 * z * z;
  const double z7 = z5 * z * z;
  return z + (z3 + z) / (4 * v) + (5 * z5 + 16 * z3 + 3 * z) / (96 * v * v) +
         (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * v * v * v);
}

void AddUncertainty(const std::vector<v1::Report>& replicates,
                    v1::Report* report) {
  const int r = static_cast<int>(replicates.size());
  v1::Uncertainty* u = report->mutable_uncertainty();
  u->set_replicates(r);
  u->set_method(absl::StrCat(
      "mean of ", r,
      " independent replicates (replicate 0 is the scenario's seed and is "
      "the body of this report; replicate i > 0 has its own seed derived "
      "from it) and the 95% Student-t interval for the mean, mean +- t(0.975, ",
      r - 1, ") * sd / sqrt(", r, ")"));
  const double t = StudentT975(r - 1);
  auto add = [&](const std::string& name, const auto& get) {
    double sum = 0.0;
    for (const v1::Report& rep : replicates) sum += get(rep);
    const double mean = sum / r;
    double ss = 0.0;
    for (const v1::Report& rep : replicates) {
      const double d = get(rep) - mean;
      ss += d * d;
    }
    const double sd = r > 1 ? std::sqrt(ss / (r - 1)) : 0.0;
    const double half = t * sd / std::sqrt(static_cast<double>(r));
    v1::FigureInterval* row = u->add_figures();
    row->set_figure(name);
    row->set_mean(mean);
    row->set_sd(sd);
    row->set_lower(mean - half);
    row->set_upper(mean + half);
  };
  for (const HeadlineFigure& f : HeadlineFigures()) add(f.name, f.get);
  // Each live stream's figures.
  for (int k = 0; k < report->live_streams_size(); ++k) {
    for (const StreamFigure& f : StreamFigures()) {
      const auto get = f.get;
      add(StreamFigureName(report->live_streams(k).name(), f.name),
          [k, get](const v1::Report& rep) { return get(rep.live_streams(k)); });
    }
  }
}

}  // namespace aiotreach
