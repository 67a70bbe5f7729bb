#include "engine/live/stream_simulator.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <queue>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "engine/distributions.h"
#include "engine/parallel.h"
#include "engine/rng.h"

namespace aiotreach {
namespace {

// A person's byte (see the header): the watch slot (an index into
// stream.watch_types; kNoSlot when they cannot watch), then flags.
constexpr uint8_t kSlotMask = 7;
constexpr uint8_t kNoSlot = 7;
constexpr uint8_t kFan = 8;
constexpr uint8_t kCastLink = 16;
constexpr uint8_t kTarget = 32;
static_assert(kMaxWatchDeviceTypes <= kNoSlot, "a slot fits in 3 bits");

// Cascade histograms: sizes 0..kSizeBuckets-1 (the last is "or more"),
// depths likewise; share generations up to kMaxGenerationRows.
constexpr int kSizeBuckets = 21;
constexpr int kDepthBuckets = 11;
constexpr int kMaxGenerationRows = 20;

constexpr uint32_t kNoRoot = ~0u;
// Sub keys: the stream's index in the low 5 bits (at most 16 streams).
constexpr uint32_t kIndexBits = 5;

struct Arrival {
  double t = 0.0;
  uint64_t seq = 0;  // ties in t: first queued first
  uint32_t person = 0;
  Channel channel = Channel::kDiscovery;
  uint8_t promotion = 0;
  uint16_t generation = 0;  // kShare: 1 for a click on a first sharer's link
  uint32_t root = kNoRoot;  // kShare: the cascade
  // The person's byte when the arrival was made knowing it (an open), so
  // that the play need not read it from the population-sized array.
  bool has_byte = false;
  uint8_t byte = 0;
};

// How far ahead the play prefetches the state of planned arrivals: enough
// to overlap the cache misses of a few arrivals.
constexpr size_t kPrefetchAhead = 16;

struct Later {
  bool operator()(const Arrival& a, const Arrival& b) const {
    return a.t != b.t ? a.t > b.t : a.seq > b.seq;
  }
};

// 12 bytes: the map holds one per viewer (tens of millions at scale).
struct Viewer {
  float busy_until = -1.0f;
  float minutes = 0.0f;
  uint32_t sessions = 0;
};

struct Cascade {
  uint32_t size = 0;   // new viewers it brought
  uint32_t depth = 0;  // deepest generation among them
};

// What the pass over the households finds.
struct Audience {
  std::vector<uint8_t> person;  // the byte of each person
  int64_t target_people = 0;
  int64_t target_households = 0;
  int64_t fans = 0;
  int64_t can_watch = 0;
  int64_t open_non_fans = 0;  // can watch, not fans: discovery's pool
  std::vector<Arrival> opens;
};

struct ShardPart {
  int64_t target_people = 0;
  int64_t target_households = 0;
  int64_t fans = 0;
  int64_t can_watch = 0;
  int64_t open_non_fans = 0;
  std::vector<Arrival> opens;
};

}  // namespace

namespace {

// Everything the sequential play accumulates, and the play itself.
class Play {
 public:
  Play(const Population& population, const CompiledStream& stream,
       uint64_t seed, Audience* audience, const CancelToken* cancel)
      : population_(population),
        s_(stream),
        seed_(seed),
        audience_(*audience),
        poller_(cancel),
        minutes_(stream.minutes()),
        devices_(static_cast<int>(stream.watch_types.size()) + 1),
        concurrency_diff_(minutes_ + 1),
        full_diff_(minutes_ + 1),
        partial_(minutes_),
        viewer_minutes_(minutes_),
        arrivals_(minutes_),
        new_viewers_(minutes_),
        likes_(minutes_),
        channel_sessions_(kNumChannels),
        channel_viewers_(kNumChannels),
        channel_minutes_(kNumChannels),
        channel_lengths_(kNumChannels),
        device_sessions_(devices_),
        device_viewers_(devices_),
        device_minutes_(devices_) {}

  // An arrival known before the play (an open, a promoted join). All of
  // them come before any Queue() call.
  void Plan(Arrival a) {
    a.seq = next_seq_++;
    planned_.push_back(a);
  }
  // An arrival made during the play (an encounter, a share click).
  void Queue(Arrival a) {
    a.seq = next_seq_++;
    queue_.push(a);
  }

  // Plays the stream; false if cancelled.
  bool Run();

  void Fill(v1::StreamReport* r, const Population& population) const;
  const absl::flat_hash_map<uint32_t, Viewer>& viewers() const {
    return viewers_;
  }

 private:
  void FinishMinute(int m);
  void Discover(int m);
  void Arrive(const Arrival& a);
  // Starts a session of `person` at t. Co-viewers end with their host
  // (host_end); others draw a length.
  void StartSession(uint32_t person, uint8_t byte, double t, Channel channel,
                    const Arrival& a, int device, double host_end);
  void Record(double start, double end, Channel channel, int device);
  void Share(uint32_t person, double t, double end, Rng& rng, const Arrival& a);
  void CoView(uint32_t host, double t, double end, int device, Rng& rng);
  double MinuteLength(int m) const {
    return std::min<double>(m + 1, s_.duration) - m;
  }

  const Population& population_;
  const CompiledStream& s_;
  const uint64_t seed_;
  Audience& audience_;
  CancelPoller poller_;
  const int minutes_;
  const int devices_;  // watch slots, then the cast

  // Planned arrivals, sorted once and read in order, and a heap of those
  // made during the play: the next arrival is the earlier of the two heads
  // (by time, then by the order they were made), as if all were in one
  // heap, without millions of opens in it.
  std::vector<Arrival> planned_;
  size_t next_planned_ = 0;
  std::priority_queue<Arrival, std::vector<Arrival>, Later> queue_;
  uint64_t next_seq_ = 0;
  absl::flat_hash_map<uint32_t, Viewer> viewers_;
  std::vector<Cascade> cascades_;
  std::vector<int64_t> contacts_scratch_;

  // Per minute: sessions under way at its start (as differences), viewer-
  // minutes (whole minutes as differences, plus the partial ones).
  std::vector<int64_t> concurrency_diff_;
  std::vector<int64_t> full_diff_;
  int64_t full_running_ = 0;
  std::vector<double> partial_;
  std::vector<double> viewer_minutes_;
  std::vector<int64_t> arrivals_;
  std::vector<int64_t> new_viewers_;
  std::vector<int64_t> likes_;

  std::vector<int64_t> channel_sessions_;
  std::vector<int64_t> channel_viewers_;
  std::vector<double> channel_minutes_;
  std::vector<std::vector<float>> channel_lengths_;
  std::vector<int64_t> device_sessions_;
  std::vector<int64_t> device_viewers_;
  std::vector<double> device_minutes_;
  std::vector<int64_t> generations_;

  int64_t sessions_ = 0;
  int64_t unique_ = 0;
  int64_t sharers_ = 0;
  int64_t messages_ = 0;
  int64_t clicks_ = 0;
  int64_t share_arrivals_ = 0;
  int64_t casts_ = 0;
};

bool Play::Run() {
  std::sort(planned_.begin(), planned_.end(),
            [](const Arrival& a, const Arrival& b) { return Later()(b, a); });
  for (int m = 0; m < minutes_; ++m) {
    if (m > 0) FinishMinute(m - 1);
    if (s_.discovery) Discover(m);
    const double end = std::min<double>(m + 1, s_.duration);
    while (true) {
      const bool planned =
          next_planned_ < planned_.size() && planned_[next_planned_].t < end;
      const bool queued = !queue_.empty() && queue_.top().t < end;
      Arrival a;
      if (planned &&
          (!queued || Later()(queue_.top(), planned_[next_planned_]))) {
        a = planned_[next_planned_++];
        if (next_planned_ + kPrefetchAhead < planned_.size()) {
          const Arrival& ahead = planned_[next_planned_ + kPrefetchAhead];
          viewers_.prefetch(ahead.person);
          if (!ahead.has_byte)
            __builtin_prefetch(&audience_.person[ahead.person]);
        }
      } else if (queued) {
        a = queue_.top();
        queue_.pop();
      } else {
        break;
      }
      if (poller_.Tick()) return false;
      Arrive(a);
    }
  }
  planned_ = {};
  FinishMinute(minutes_ - 1);
  return !poller_.Check();
}

void Play::FinishMinute(int m) {
  full_running_ += full_diff_[m];
  viewer_minutes_[m] = partial_[m] + static_cast<double>(full_running_);
  if (s_.likes_per_minute > 0.0) {
    Rng rng(seed_, streams::kStreamLikes, static_cast<uint32_t>(m),
            static_cast<uint32_t>(s_.index));
    likes_[m] = SamplePoisson(rng, s_.likes_per_minute * viewer_minutes_[m]);
  }
}

void Play::Discover(int m) {
  if (audience_.open_non_fans == 0 || s_.encounters_per_minute <= 0.0) return;
  double multiplier = 1.0;
  if (m > 0 && s_.amplification > 0.0) {
    const double heat = viewer_minutes_[m - 1] / MinuteLength(m - 1) +
                        s_.like_weight * static_cast<double>(likes_[m - 1]);
    multiplier = std::min(s_.max_multiplier,
                          1.0 + s_.amplification * heat / s_.reference_viewers);
  }
  const double length = MinuteLength(m);
  const double mean = static_cast<double>(audience_.open_non_fans) *
                      s_.encounters_per_minute * multiplier * length;
  Rng rng(seed_, streams::kStreamDiscovery, static_cast<uint32_t>(m),
          static_cast<uint32_t>(s_.index));
  const int64_t count = SamplePoisson(rng, mean);
  const uint32_t people = static_cast<uint32_t>(population_.people());
  for (int64_t k = 0; k < count; ++k) {
    // A uniform person of the pool, by rejection.
    uint32_t p;
    do {
      p = rng.UniformInt(people);
      if (poller_.Tick()) return;
    } while ((audience_.person[p] & kSlotMask) == kNoSlot ||
             (audience_.person[p] & kFan) != 0);
    Arrival a;
    a.t = m + length * rng.Uniform();
    a.person = p;
    a.channel = Channel::kDiscovery;
    Queue(a);
  }
}

void Play::Arrive(const Arrival& a) {
  const uint8_t byte = a.has_byte ? a.byte : audience_.person[a.person];
  const int slot = byte & kSlotMask;
  if (slot == kNoSlot) return;  // a share clicked by someone who can't watch
  const auto it = viewers_.find(a.person);
  if (it != viewers_.end() && it->second.busy_until > a.t) return;
  StartSession(a.person, byte, a.t, a.channel, a, slot, -1.0);
}

void Play::StartSession(uint32_t person, uint8_t byte, double t,
                        Channel channel, const Arrival& a, int device,
                        double host_end) {
  Viewer& v = viewers_[person];
  const bool first = v.sessions == 0;
  Rng rng(seed_, streams::kStreamSession, person,
          static_cast<uint32_t>(s_.index) | (v.sessions << kIndexBits));
  double end = host_end;
  if (channel != Channel::kCoViewing) {
    const double length = s_.SessionOf(channel, a.promotion).Sample(rng);
    end = std::min(t + length, s_.duration);
    const int type = s_.watch_types[device];
    if (s_.casting && type == s_.cast_from_type && (byte & kCastLink) != 0 &&
        rng.Uniform() < s_.cast_probability) {
      device = devices_ - 1;
      ++casts_;
    }
  }
  v.busy_until = static_cast<float>(end);
  v.minutes += static_cast<float>(end - t);
  ++v.sessions;
  Record(t, end, channel, device);
  if (channel == Channel::kShare) {
    ++share_arrivals_;
    const int g = std::min<int>(a.generation, kMaxGenerationRows);
    if (static_cast<int>(generations_.size()) < g) generations_.resize(g);
    ++generations_[g - 1];
  }
  if (first) {
    ++unique_;
    ++channel_viewers_[static_cast<int>(channel)];
    ++device_viewers_[device];
    ++new_viewers_[static_cast<int>(t)];
    if (channel == Channel::kShare && a.root != kNoRoot) {
      Cascade& c = cascades_[a.root];
      ++c.size;
      c.depth = std::max<uint32_t>(c.depth, a.generation);
    }
    if (s_.shares && channel != Channel::kCoViewing)
      Share(person, t, end, rng, a);
  }
  const bool tv =
      device == devices_ - 1 || population_.ecosystem()
                                    .device_types()[s_.watch_types[device]]
                                    .household_owned;
  if (tv && s_.co_viewing > 0.0 && channel != Channel::kCoViewing)
    CoView(person, t, end, device, rng);
}

void Play::Share(uint32_t person, double t, double end, Rng& rng,
                 const Arrival& a) {
  const bool by_share = a.channel == Channel::kShare;
  const int generation = by_share ? a.generation : 0;
  if (s_.max_generations > 0 && generation >= s_.max_generations) return;
  if (!(rng.Uniform() < s_.share_probability)) return;
  ++sharers_;
  uint32_t root = by_share ? a.root : kNoRoot;
  if (root == kNoRoot) {
    root = static_cast<uint32_t>(cascades_.size());
    cascades_.emplace_back();
  }
  const double shared_at = t + (end - t) * rng.Uniform();
  contacts_scratch_.clear();
  population_.SocialContacts(person, &contacts_scratch_);
  for (int64_t contact : contacts_scratch_) {
    ++messages_;
    if (!(rng.Uniform() < s_.click_through)) continue;
    ++clicks_;
    const double at = shared_at + s_.click_delay.Sample(rng);
    if (at >= s_.duration) continue;
    Arrival click;
    click.t = at;
    click.person = static_cast<uint32_t>(contact);
    click.channel = Channel::kShare;
    click.generation =
        static_cast<uint16_t>(std::min(generation + 1, int{UINT16_MAX}));
    click.root = root;
    Queue(click);
  }
}

void Play::CoView(uint32_t host, double t, double end, int device, Rng& rng) {
  const int64_t h = population_.HouseholdOf(host);
  const int64_t first = population_.FirstPerson(h);
  const int size = population_.household_size(h);
  for (int k = 0; k < size; ++k) {
    const uint32_t q = static_cast<uint32_t>(first + k);
    if (q == host || !(rng.Uniform() < s_.co_viewing)) continue;
    const auto it = viewers_.find(q);
    if (it != viewers_.end() && it->second.busy_until > t) continue;
    StartSession(q, 0, t, Channel::kCoViewing, Arrival(), device, end);
  }
}

void Play::Record(double start, double end, Channel channel, int device) {
  const double length = end - start;
  const int c = static_cast<int>(channel);
  ++sessions_;
  ++channel_sessions_[c];
  channel_minutes_[c] += length;
  channel_lengths_[c].push_back(static_cast<float>(length));
  ++device_sessions_[device];
  device_minutes_[device] += length;
  const int fs = static_cast<int>(start);
  ++arrivals_[fs];
  // Minute marks k with start <= k < end.
  const int k0 = static_cast<int>(std::ceil(start));
  const int k1 = std::min(static_cast<int>(std::ceil(end)), minutes_);
  if (k0 < k1) {
    ++concurrency_diff_[k0];
    --concurrency_diff_[k1];
  }
  const int fe = static_cast<int>(end);
  if (fs == fe) {
    partial_[fs] += length;
    return;
  }
  partial_[fs] += fs + 1 - start;
  ++full_diff_[fs + 1];
  --full_diff_[fe];
  if (fe < minutes_) partial_[fe] += end - fe;
}

// The median of `v` (reordered), 0 for none.
double Median(std::vector<float>* v) {
  if (v->empty()) return 0.0;
  const size_t mid = v->size() / 2;
  std::nth_element(v->begin(), v->begin() + mid, v->end());
  double m = (*v)[mid];
  if (v->size() % 2 == 0) {
    m = (m + *std::max_element(v->begin(), v->begin() + mid)) / 2;
  }
  return m;
}

void Play::Fill(v1::StreamReport* r, const Population& population) const {
  r->set_name(s_.name);
  r->set_day(s_.day + 1);
  r->set_start_minute(s_.start_minute);
  r->set_duration_minutes(s_.duration);
  r->set_fans(audience_.fans);
  r->set_can_watch(audience_.can_watch);
  r->set_unique_viewers(unique_);
  r->set_sessions(sessions_);
  double minutes = 0.0;
  for (double m : viewer_minutes_) minutes += m;
  r->set_viewer_minutes(minutes);
  r->set_mean_session_minutes(sessions_ > 0 ? minutes / sessions_ : 0.0);
  std::vector<float> all;
  for (const auto& v : channel_lengths_)
    all.insert(all.end(), v.begin(), v.end());
  r->set_median_session_minutes(Median(&all));
  int64_t likes = 0;
  for (int64_t l : likes_) likes += l;
  r->set_likes(likes);
  r->set_sharers(sharers_);
  r->set_share_messages(messages_);
  r->set_share_clicks(clicks_);
  r->set_share_arrivals(share_arrivals_);
  for (int64_t g : generations_) r->add_share_generations(g);
  if (s_.shares) {
    std::vector<int64_t> sizes(kSizeBuckets), depths(kDepthBuckets);
    for (const Cascade& c : cascades_) {
      ++sizes[std::min<uint32_t>(c.size, kSizeBuckets - 1)];
      ++depths[std::min<uint32_t>(c.depth, kDepthBuckets - 1)];
    }
    for (int64_t n : sizes) r->add_cascade_size_histogram(n);
    for (int64_t n : depths) r->add_cascade_depth_histogram(n);
  }
  r->set_casts(casts_);

  const bool enabled[kNumChannels] = {s_.notification, s_.discovery, s_.shares,
                                      !s_.promotions.empty(),
                                      s_.co_viewing > 0.0};
  for (int c = 0; c < kNumChannels; ++c) {
    if (!enabled[c]) continue;
    v1::StreamChannelRow* row = r->add_channels();
    row->set_channel(ChannelName(static_cast<Channel>(c)));
    row->set_sessions(channel_sessions_[c]);
    row->set_unique_viewers(channel_viewers_[c]);
    row->set_viewer_minutes(channel_minutes_[c]);
    row->set_mean_session_minutes(
        channel_sessions_[c] > 0 ? channel_minutes_[c] / channel_sessions_[c]
                                 : 0.0);
    std::vector<float> lengths = channel_lengths_[c];
    row->set_median_session_minutes(Median(&lengths));
  }
  const auto& types = population.ecosystem().device_types();
  for (int d = 0; d < devices_; ++d) {
    const bool cast = d == devices_ - 1;
    if (cast && !s_.casting) continue;
    v1::StreamDeviceRow* row = r->add_devices();
    if (cast) {
      row->set_device(absl::StrCat(types[s_.tv_type].name, "_cast"));
    } else {
      const DeviceTypeInfo& t = types[s_.watch_types[d]];
      row->set_device(t.household_owned ? absl::StrCat(t.name, "_app")
                                        : t.name);
    }
    row->set_sessions(device_sessions_[d]);
    row->set_unique_viewers(device_viewers_[d]);
    row->set_viewer_minutes(device_minutes_[d]);
  }

  int64_t concurrent = 0, cumulative = 0, peak = -1;
  for (int m = 0; m < minutes_; ++m) {
    concurrent += concurrency_diff_[m];
    cumulative += new_viewers_[m];
    v1::StreamMinute* row = r->add_minutes();
    row->set_minute(m);
    row->set_concurrent(concurrent);
    row->set_mean_concurrent(viewer_minutes_[m] / MinuteLength(m));
    row->set_arrivals(arrivals_[m]);
    row->set_cumulative_viewers(cumulative);
    row->set_likes(likes_[m]);
    if (concurrent > peak) {
      peak = concurrent;
      r->set_peak_concurrent(concurrent);
      r->set_peak_minute(m);
    }
  }
}

// What the pass draws of each shard: the attributes fans and the target
// depend on, and only the device types it reads (watch types, the casting
// link and the links drawn before it, the target's).
PopulationNeeds PassNeeds(const Ecosystem& eco, const CompiledStream& s,
                          const CompiledTarget& target) {
  PopulationNeeds needs;
  needs.activity = target.needs_activity();
  needs.age_band =
      target.needs_age_band() || s.fans_by == v1::ATTRIBUTE_AGE_BAND;
  needs.city_tier =
      target.needs_city_tier() || s.fans_by == v1::ATTRIBUTE_CITY_TIER;
  uint32_t types = s.person_watch_types | s.household_watch_types |
                   target.person_types | target.household_types;
  if (target.min_connected_devices > 0) {
    types |= target.connected_person_types | target.connected_household_types;
  }
  if (s.casting) {
    types |= 1u << s.tv_type;
    for (int l = 0; l <= s.cast_link; ++l) {
      types |= 1u << eco.device_links()[l].from_type;
      types |= 1u << eco.device_links()[l].to_type;
    }
  }
  needs.device_types = types;
  return needs;
}

// The pass over households [begin, end).
void MarkShard(const Population& population, const CompiledStream& s,
               const CompiledTarget& target, const PopulationNeeds& needs,
               uint64_t seed, int64_t begin, int64_t end,
               PopulationShard* shard, RngBlocks* fan_blocks,
               uint8_t* person_bytes, ShardPart* part) {
  const Ecosystem& eco = population.ecosystem();
  population.Generate(begin, end, needs, shard);
  const auto& types = eco.device_types();
  const uint32_t index = static_cast<uint32_t>(s.index);
  // Counted here and stored once: parts of neighbouring shards share cache
  // lines, and two threads adding to them person by person ping-pong them.
  ShardPart local;
  // Each person's stream of this stream's audience draws: word 0 decides a
  // fan, the next ones a fan's notification opens.
  fan_blocks->resize(shard->people());
  FirstBlocks(seed, streams::kStreamAudience, index,
              static_cast<uint32_t>(shard->first_person), shard->people(),
              fan_blocks->data());
  for (int i = 0; i < shard->households(); ++i) {
    const uint32_t hh_devices = shard->household_devices[i];
    // Only a household with the TV can have a casting link to it: others
    // skip drawing their links (most households, on xiaomi-2020).
    const uint32_t linked =
        s.casting && ((hh_devices >> s.tv_type) & 1u)
            ? population.LinkedMembers(*shard, i, s.cast_link)
            : 0;
    const uint32_t m0 = shard->member_begin[i];
    const uint32_t m1 = shard->member_begin[i + 1];
    bool target_household = false;
    for (uint32_t m = m0; m < m1; ++m) {
      const int64_t person = shard->first_person + m;
      const uint32_t own = shard->person_devices[m];
      uint8_t byte = kNoSlot;
      for (size_t w = 0; w < s.watch_types.size(); ++w) {
        const int t = s.watch_types[w];
        const uint32_t have = types[t].household_owned ? hh_devices : own;
        if ((have >> t) & 1u) {
          byte = static_cast<uint8_t>(w);
          break;
        }
      }
      const bool fan = Rng::ToUniform((*fan_blocks)[m][0]) <
                       s.FanShare(shard->age_band[m], shard->city_tier[i]);
      if (fan) byte |= kFan;
      if ((linked >> (m - m0)) & 1u) byte |= kCastLink;
      if (target.Contains(shard->age_band[m], shard->city_tier[i],
                          static_cast<int>(m1 - m0), own, hh_devices,
                          shard->activity[m])) {
        byte |= kTarget;
        ++local.target_people;
        target_household = true;
      }
      person_bytes[person] = byte;
      local.fans += fan;
      const bool can_watch = (byte & kSlotMask) != kNoSlot;
      local.can_watch += can_watch;
      local.open_non_fans += can_watch && !fan;
      if (!fan || !can_watch || !s.notification) continue;
      Rng rng(seed, streams::kStreamAudience, static_cast<uint32_t>(person),
              index, (*fan_blocks)[m]);
      rng.Skip(1);
      for (double push : s.push_minutes) {
        if (!(rng.Uniform() < s.open_probability)) continue;
        const double at = push + s.open_delay.Sample(rng);
        if (at >= s.duration) continue;
        Arrival a;
        a.t = at;
        a.person = static_cast<uint32_t>(person);
        a.channel = Channel::kNotification;
        a.has_byte = true;
        a.byte = byte;
        local.opens.push_back(a);
      }
    }
    local.target_households += target_household;
  }
  *part = std::move(local);
}

}  // namespace

absl::StatusOr<StreamOutcome> StreamSimulator::Run(
    const RunOptions& options, const std::vector<PromotionExposure>* promotions,
    const PersonBits* reached) const {
  const CompiledStream& s = stream_;
  const int64_t people = population_.people();
  Audience audience;
  audience.person.resize(people);
  const int64_t shard_households =
      std::max<int64_t>(1, options.shard_households);
  const int64_t shards =
      (population_.households() + shard_households - 1) / shard_households;
  std::vector<ShardPart> parts(shards);
  const CancelToken* cancel = options.cancel;
  const PopulationNeeds needs = PassNeeds(population_.ecosystem(), s, target_);
  ParallelFor(shards, options.threads, [&](int64_t k, int) {
    if (cancel != nullptr && cancel->Poll()) return;
    thread_local PopulationShard shard;
    thread_local RngBlocks fan_blocks;
    const int64_t begin = k * shard_households;
    const int64_t end =
        std::min(population_.households(), begin + shard_households);
    MarkShard(population_, s, target_, needs, seed_, begin, end, &shard,
              &fan_blocks, audience.person.data(), &parts[k]);
  });
  if (cancel != nullptr && cancel->Poll())
    return StoppedStatus(*cancel, "live stream");
  for (ShardPart& part : parts) {
    audience.target_people += part.target_people;
    audience.target_households += part.target_households;
    audience.fans += part.fans;
    audience.can_watch += part.can_watch;
    audience.open_non_fans += part.open_non_fans;
    audience.opens.insert(audience.opens.end(), part.opens.begin(),
                          part.opens.end());
    part.opens = {};
  }

  Play play(population_, s, seed_, &audience, cancel);
  for (const Arrival& a : audience.opens) play.Plan(a);
  audience.opens = {};
  if (promotions != nullptr && !promotions->empty()) {
    // Sorted by person and time, so that each person's k-th exposure has
    // its own key whatever order the campaign produced them in.
    std::vector<PromotionExposure> sorted = *promotions;
    std::sort(sorted.begin(), sorted.end(),
              [](const PromotionExposure& a, const PromotionExposure& b) {
                if (a.person != b.person) return a.person < b.person;
                if (a.minute_of_day != b.minute_of_day)
                  return a.minute_of_day < b.minute_of_day;
                return a.promotion < b.promotion;
              });
    uint32_t k = 0;
    for (size_t i = 0; i < sorted.size(); ++i) {
      const PromotionExposure& e = sorted[i];
      k = i > 0 && sorted[i - 1].person == e.person ? k + 1 : 0;
      const double at = std::max(0.0, e.minute_of_day - s.start_minute);
      if (at >= s.duration) continue;
      Rng rng(seed_, streams::kStreamPromotion, e.person,
              static_cast<uint32_t>(s.index) | (k << kIndexBits));
      if (!(rng.Uniform() < s.promotions[e.promotion].join_probability))
        continue;
      Arrival a;
      a.t = at;
      a.person = e.person;
      a.channel = Channel::kPromotion;
      a.promotion = e.promotion;
      play.Plan(a);
    }
  }
  if (!play.Run()) {
    return cancel != nullptr ? StoppedStatus(*cancel, "live stream")
                             : absl::CancelledError("live stream cancelled");
  }

  StreamOutcome out;
  out.target_people = audience.target_people;
  out.target_households = audience.target_households;
  play.Fill(&out.report, population_);
  int64_t followers = 0, fan_viewers = 0;
  for (const auto& [person, v] : play.viewers()) {
    const uint8_t byte = audience.person[person];
    fan_viewers += (byte & kFan) != 0;
    if ((byte & kTarget) != 0) {
      ++out.target_viewers;
      if (reached != nullptr && reached->Has(person))
        ++out.target_viewers_reached;
    }
    if ((byte & kFan) != 0 || s.follow_probability <= 0.0) continue;
    const double p =
        s.follow_probability * (1.0 - std::exp(-v.minutes / s.follow_minutes));
    Rng rng(seed_, streams::kStreamFollow, person,
            static_cast<uint32_t>(s.index));
    followers += rng.Uniform() < p;
  }
  out.report.set_new_followers(followers);
  out.report.set_fan_viewers(fan_viewers);
  return out;
}

}  // namespace aiotreach
