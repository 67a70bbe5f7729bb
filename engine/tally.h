// The counters a simulation accumulates: all integers, in one flat array.
//
// Shards and workers each fill their own Tally; Merge() adds them. Integer
// sums do not depend on the order of merging, so the report is identical
// for any thread count, shard size or (later) number of processes, and a
// Tally can be reduced across processes as one array of int64.
//
//   Tally total(shape);
//   total.Merge(worker_tally);
#ifndef AIOTREACH_ENGINE_TALLY_H_
#define AIOTREACH_ENGINE_TALLY_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace aiotreach {

struct TallyShape {
  int placements = 0;
  int device_types = 0;
  int flight_days = 0;
  int max_frequency = 0;
  int link_kinds = 4;  // LinkKind values, 0 unused
  int caps = 0;
  int retargets = 0;  // retargeting routes
  // Calendar weeks of the flight whose reach is counted (0 when the flight
  // lies in one week: its weekly reach is the reach).
  int weeks = 0;
  // Rows of the audience breakdowns (AudienceLayout); 0: none.
  int audience_rows = 0;
  // Frequency histograms of the placement and device-type rows.
  bool row_frequency = false;
  // Sampling blocks (households by id, kSamplingBlockHouseholds each),
  // counted with platform units for the sampling error; 0: none.
  int64_t sampling_blocks = 0;
};

// The sampling error of a projection to the platform (Report.platform)
// comes from the spread of totals over blocks of households: households
// [b * kSamplingBlockHouseholds, (b + 1) * kSamplingBlockHouseholds) form
// block b, whichever shard, thread or rank counted them.
inline constexpr int kSamplingBlockShift = 10;
inline constexpr int64_t kSamplingBlockHouseholds = int64_t{1}
                                                    << kSamplingBlockShift;
// What each block counts: Tally::sampling()[block * kSamplingMetrics + m].
enum SamplingMetric {
  kSamplePeople,      // everyone: the ratio estimator's base (the sample is
  kSampleHouseholds,  // drawn to a number of people)
  kSampleTargetPeople,
  kSampleReachPeople,
  kSampleReachHouseholds,
  kSampleImpressions,
  kSampleExposures,
  kSampleInteractions,
  kSampleConversions,
  kSampleSpend,  // millionths of a yuan, impressions priced by cpm
  // Of those, the placements paced to a goal or budget: their totals are
  // fixed by the goal when it is met.
  kSamplePacedImpressions,
  kSamplePacedSpend,
  kSamplingMetrics
};

// A placement's cpm as millionths of a yuan an impression (kSampleSpend).
inline int64_t MicroYuanPerImpression(double cpm) {
  return static_cast<int64_t>(cpm * 1000.0 + 0.5);
}

// Per-placement delivery counters (the day-by-day simulation's).
struct DeliveryCounters {
  int64_t* won;
  int64_t* refused;  // won but refused by a cap
  int64_t* interactions;
  int64_t* follow_ups;
  int64_t* conversions_last_touch;
  // Conversions split evenly, in units of 1 / kEvenSplitUnit.
  int64_t* conversions_even_split;
  int64_t* casts;  // impressions cast to the household TV
};

// Per-cap counters.
struct CapCounters {
  int64_t* refused;
  int64_t* exposures_over_limit;
  int64_t* people_over_limit;
};

// Even-split attribution shares a conversion among up to 64 placements; in
// units of lcm(1..16), shares among up to 16 are exact integers (more are
// rounded to the nearest unit), so sums stay exact and order-free.
inline constexpr int64_t kEvenSplitUnit = 720720;

// Per-row counters of a breakdown (by placement or by device type).
struct BreakdownCounters {
  int64_t* impressions;
  int64_t* exposures;
  int64_t* reach;
  int64_t* exclusive;
  int64_t* devices;          // devices that can carry it
  int64_t* devices_reached;  // devices with >= 1 impression
  int64_t* overlap;          // rows x rows; [a * rows + b] for a < b
  int rows;
};

class Tally {
 public:
  explicit Tally(const TallyShape& shape);

  const TallyShape& shape() const { return shape_; }

  // Scalars.
  int64_t& people() { return values_[kPeople]; }
  int64_t& households() { return values_[kHouseholds]; }
  int64_t& reach_people() { return values_[kReachPeople]; }
  int64_t& reach_households() { return values_[kReachHouseholds]; }
  int64_t& impressions() { return values_[kImpressions]; }
  int64_t& exposures() { return values_[kExposures]; }
  int64_t& social_contacts() { return values_[kSocialContacts]; }
  int64_t& all_people() { return values_[kAllPeople]; }
  int64_t& all_households() { return values_[kAllHouseholds]; }
  int64_t& conversions() { return values_[kConversions]; }
  int64_t& off_target_exposures() { return values_[kOffTargetExposures]; }
  int64_t all_people() const { return values_[kAllPeople]; }
  int64_t all_households() const { return values_[kAllHouseholds]; }
  int64_t conversions() const { return values_[kConversions]; }
  int64_t off_target_exposures() const { return values_[kOffTargetExposures]; }
  int64_t people() const { return values_[kPeople]; }
  int64_t households() const { return values_[kHouseholds]; }
  int64_t reach_people() const { return values_[kReachPeople]; }
  int64_t reach_households() const { return values_[kReachHouseholds]; }
  int64_t impressions() const { return values_[kImpressions]; }
  int64_t exposures() const { return values_[kExposures]; }
  int64_t social_contacts() const { return values_[kSocialContacts]; }

  // [f-1] = people exposed f times, the last bucket F or more.
  int64_t* histogram() { return &values_[histogram_]; }
  const int64_t* histogram() const { return &values_[histogram_]; }
  // Per flight day (0-based). A day's impressions are the sum of its
  // daily_placement_impressions row (counted once, per placement).
  int64_t* daily_exposures() {
    return &values_[daily_ + 0 * shape_.flight_days];
  }
  int64_t* daily_new_reach() {
    return &values_[daily_ + 1 * shape_.flight_days];
  }
  int64_t* daily_new_households() {
    return &values_[daily_ + 2 * shape_.flight_days];
  }
  const int64_t* daily_exposures() const { return &values_[daily_]; }
  const int64_t* daily_new_reach() const {
    return &values_[daily_ + shape_.flight_days];
  }
  const int64_t* daily_new_households() const {
    return &values_[daily_ + 2 * shape_.flight_days];
  }
  // [d * placements + j]: impressions of placement j on day d.
  int64_t* daily_placement_impressions() { return &values_[daily_placements_]; }
  const int64_t* daily_placement_impressions() const {
    return &values_[daily_placements_];
  }
  int64_t* daily_refused() { return &values_[daily_refused_]; }
  const int64_t* daily_refused() const { return &values_[daily_refused_]; }
  // Impressions by hour of day (24).
  int64_t* hourly_impressions() { return &values_[hourly_]; }
  const int64_t* hourly_impressions() const { return &values_[hourly_]; }
  // [j * device_types + t]: follow-ups of placement j on voice type t.
  int64_t* cross_device() { return &values_[cross_device_]; }
  const int64_t* cross_device() const { return &values_[cross_device_]; }
  DeliveryCounters delivery() const;
  CapCounters caps() const;
  // Per retargeting route r: [2 r] source people, [2 r + 1] retargeted.
  int64_t* retargeting() { return &values_[retarget_]; }
  const int64_t* retargeting() const { return &values_[retarget_]; }
  // [block * kSamplingMetrics + metric], or null without sampling blocks.
  int64_t* sampling() {
    return shape_.sampling_blocks > 0 ? &values_[sampling_] : nullptr;
  }
  const int64_t* sampling() const {
    return shape_.sampling_blocks > 0 ? &values_[sampling_] : nullptr;
  }
  // The row of the block holding household `household` (an id).
  static int64_t* SamplingRow(int64_t* sampling, int64_t household) {
    return sampling + (household >> kSamplingBlockShift) * kSamplingMetrics;
  }
  // Adds household `household`'s people, target people and reach, counted
  // after the flight, to its block's row; returns the row.
  static int64_t* SampleHousehold(int64_t* sampling, int64_t household,
                                  int64_t people, int64_t target_people,
                                  int64_t reached_people, bool reached) {
    int64_t* row = SamplingRow(sampling, household);
    row[kSamplePeople] += people;
    ++row[kSampleHouseholds];
    row[kSampleTargetPeople] += target_people;
    row[kSampleReachPeople] += reached_people;
    row[kSampleReachHouseholds] += reached;
    return row;
  }
  // People reached in each calendar week (shape().weeks).
  int64_t* weekly_reach() { return &values_[weekly_]; }
  const int64_t* weekly_reach() const { return &values_[weekly_]; }
  // Audience row r: [0] target people, [1] reached, [2] exposures, then the
  // frequency histogram (max_frequency buckets).
  int64_t* audience(int r) {
    return &values_[audiences_ + static_cast<size_t>(r) * AudienceStride()];
  }
  const int64_t* audience(int r) const {
    return const_cast<Tally*>(this)->audience(r);
  }
  size_t AudienceStride() const { return 3 + shape_.max_frequency; }
  // With shape().row_frequency: the frequency histogram of placement j
  // (row j) or of device type t (row placements + t); null without.
  int64_t* row_frequency(int row) {
    return shape_.row_frequency
               ? &values_[row_frequency_ +
                          static_cast<size_t>(row) * shape_.max_frequency]
               : nullptr;
  }
  const int64_t* row_frequency(int row) const {
    return const_cast<Tally*>(this)->row_frequency(row);
  }
  // Device-device links by LinkKind value.
  int64_t* links() { return &values_[links_]; }
  const int64_t* links() const { return &values_[links_]; }

  BreakdownCounters placements() {
    return Breakdown(placements_, shape_.placements);
  }
  BreakdownCounters device_types() {
    return Breakdown(device_types_, shape_.device_types);
  }
  BreakdownCounters placements() const {
    return const_cast<Tally*>(this)->placements();
  }
  BreakdownCounters device_types() const {
    return const_cast<Tally*>(this)->device_types();
  }

  // Adds other's counters to this one's. Shapes must match.
  void Merge(const Tally& other);

  const std::vector<int64_t>& values() const { return values_; }
  // Every counter, flat (for sums across processes).
  std::vector<int64_t>& mutable_values() { return values_; }

 private:
  enum Scalar {
    kPeople,
    kHouseholds,
    kReachPeople,
    kReachHouseholds,
    kImpressions,
    kExposures,
    kSocialContacts,
    kAllPeople,
    kAllHouseholds,
    kConversions,
    kOffTargetExposures,
    kNumScalars
  };
  BreakdownCounters Breakdown(size_t offset, int rows);
  static size_t BreakdownSize(int rows) { return 6 * rows + rows * rows; }

  TallyShape shape_;
  size_t histogram_ = 0;
  size_t daily_ = 0;
  size_t links_ = 0;
  size_t placements_ = 0;
  size_t device_types_ = 0;
  size_t delivery_ = 0;
  size_t caps_ = 0;
  size_t daily_placements_ = 0;
  size_t daily_refused_ = 0;
  size_t hourly_ = 0;
  size_t cross_device_ = 0;
  size_t retarget_ = 0;
  size_t sampling_ = 0;
  size_t weekly_ = 0;
  size_t audiences_ = 0;
  size_t row_frequency_ = 0;
  std::vector<int64_t> values_;
};

}  // namespace aiotreach

#endif  // AIOTREACH_ENGINE_TALLY_H_
