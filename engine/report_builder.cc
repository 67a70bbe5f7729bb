#include "engine/report_builder.h"

#include <vector>

namespace aiotreach {
namespace {

double Ratio(int64_t num, int64_t den) {
  return den > 0 ? static_cast<double>(num) / static_cast<double>(den) : 0.0;
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

}  // namespace

v1::Report BuildReport(const std::string& scenario_name, uint64_t seed,
                       const Ecosystem& ecosystem, const Campaign& campaign,
                       const Tally& tally) {
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

  report.set_impressions(tally.impressions());
  report.set_spend(0.0);
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
  std::vector<int64_t> k_plus(f);
  int64_t at_least = 0;
  for (int k = f; k >= 1; --k)
    k_plus[k - 1] = at_least += tally.histogram()[k - 1];
  for (int64_t v : k_plus) report.add_reach_k_plus(v);
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

  int64_t cumulative = 0;
  int64_t cumulative_households = 0;
  for (int d = 0; d < campaign.flight_days(); ++d) {
    cumulative += tally.daily_new_reach()[d];
    cumulative_households += tally.daily_new_households()[d];
    v1::DailyRow* row = report.add_daily();
    row->set_day(d + 1);
    row->set_impressions(tally.daily_impressions()[d]);
    row->set_exposures(tally.daily_exposures()[d]);
    row->set_new_reach_people(tally.daily_new_reach()[d]);
    row->set_cumulative_reach_people(cumulative);
    row->set_cumulative_reach_pct(100.0 * Ratio(cumulative, people));
    row->set_cumulative_reach_households(cumulative_households);
  }

  v1::PopulationSummary* pop = report.mutable_population();
  pop->set_households(tally.households());
  pop->set_people(people);
  pop->set_mean_household_size(Ratio(people, tally.households()));
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
  return report;
}

}  // namespace aiotreach
