// The invariants of docs/MODEL.md ("Report") on every scenario in
// sims/, each run at a reduced population so the suite stays quick:
// histogram sums, sum f n_f = exposures, k+ monotone, union >= parts,
// every figure within its universe, totals equal to their breakdowns;
// and delivery: won = served + refused, spend within budget, daily and
// hourly delivery adding up, caps, interactions and conversions adding up;
// and each live stream's invariants. Scenarios run without their privacy
// release.
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "services/io/scenario_io.h"
#include "tests/scenario_testing.h"

namespace aiotreach {
namespace {

constexpr int64_t kMaxTestPeople = 20000;

std::vector<std::string> SimsFiles() {
  std::vector<std::string> files;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator("sims")) {
    const std::string path = entry.path().string();
    const std::string ext = entry.path().extension().string();
    if (ext == ".textproto" || ext == ".txtpb" || ext == ".json")
      files.push_back(path);
  }
  std::sort(files.begin(), files.end());
  return files;
}

int64_t Sum(const google::protobuf::RepeatedField<int64_t>& v) {
  int64_t s = 0;
  for (int64_t x : v) s += x;
  return s;
}

void ExpectRowWithinUniverse(const v1::BreakdownRow& row, const v1::Report& r) {
  SCOPED_TRACE(row.name());
  EXPECT_GE(row.reach_people(), 0);
  EXPECT_LE(row.reach_people(), r.reach_people());  // union >= each part
  EXPECT_LE(row.exclusive_reach(), row.reach_people());
  EXPECT_EQ(row.incremental_reach(), row.exclusive_reach());
  EXPECT_LE(row.reach_devices(), row.devices());
  EXPECT_LE(row.reach_people(), row.exposures());
  EXPECT_LE(row.impressions(),
            row.exposures());  // every impression exposes someone
}

void ExpectInvariants(const v1::Report& r) {
  const int64_t people = r.universe().people();
  ASSERT_GT(people, 0);
  // The frequency histogram adds up to reach and, with no overflow in the
  // last bucket (F = 100 here), sum f n_f equals exposures.
  EXPECT_EQ(Sum(r.frequency_histogram()), r.reach_people());
  const int f = r.frequency_histogram_size();
  ASSERT_EQ(f, 100);
  ASSERT_EQ(r.frequency_histogram(f - 1), 0)
      << "frequency above 99: raise the test's F";
  int64_t contacts = 0;
  for (int i = 0; i < f; ++i) contacts += (i + 1) * r.frequency_histogram(i);
  EXPECT_EQ(contacts, r.exposures());
  // k+ reach starts at reach and never increases.
  ASSERT_EQ(r.reach_k_plus_size(), f);
  EXPECT_EQ(r.reach_k_plus(0), r.reach_people());
  for (int k = 1; k < f; ++k)
    EXPECT_LE(r.reach_k_plus(k), r.reach_k_plus(k - 1));
  // Within universes.
  EXPECT_LE(r.reach_people(), people);
  EXPECT_LE(r.reach_households(), r.universe().households());
  EXPECT_LE(r.reach_devices(), r.universe().devices());
  EXPECT_GE(r.reach_pct(), 0.0);
  EXPECT_LE(r.reach_pct(), 100.0);
  EXPECT_LE(r.reach_households(), r.reach_people());
  EXPECT_DOUBLE_EQ(r.average_frequency() * r.reach_people(),
                   static_cast<double>(r.exposures()));
  EXPECT_DOUBLE_EQ(r.grp(), 100.0 * r.exposures() / people);
  // Totals equal their breakdowns; exclusive reaches are disjoint.
  for (const auto* rows : {&r.placements(), &r.device_types()}) {
    int64_t impressions = 0, exposures = 0, exclusive = 0;
    for (const v1::BreakdownRow& row : *rows) {
      ExpectRowWithinUniverse(row, r);
      impressions += row.impressions();
      exposures += row.exposures();
      exclusive += row.exclusive_reach();
    }
    EXPECT_EQ(impressions, r.impressions());
    EXPECT_EQ(exposures, r.exposures());
    EXPECT_LE(exclusive, r.reach_people());
  }
  // Overlaps: within each part, and inclusion-exclusion bounds the union.
  for (const auto& [rows, overlaps] :
       {std::pair{&r.placements(), &r.placement_overlap()},
        std::pair{&r.device_types(), &r.device_type_overlap()}}) {
    for (const v1::Overlap& o : *overlaps) {
      int64_t a = -1, b = -1;
      for (const v1::BreakdownRow& row : *rows) {
        if (row.name() == o.a()) a = row.reach_people();
        if (row.name() == o.b()) b = row.reach_people();
      }
      ASSERT_GE(a, 0);
      ASSERT_GE(b, 0);
      EXPECT_LE(o.reach_both(), std::min(a, b));
      EXPECT_GE(r.reach_people(), a + b - o.reach_both());
    }
  }
  // The daily curve adds up and ends at the totals.
  ASSERT_EQ(r.daily_size(), r.flight_days());
  int64_t impressions = 0, exposures = 0;
  for (int d = 0; d < r.daily_size(); ++d) {
    impressions += r.daily(d).impressions();
    exposures += r.daily(d).exposures();
    if (d > 0) {
      EXPECT_GE(r.daily(d).cumulative_reach_people(),
                r.daily(d - 1).cumulative_reach_people());
    }
  }
  EXPECT_EQ(impressions, r.impressions());
  EXPECT_EQ(exposures, r.exposures());
  EXPECT_EQ(r.daily(r.daily_size() - 1).cumulative_reach_people(),
            r.reach_people());
  EXPECT_EQ(r.daily(r.daily_size() - 1).cumulative_reach_households(),
            r.reach_households());
  EXPECT_EQ(r.population().people(), r.universe().all_people());
  EXPECT_EQ(r.population().households(), r.universe().all_households());
  EXPECT_LE(people, r.universe().all_people());
  EXPECT_LE(r.universe().households(), r.universe().all_households());
}

// Delivery, caps, interactions and conversions add up.
void ExpectDeliveryInvariants(const v1::Report& r) {
  ASSERT_EQ(r.delivery_size(), r.placements_size());
  double spend = 0.0;
  int64_t refused = 0, interactions = 0, follow_ups = 0, last_touch = 0;
  double even_split = 0.0;
  for (int j = 0; j < r.delivery_size(); ++j) {
    const v1::PlacementDelivery& d = r.delivery(j);
    SCOPED_TRACE(d.name());
    EXPECT_EQ(d.name(), r.placements(j).name());
    EXPECT_EQ(d.served(), r.placements(j).impressions());
    EXPECT_EQ(d.won(), d.served() + d.refused_by_cap());
    if (d.buying() == "budget") EXPECT_LE(d.spend(), d.budget() * (1 + 1e-12));
    if (d.goal() > 0) {
      EXPECT_EQ(d.under_delivery(),
                std::max<int64_t>(0, d.goal() - d.served()));
      EXPECT_EQ(d.over_delivery(), std::max<int64_t>(0, d.served() - d.goal()));
    }
    int64_t daily = 0;
    for (const v1::DailyRow& day : r.daily()) {
      ASSERT_EQ(day.placement_impressions_size(), r.delivery_size());
      daily += day.placement_impressions(j);
    }
    EXPECT_EQ(daily, d.served());
    EXPECT_LE(d.voice_follow_ups(), d.interactions());
    spend += d.spend();
    refused += d.refused_by_cap();
    interactions += d.interactions();
    follow_ups += d.voice_follow_ups();
    last_touch += d.conversions_last_touch();
    even_split += d.conversions_even_split();
  }
  EXPECT_NEAR(spend, r.spend(), 1e-9 * (1 + spend));
  EXPECT_EQ(interactions, r.interactions());
  EXPECT_EQ(last_touch, r.conversions());
  EXPECT_NEAR(even_split, r.conversions(), 1e-6 * (1 + r.conversions()));
  int64_t daily_refused = 0;
  for (const v1::DailyRow& day : r.daily())
    daily_refused += day.refused_by_cap();
  EXPECT_EQ(daily_refused, refused);
  int64_t cap_refused = 0;
  for (const v1::CapRow& cap : r.caps()) cap_refused += cap.refused();
  EXPECT_EQ(cap_refused, refused);
  int64_t cross = 0;
  for (const auto& row : r.cross_device_interactions())
    cross += row.interactions();
  EXPECT_EQ(cross, follow_ups);
  if (r.hourly_impressions_size() > 0) {
    ASSERT_EQ(r.hourly_impressions_size(), 24);
    EXPECT_EQ(Sum(r.hourly_impressions()), r.impressions());
  }
  EXPECT_LE(r.conversions(), r.reach_people());
  // Retargeting: the funnel narrows, and only retargeted people (and
  // co-viewers of a shared screen) see the retargeting placement.
  for (const v1::RetargetingRow& f : r.retargeting()) {
    EXPECT_LE(f.retargeted_people(), f.source_people());
    for (const v1::BreakdownRow& p : r.placements()) {
      if (p.name() == f.placement())
        EXPECT_LE(f.retargeted_people(), p.reach_people());
    }
  }
}

// Live streams: cumulative viewers non-decreasing and ending at the unique
// viewers, which are at least the peak; rows by channel and by device add
// up; followers only among non-fan viewers; the deduplicated reach adds up
// and is at least each part.
void ExpectStreamInvariants(const v1::Report& r) {
  for (const v1::StreamReport& s : r.live_streams()) {
    SCOPED_TRACE(s.name());
    int64_t previous = 0, peak = 0, sessions = 0;
    for (const v1::StreamMinute& m : s.minutes()) {
      EXPECT_GE(m.cumulative_viewers(), previous);
      previous = m.cumulative_viewers();
      peak = std::max(peak, m.concurrent());
      sessions += m.arrivals();
    }
    EXPECT_EQ(previous, s.unique_viewers());
    EXPECT_EQ(peak, s.peak_concurrent());
    EXPECT_GE(s.unique_viewers(), s.peak_concurrent());
    EXPECT_EQ(sessions, s.sessions());
    int64_t by_channel = 0, by_device = 0;
    for (const auto& c : s.channels()) by_channel += c.unique_viewers();
    for (const auto& d : s.devices()) by_device += d.unique_viewers();
    EXPECT_EQ(by_channel, s.unique_viewers());
    EXPECT_EQ(by_device, s.unique_viewers());
    EXPECT_LE(s.new_followers(), s.unique_viewers() - s.fan_viewers());
    EXPECT_LE(s.fan_viewers(), s.fans());
    const v1::StreamAndCampaign& c = s.with_campaign();
    EXPECT_EQ(c.union_reach(), c.stream_only() + c.campaign_only() + c.both());
    EXPECT_EQ(c.campaign_only() + c.both(), r.reach_people());
    EXPECT_LE(c.union_reach(), r.universe().people());
    EXPECT_LE(c.stream_only() + c.both(), s.unique_viewers());
  }
}

TEST(InvariantsTest, HoldOnEveryBundledScenario) {
  const std::vector<std::string> files = SimsFiles();
  ASSERT_GE(files.size(), 5u) << "sims/ not found in the test's runfiles";
  for (const std::string& path : files) {
    SCOPED_TRACE(path);
    absl::StatusOr<v1::Scenario> scenario = LoadScenarioFile(path);
    ASSERT_TRUE(scenario.ok()) << scenario.status();
    if (scenario->population() == 0 ||
        scenario->population() > kMaxTestPeople) {
      scenario->set_population(kMaxTestPeople);
      if (scenario->ecosystem().has_preset()) {
        scenario->mutable_ecosystem()->mutable_preset()->clear_scale();
      }
    }
    scenario->mutable_report()->set_max_frequency(100);
    // The exact figures: a privacy release suppresses and withholds some
    // (tests/privacy_test.cc checks the invariants a release keeps).
    scenario->clear_privacy();
    const v1::Report report = testing::RunOrDie(*scenario);
    if (scenario->placements_size() > 0) {
      EXPECT_GT(report.reach_people(), 0);
    } else {
      ASSERT_GT(report.live_streams_size(), 0);
      EXPECT_GT(report.live_streams(0).unique_viewers(), 0);
    }
    ExpectInvariants(report);
    ExpectStreamInvariants(report);
    ExpectDeliveryInvariants(report);
  }
}

}  // namespace
}  // namespace aiotreach
