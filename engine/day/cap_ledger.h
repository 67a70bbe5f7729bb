// The day loop's frequency-cap bookkeeping in one place: which caps cover a
// placement, the counters of the day (per household member and device, for
// the household being served) and of the flight (per person and device, in
// the ShardState), the check before an impression, and the counts of
// refusals and of exposures past a limit. Internal to the day-by-day path.
//
//   CapLedger caps(campaign, plan, slots, tally->caps());
//   int c = caps.Blocking(j, st, i, m0, member, slot);  // -1: no cap hit
//   caps.CountImpression(j, &st, i, slot);
//   caps.CountExposure(j, &st, pm, m);
//   caps.EndHouseholdDay(st, i, m0, size);
//
// One per worker thread; not thread-safe. Header-only: its methods run per
// event and inline into the serve loop.
#ifndef AIOTREACH_ENGINE_DAY_CAP_LEDGER_H_
#define AIOTREACH_ENGINE_DAY_CAP_LEDGER_H_

#include <algorithm>
#include <cstdint>
#include <vector>

#include "engine/campaign.h"
#include "engine/day/shard_state.h"
#include "engine/tally.h"

namespace aiotreach {
namespace day {

// The caps, split the ways the simulation reads them. Shared by the
// workers of a run.
struct CapPlan {
  // Per cap: index among flight caps (person counters), and among flight
  // device caps (device counters); -1 if not one.
  std::vector<int> flight_index;
  std::vector<int> flight_device_index;
  int flight_caps = 0;
  int flight_device_caps = 0;
  // Per placement: the caps covering it, in list order.
  std::vector<std::vector<int>> covering;

  explicit CapPlan(const Campaign& campaign) {
    const auto& caps = campaign.caps();
    covering.resize(campaign.placements().size());
    for (size_t c = 0; c < caps.size(); ++c) {
      flight_index.push_back(caps[c].daily ? -1 : flight_caps++);
      flight_device_index.push_back(
          caps[c].daily || caps[c].per_person ? -1 : flight_device_caps++);
      for (size_t j = 0; j < covering.size(); ++j) {
        if ((caps[c].placements >> j) & 1)
          covering[j].push_back(static_cast<int>(c));
      }
    }
  }
};

class CapLedger {
 public:
  // `campaign` and `plan` must outlive the ledger.
  CapLedger(const Campaign& campaign, const CapPlan& plan,
            const DeviceSlots& slots, CapCounters counters)
      : caps_(campaign.caps()),
        plan_(plan),
        slots_(slots),
        counters_(counters) {
    const int n = static_cast<int>(caps_.size());
    for (int c = 0; c < n; ++c) {
      has_device_caps_ = has_device_caps_ || !caps_[c].per_person;
      if (caps_[c].daily) day_caps_.push_back(c);
      if (caps_[c].window_days > 0) window_caps_.push_back(c);
    }
    day_person_.assign(size_t{static_cast<size_t>(n)} * kMaxHouseholdSize, 0);
    day_device_.assign(size_t{static_cast<size_t>(n)} * kMaxDeviceSlots, 0);
  }

  // True if some cap counts per device (the serve loop then works out
  // device slots).
  bool has_device_caps() const { return has_device_caps_; }

  // Sizes the shard's flight counters (all zero) for `people` and the
  // households of `st.pop`.
  void StartShard(ShardState* st) const {
    const int households = st->households();
    // One byte a counter to start with; the counters widen as they grow.
    st->flight_person.Assign(
        static_cast<size_t>(st->people()) * plan_.flight_caps, 0, 0);
    if (plan_.flight_device_caps == 0) {
      st->device_begin.clear();
      st->flight_device.Clear();
      return;
    }
    st->device_begin.assign(households + 1, 0);
    for (int i = 0; i < households; ++i) {
      const int size = static_cast<int>(st->pop.member_begin[i + 1] -
                                        st->pop.member_begin[i]);
      st->device_begin[i + 1] =
          st->device_begin[i] + slots_.Slot(*st, i, kMaxDeviceTypes, size);
    }
    st->flight_device.Assign(
        size_t{st->device_begin[households]} * plan_.flight_device_caps, 0, 0);
  }

  // The first cap covering placement j that `member` (person caps) or the
  // device in `slot` of household i (device caps) has reached; -1 if none.
  int Blocking(int j, const ShardState& st, int i, uint32_t m0, int member,
               int slot) const {
    for (int c : plan_.covering[j]) {
      const CompiledCap& cap = caps_[c];
      uint64_t n;
      if (cap.per_person) {
        n = cap.daily ? day_person_[c * kMaxHouseholdSize + member]
                      : st.flight_person[(m0 + member) * plan_.flight_caps +
                                         plan_.flight_index[c]];
      } else {
        n = cap.daily ? day_device_[c * kMaxDeviceSlots + slot]
                      : st.flight_device[(st.device_begin[i] + slot) *
                                             plan_.flight_device_caps +
                                         plan_.flight_device_index[c]];
      }
      if (n >= static_cast<uint64_t>(cap.limit)) return c;
    }
    return -1;
  }

  // An opportunity of placement j refused by cap c.
  void CountRefusal(int c) { ++counters_.refused[c]; }

  // An impression of placement j on the device in `slot` of household i:
  // its device caps count it.
  void CountImpression(int j, ShardState* st, int i, int slot) {
    for (int c : plan_.covering[j]) {
      if (caps_[c].per_person) continue;
      if (caps_[c].daily) {
        ++day_device_[c * kMaxDeviceSlots + slot];
      } else {
        st->flight_device.Increment((st->device_begin[i] + slot) *
                                        plan_.flight_device_caps +
                                    plan_.flight_device_index[c]);
      }
    }
  }

  // An exposure to placement j of household member m (shard person pm):
  // its person caps count it.
  void CountExposure(int j, ShardState* st, uint32_t pm, int m) {
    for (int c : plan_.covering[j]) {
      if (caps_[c].daily) {
        ++day_person_[c * kMaxHouseholdSize + m];
      } else {
        st->flight_person.Increment(pm * plan_.flight_caps +
                                    plan_.flight_index[c]);
      }
    }
  }

  // After household i's day: adds its exposures past each day cap's limit
  // and zeroes the day counters for the next household.
  void EndHouseholdDay(const ShardState& st, int i, uint32_t m0, int size) {
    for (int c : day_caps_) {
      uint32_t* person = &day_person_[c * kMaxHouseholdSize];
      for (int m = 0; m < size; ++m) {
        const int n = static_cast<int>(person[m]);
        person[m] = 0;
        if (st.in_target[m0 + m]) CountOverLimit(c, n);
      }
      if (!caps_[c].per_person) {
        std::fill_n(&day_device_[c * kMaxDeviceSlots],
                    slots_.Slot(st, i, kMaxDeviceTypes, size), 0);
      }
    }
  }

  // Before flight day `day` on a shard: the caps whose window starts that
  // day count the exposures past their limit in the window that ended,
  // and their counters start again.
  void StartDay(int day, ShardState* st) {
    for (int c : window_caps_) {
      if (!caps_[c].StartsWindow(day)) continue;
      const int k = plan_.flight_index[c];
      const size_t people = static_cast<size_t>(st->people());
      for (size_t pm = 0; pm < people; ++pm) {
        const size_t at = pm * plan_.flight_caps + k;
        if (st->in_target[pm]) CountOverLimit(c, st->flight_person[at]);
        st->flight_person.Set(at, 0);
      }
      const int kd = plan_.flight_device_index[c];
      if (kd < 0) continue;
      const size_t devices = st->device_begin.empty()
                                 ? 0
                                 : size_t{st->device_begin[st->households()]};
      for (size_t slot = 0; slot < devices; ++slot)
        st->flight_device.Set(slot * plan_.flight_device_caps + kd, 0);
    }
  }

  // After the flight: shard person pm's exposures past each flight cap (in
  // the last window of a windowed cap).
  void EndFlight(const ShardState& st, uint32_t pm) {
    for (size_t c = 0; c < caps_.size(); ++c) {
      const int k = plan_.flight_index[c];
      if (k < 0) continue;
      CountOverLimit(static_cast<int>(c),
                     st.flight_person[pm * plan_.flight_caps + k]);
    }
  }

 private:
  // Day device counters: [cap * kMaxDeviceSlots + device slot].
  static constexpr int kMaxDeviceSlots =
      kMaxDeviceTypes * (1 + kMaxHouseholdSize);

  const std::vector<CompiledCap>& caps_;
  const CapPlan& plan_;
  const DeviceSlots slots_;
  const CapCounters counters_;
  bool has_device_caps_ = false;
  // A person's `n` exposures in one period of cap c.
  void CountOverLimit(int c, uint64_t n) {
    if (n > static_cast<uint64_t>(caps_[c].limit)) {
      counters_.exposures_over_limit[c] += n - caps_[c].limit;
      ++counters_.people_over_limit[c];
    }
  }

  std::vector<int> day_caps_;     // indices of the per-day caps
  std::vector<int> window_caps_;  // caps over windows of days
  // Day counters of the household being served: [cap * kMaxHouseholdSize
  // + member] and [cap * kMaxDeviceSlots + slot].
  std::vector<uint32_t> day_person_;
  std::vector<uint32_t> day_device_;
};

}  // namespace day
}  // namespace aiotreach

#endif  // AIOTREACH_ENGINE_DAY_CAP_LEDGER_H_
