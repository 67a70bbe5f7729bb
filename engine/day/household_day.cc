#include "engine/day/household_day.h"

#include <algorithm>

#include "engine/rng.h"

namespace aiotreach {
namespace day {
namespace {

// Events of a household-day sorted by insertion; more by std::stable_sort.
constexpr size_t kInsertionSortEvents = 64;

}  // namespace

HouseholdDay::HouseholdDay(const Population& population,
                           const Campaign& campaign, const CapPlan& plan,
                           uint64_t seed, const CancelToken* cancel,
                           Tally* tally)
    : population_(population),
      campaign_(campaign),
      seed_(seed),
      slots_(campaign),
      caps_(campaign, plan, slots_, tally->caps()),
      draws_(campaign, seed),
      poll_(cancel),
      tally_(*tally),
      placements_(tally->placements()),
      types_(tally->device_types()),
      delivery_(tally->delivery()),
      sampling_(tally->sampling()),
      weekly_reach_(tally->shape().weeks > 0 ? tally->weekly_reach()
                                             : nullptr) {
  if (weekly_reach_ != nullptr) {
    for (int d = 0; d < campaign.flight_days(); ++d)
      week_of_day_.push_back(static_cast<uint16_t>(campaign.WeekOf(d)));
  }
  for (const CompiledPlacement& p : campaign.placements())
    micro_cpm_.push_back(MicroYuanPerImpression(p.cpm));
  const auto& types = population.ecosystem().device_types();
  const auto& links = population.ecosystem().device_links();
  num_types_ = static_cast<int>(types.size());
  links_between_.resize(num_types_ * num_types_);
  account_links_.resize(num_types_);
  for (size_t l = 0; l < links.size(); ++l) {
    const DeviceLinkInfo& k = links[l];
    const int index = static_cast<int>(l);
    links_between_[k.from_type * num_types_ + k.to_type].push_back(index);
    links_between_[k.to_type * num_types_ + k.from_type].push_back(index);
    const bool from_hh = types[k.from_type].household_owned;
    const bool to_hh = types[k.to_type].household_owned;
    if (k.kind == v1::LINK_KIND_SAME_ACCOUNT && from_hh != to_hh)
      account_links_[from_hh ? k.from_type : k.to_type].push_back(index);
  }
  for (const RetargetRoute& route : campaign.retarget_routes()) {
    if (route.after_placement >= 0)
      source_placements_ |= uint64_t{1} << route.after_placement;
    if (route.after_type >= 0) source_types_ |= 1u << route.after_type;
  }
}

inline Rng HouseholdDay::DayStream(const CompiledPlacement& p,
                                   uint32_t owner_id, int day,
                                   const RngBlock* block, uint32_t word) const {
  if (block == nullptr)
    return Rng(seed_, p.stream, owner_id, DaySub(day), word);
  Rng rng(seed_, p.stream, owner_id, DaySub(day), *block);
  rng.Skip(word);
  return rng;
}

void HouseholdDay::SortManyEvents(std::vector<Event>* events) {
  std::stable_sort(
      events->begin(), events->end(),
      [](const Event& a, const Event& b) { return a.time < b.time; });
}

inline void HouseholdDay::AddEvent(double time, int device) {
  events_.emplace_back();
  Event& e = events_.back();
  e.time = time;
  e.device = device;
}

inline void HouseholdDay::Expose(int day, int j, int t, ShardState* st,
                                 uint32_t m0, int m) {
  const uint32_t pm = m0 + m;
  if ((promoting_ >> j) & 1) {
    Promote(day, j, static_cast<uint32_t>(st->pop.first_person + pm));
  }
  if (!st->in_target[pm]) {
    ++tally_.off_target_exposures();
    return;
  }
  if (((source_placements_ >> j) & 1) | ((source_types_ >> t) & 1))
    RecordSource(day, j, t, st, pm);
  // Days go in order: the first exposure's day is the first day.
  if (st->count[pm] == 0) st->first.Set(pm, static_cast<uint64_t>(day));
  st->count.Increment(pm);
  if (weekly_reach_ != nullptr) {
    // 1 + the week of the person's last exposure: the first exposure of a
    // week counts them in its reach.
    const uint64_t week = week_of_day_[day] + 1u;
    if (st->last_week[pm] != week) {
      st->last_week.Set(pm, week);
      ++weekly_reach_[week - 1];
    }
  }
  st->reached_by.Or(pm, uint64_t{1} << j);
  if (st->row_types > 0) {
    st->placement_count.Increment(size_t{pm} * campaign_.placements().size() +
                                  j);
    st->type_count.Increment(size_t{pm} * st->row_types + t);
  }
  st->types.Or(pm, uint64_t{1} << t);
  if (st->last.size() > 0) st->last.Set(pm, static_cast<uint64_t>(j) + 1);
  ++tally_.daily_exposures()[day];
  if (sampling_row_ != nullptr) ++sampling_row_[kSampleExposures];
  ++placements_.exposures[j];
  ++types_.exposures[t];
  caps_.CountExposure(j, st, pm, m);
}

inline void HouseholdDay::ServeEvent(int day, const Event& e, ShardState* st,
                                     int i, uint32_t m0, int size) {
  DeviceDay& d = devices_[e.device];
  const int j = d.placement;
  now_ = e.time;
  const CompiledPlacement& p = campaign_.placements()[j];
  // Words of this event: the audience's, then one for the interaction,
  // then two for a follow-up; all are read or skipped, so every event of
  // the device starts at a fixed place whatever happened before. The
  // stream is set up only for events that read words (not a phone's
  // impression without interactions).
  const uint32_t audience_words = p.AudienceWords(size);
  const uint32_t extra_words =
      (p.interaction_rate > 0.0 ? 1 : 0) + (p.follow_up > 0.0 ? 2 : 0);
  const uint32_t words = audience_words + extra_words;
  Rng rng =
      words > 0 ? DayStream(p, d.owner_id, day, d.block, d.next_word) : Rng();
  d.next_word += words;
  int checked = d.member;
  uint32_t rest = audience_words + extra_words;
  if (checked < 0) {
    checked = static_cast<int>(rng.UniformInt(size));
    --rest;
  }
  if (!st->in_target[m0 + checked] ||
      (p.retarget >= 0 && !Retargeted(p, day, *st, m0 + checked))) {
    rng.Skip(rest);
    return;
  }
  ++delivery_.won[j];
  const int blocking = caps_.Blocking(j, *st, i, m0, checked, d.slot);
  if (blocking >= 0) {
    ++delivery_.refused[j];
    caps_.CountRefusal(blocking);
    ++tally_.daily_refused()[day];
    rng.Skip(rest);
    return;
  }
  // Cast to the household TV: the impression is the TV's, its people
  // present exposed there. Drawn beside the event's words (kCastSubBit).
  int shown = d.type;
  Rng cast;
  if (p.cast_probability > 0.0 && d.member >= 0) {
    cast = Rng(seed_, p.stream, d.owner_id, DaySub(day) | kCastSubBit,
               d.next_word - words);
    if (cast.Uniform() < p.cast_probability &&
        ((st->household_devices[i] >> p.cast_type) & 1u) &&
        ((population_.LinkedMembers(st->DevicesOf(i), p.cast_link) >>
          d.member) &
         1u)) {
      shown = p.cast_type;
      ++delivery_.casts[j];
    }
  }
  // Served: one impression.
  ++tally_.impressions();
  ++placements_.impressions[j];
  ++types_.impressions[shown];
  ++tally_.daily_placement_impressions()[day * placements_.rows + j];
  ++tally_.hourly_impressions()[std::min(23, static_cast<int>(e.time))];
  if (sampling_row_ != nullptr) {
    ++sampling_row_[kSampleImpressions];
    sampling_row_[kSampleSpend] += micro_cpm_[j];
    if (p.paced()) {
      ++sampling_row_[kSamplePacedImpressions];
      sampling_row_[kSamplePacedSpend] += micro_cpm_[j];
    }
  }
  if (d.member < 0) {
    st->household_impressions.Or(i, uint64_t{1} << j);
  } else {
    st->person_impressions.Or(m0 + d.member, uint64_t{1} << j);
  }
  caps_.CountImpression(j, st, i, d.slot);
  viewers_.clear();
  viewers_.push_back(checked);
  Expose(day, j, shown, st, m0, checked);
  if (shown != d.type) {
    for (int m = 0; m < size; ++m) {
      if (m != checked && cast.Uniform() < p.cast_co_presence) {
        viewers_.push_back(m);
        Expose(day, j, shown, st, m0, m);
      }
    }
  }
  if (p.audience == v1::AUDIENCE_KIND_TURNER_AND_PRESENT) {
    p.ForEachOtherPresent(size, checked, rng, [&](int m) {
      viewers_.push_back(m);
      Expose(day, j, d.type, st, m0, m);
    });
  }
  if (p.interaction_rate > 0.0 && rng.Uniform() < p.interaction_rate) {
    ++delivery_.interactions[j];
    if (sampling_row_ != nullptr) ++sampling_row_[kSampleInteractions];
  }
  if (p.follow_up > 0.0) {
    const double u = rng.Uniform();
    const uint32_t pick = rng.NextU32();
    const int voice =
        VoiceType(static_cast<uint32_t>(st->household_devices[i]));
    const int asker = viewers_[(uint64_t{pick} * viewers_.size()) >> 32];
    if (voice >= 0 && u < p.follow_up &&
        FollowUpLinked(*st, i, d.type, voice, asker)) {
      ++delivery_.follow_ups[j];
      ++delivery_.interactions[j];
      if (sampling_row_ != nullptr) ++sampling_row_[kSampleInteractions];
      ++tally_.cross_device()[j * types_.rows + voice];
      st->household_follow_ups.Or(i, uint64_t{1} << voice);
      Expose(day, j, voice, st, m0, asker);
    }
  }
}

void HouseholdDay::set_stream_feed(StreamFeed* feed) {
  feed_ = feed;
  promoting_ = feed != nullptr ? feed->promoting : 0;
  promotions_.assign(feed != nullptr ? feed->exposures.size() : 0, {});
}

void HouseholdDay::RecordSource(int day, int j, int t, ShardState* st,
                                uint32_t pm) {
  const auto& routes = campaign_.retarget_routes();
  const auto& types = population_.ecosystem().device_types();
  const size_t people = st->people();
  const uint32_t i = static_cast<uint32_t>(st->HouseholdOf(pm));
  const uint32_t member = pm - st->pop.member_begin[i];
  const HouseholdDevices household = st->DevicesOf(static_cast<int>(i));
  for (size_t r = 0; r < routes.size(); ++r) {
    const RetargetRoute& route = routes[r];
    if (route.after_placement != j && route.after_type != t) continue;
    const int screen = campaign_.placements()[route.placement].device_type;
    // Tied to the screen: the person's own device, the screen's own type,
    // or a household device linked to the person's screen device.
    const bool tied = !types[t].household_owned || t == screen ||
                      MemberLinked(household, static_cast<int>(member),
                                   LinksBetween(screen, t));
    if (tied) st->last_source[r * people + pm] = static_cast<uint16_t>(day);
  }
}

bool HouseholdDay::Retargeted(const CompiledPlacement& p, int day,
                              const ShardState& st, uint32_t pm) const {
  const RetargetRoute& route = campaign_.retarget_routes()[p.retarget];
  const uint16_t last =
      st.last_source[p.retarget * static_cast<size_t>(st.people()) + pm];
  return last != kNeverExposed && day - last <= route.within_days;
}

void HouseholdDay::Promote(int day, int j, uint32_t person) {
  for (const StreamFeed::Route& r : feed_->routes) {
    if (r.placement != j || r.day != day) continue;
    PromotionExposure e;
    e.person = person;
    e.minute_of_day = static_cast<float>(now_ * 60.0);
    e.promotion = static_cast<uint8_t>(r.promotion);
    promotions_[r.stream].push_back(e);
  }
}

void HouseholdDay::HandPromotions() {
  if (feed_ != nullptr) feed_->Hand(&promotions_);
}

bool HouseholdDay::MemberLinked(const HouseholdDevices& household, int member,
                                const std::vector<int>& links) const {
  for (int l : links) {
    if ((population_.LinkedMembers(household, l) >> member) & 1u) return true;
  }
  return false;
}

bool HouseholdDay::FollowUpLinked(const ShardState& st, int i, int ad_type,
                                  int voice, int asker) const {
  const HouseholdDevices household = st.DevicesOf(i);
  return MemberLinked(household, asker, LinksBetween(ad_type, voice)) ||
         MemberLinked(household, asker, account_links_[voice]);
}

int HouseholdDay::VoiceType(uint32_t household_devices) const {
  for (int t : campaign_.voice_types()) {
    if ((household_devices >> t) & 1) return t;
  }
  return -1;
}

void HouseholdDay::Serve(int day, ShardState* st, int i, int* next) {
  const auto& placements = campaign_.placements();
  if (poll_.stopped()) {  // the run is stopping: skip the shard's rest
    for (size_t j = 0; j < placements.size(); ++j)
      next[j] = static_cast<int>(draws_.won(j).size());
    return;
  }
  const uint32_t m0 = st->pop.member_begin[i];
  const int size = static_cast<int>(st->pop.member_begin[i + 1] - m0);
  sampling_row_ =
      sampling_ != nullptr
          ? Tally::SamplingRow(sampling_, st->pop.first_household + i)
          : nullptr;
  devices_.clear();
  events_.clear();
  for (size_t j = 0; j < placements.size(); ++j) {
    const CompiledPlacement& p = placements[j];
    const std::vector<uint32_t>& list = draws_.won(j);
    const std::vector<uint32_t>& households = draws_.won_household(j);
    const uint32_t first_owner = OwnersOf(p, *st).first;
    for (int& k = next[j]; k < static_cast<int>(list.size()) &&
                           households[k] == static_cast<uint32_t>(i);
         ++k) {
      const int owner = static_cast<int>(list[k]);
      const int member = p.household_device ? -1 : owner - static_cast<int>(m0);
      const uint32_t owner_id = first_owner + owner;
      const int device = static_cast<int>(devices_.size());
      const int32_t won = draws_.won_count(j)[k];
      const bool by_leaves = DrawnByLeaves(p);
      const uint32_t start = by_leaves ? draws_.won_time(j)[k] : 0;
      const RngBlock* block = nullptr;
      uint32_t next_word = 0;
      if (by_leaves && start != DailyDraws::kOwnStream) {
        // The times come with the leaf's draws; the owner's stream holds
        // only the events' words.
        const double* u = draws_.won_uniforms(j).data() + start;
        for (int32_t e = 0; e < won; ++e) AddEvent(p.clock.Time(u[e]), device);
      } else {
        // The times are the owner's stream's words: after its count and
        // thinning, in the block already drawn; or, for a leaf placed owner
        // by owner, its first words.
        if (!by_leaves) block = &draws_.blocks(j)[owner];
        const uint32_t first_time = by_leaves ? 0 : FirstTimeWord(p);
        if (block != nullptr && first_time + won <= 4) {
          // The usual case: the times are in the block already drawn.
          for (int32_t e = 0; e < won; ++e) {
            AddEvent(p.clock.Time(Rng::ToUniform((*block)[first_time + e])),
                     device);
          }
        } else {
          Rng rng = DayStream(p, owner_id, day, block, first_time);
          for (int32_t e = 0; e < won; ++e)
            AddEvent(p.clock.Time(rng.Uniform()), device);
        }
        next_word = first_time + static_cast<uint32_t>(won);
      }
      const int slot = caps_.has_device_caps()
                           ? slots_.Slot(*st, i, p.device_type, member)
                           : 0;
      // Field by field: a whole struct built on the stack and copied in
      // was read back wider than it was written (a store-forwarding stall
      // that cost 8% of the serve loop).
      devices_.emplace_back();
      DeviceDay& d = devices_.back();
      d.placement = static_cast<int>(j);
      d.type = p.device_type;
      d.member = member;
      d.slot = slot;
      d.owner_id = owner_id;
      d.next_word = next_word;
      d.block = block;
    }
  }
  // One poll count for the household-day: its events, and itself.
  if (events_.empty() || poll_.Tick(events_.size() + 1)) return;
  // Time order, stable: ties (rare: times are at 2^-32 of a day) keep the
  // device order, so the order is a function of the draws alone. By
  // insertion for the usual few events; a household-day can also hold
  // millions (high rates on many placements), hence the fallback.
  if (events_.size() <= kInsertionSortEvents) {
    for (size_t a = 1; a < events_.size(); ++a) {
      const Event e = events_[a];
      size_t b = a;
      for (; b > 0 && events_[b - 1].time > e.time; --b)
        events_[b] = events_[b - 1];
      events_[b] = e;
    }
  } else {
    SortManyEvents(&events_);
  }
  // Millions of events in one household-day are possible: poll among
  // them too, at no cost to the usual few.
  const Event* events = events_.data();
  const size_t n = events_.size();
  for (size_t k = 0; k < n; ++k) {
    if (k >= kCancelPollUnits && k % kCancelPollUnits == 0 && poll_.Check())
      return;
    ServeEvent(day, events[k], st, i, m0, size);
  }
  caps_.EndHouseholdDay(*st, i, m0, size);
}

}  // namespace day
}  // namespace aiotreach
