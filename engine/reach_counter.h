// Counts reached people into a Tally: reach, exposures, the frequency
// histogram, first-exposure days, and the breakdowns by placement and by
// device type (reach, exclusive reach, pairwise overlap).
//
// People are counted by their reach masks (which placements and which
// device types reached them): Person() adds one to the count of its masks,
// and Finish() folds the counts into the breakdowns. This is exact and far
// cheaper than updating every row for every person.
//
//   ReachCounter reach(campaign, &tally);
//   reach.Person(count, first_day, placement_mask, reach.TypeBits(types));
//   reach.Finish();
//
// Not thread-safe: one per worker.
#ifndef AIOTREACH_ENGINE_REACH_COUNTER_H_
#define AIOTREACH_ENGINE_REACH_COUNTER_H_

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/audience.h"
#include "engine/campaign.h"
#include "engine/tally.h"

namespace aiotreach {

// Adds n people of reach mask `mask` to a breakdown: bit c of the mask is
// row rows[c]. Adds to the reach of each row, the exclusive reach of a lone
// row, and the overlap of each pair.
void CountMask(uint64_t mask, int64_t n, const int* rows,
               const BreakdownCounters& b);

// People counted by reach mask, folded into a breakdown on Fold(). Masks
// of more than kMaxTableBits bits are counted into the breakdown directly.
class MaskCounter {
 public:
  // rows[c]: the breakdown row of mask bit c.
  explicit MaskCounter(std::vector<int> rows);

  // One reached person (mask != 0).
  void Add(uint64_t mask, const BreakdownCounters& b) {
    if (!table_.empty()) {
      ++table_[mask];
    } else {
      CountMask(mask, 1, rows_.data(), b);
    }
  }

  // Moves the counts so far into `b`.
  void Fold(const BreakdownCounters& b);

 private:
  static constexpr size_t kMaxTableBits = 10;
  std::vector<int> rows_;
  std::vector<int64_t> table_;
};

class ReachCounter {
 public:
  // `tally` must outlive the counter.
  ReachCounter(const Campaign& campaign, Tally* tally);

  // The type-mask bit of device type t (bit c: the c-th type of
  // Campaign::CarryingTypes()); 0 for a type that carries nothing.
  uint64_t TypeBit(int t) const { return type_bit_[t]; }

  // One person exposed `count` >= 1 times, first on day `first_day`, by the
  // placements of `placements` (bit j: placement j) on the device types of
  // `types` (TypeBit bits).
  void Person(int64_t count, int first_day, uint64_t placements,
              uint64_t types) {
    ++tally_.reach_people();
    tally_.exposures() += count;
    ++histogram_[std::min<int64_t>(count, max_frequency_) - 1];
    ++daily_new_reach_[first_day];
    placement_masks_.Add(placements, placement_rows_);
    type_masks_.Add(types, type_rows_);
  }

  // With breakdown frequencies: a reached person exposed `count` times by
  // placement j, or on device type t.
  bool row_frequency() const { return row_frequency_; }
  void PlacementFrequency(int j, int64_t count) {
    ++tally_.row_frequency(j)[std::min<int64_t>(count, max_frequency_) - 1];
  }
  void TypeFrequency(int t, int64_t count) {
    ++tally_.row_frequency(placements_ +
                           t)[std::min<int64_t>(count, max_frequency_) - 1];
  }

  // A household whose first member was reached on day `first_day`.
  void Household(int first_day) {
    ++tally_.reach_households();
    ++daily_new_households_[first_day];
  }

  // Moves what is still held into the tally. Call once, at the end.
  void Finish() {
    placement_masks_.Fold(placement_rows_);
    type_masks_.Fold(type_rows_);
  }

 private:
  Tally& tally_;
  const int64_t max_frequency_;
  int64_t* const histogram_;
  int64_t* const daily_new_reach_;
  int64_t* const daily_new_households_;
  const BreakdownCounters placement_rows_;
  const BreakdownCounters type_rows_;
  std::vector<uint64_t> type_bit_;
  const bool row_frequency_;
  const int placements_;
  MaskCounter placement_masks_;
  MaskCounter type_masks_;
};

// Counts people into weekly_reach by the mask of the calendar weeks they
// were exposed in (bit w: week w). Flights of up to kMaxTableBits weeks
// count people by mask and fold the counts at the end (a loop over each
// person's weeks mispredicts its exit once a person: 10% of W1).
class WeekCounter {
 public:
  WeekCounter(int weeks, int64_t* weekly_reach) : weekly_reach_(weekly_reach) {
    if (weeks <= kMaxTableBits) table_.assign(size_t{1} << weeks, 0);
  }
  void Add(uint64_t weeks) {
    if (!table_.empty()) {
      ++table_[weeks];
    } else {
      Fold(weeks, 1);
    }
  }
  // Moves the counts so far into weekly_reach.
  void Finish() {
    for (size_t mask = 1; mask < table_.size(); ++mask) {
      if (table_[mask] != 0) Fold(mask, table_[mask]);
      table_[mask] = 0;
    }
  }

 private:
  static constexpr int kMaxTableBits = 10;
  void Fold(uint64_t weeks, int64_t n) {
    for (uint64_t rest = weeks; rest != 0; rest &= rest - 1)
      weekly_reach_[__builtin_ctzll(rest)] += n;
  }
  int64_t* const weekly_reach_;
  std::vector<int64_t> table_;
};

// Counts target people into the audience rows of a Tally.
class AudienceCounter {
 public:
  AudienceCounter(const AudienceLayout& layout, Tally* tally);

  bool enabled() const { return enabled_; }
  bool needs_age_band() const { return age_first_ >= 0; }
  bool needs_city_tier() const { return tier_first_ >= 0; }
  bool needs_gender() const { return gender_first_ >= 0; }

  // A target person of these categories, exposed `count` times (0: not
  // reached), in a household of `household_size`.
  void Person(int age_band, int gender, int city_tier, int household_size,
              int64_t count) {
    if (age_first_ >= 0) Row(age_first_ + age_band, count);
    if (gender_first_ >= 0) Row(gender_first_ + gender, count);
    if (tier_first_ >= 0) Row(tier_first_ + city_tier, count);
    if (size_first_ >= 0) Row(size_first_ + household_size - 1, count);
  }

 private:
  void Row(int r, int64_t count) {
    int64_t* row = tally_.audience(r);
    ++row[0];
    if (count == 0) return;
    ++row[1];
    row[2] += count;
    ++row[3 + std::min(count, max_frequency_) - 1];
  }

  Tally& tally_;
  const int64_t max_frequency_;
  const bool enabled_;
  const int age_first_, gender_first_, tier_first_, size_first_;
};

}  // namespace aiotreach

#endif  // AIOTREACH_ENGINE_REACH_COUNTER_H_
