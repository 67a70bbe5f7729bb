#include "engine/live/stream_play.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <queue>
#include <string>
#include <tuple>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "engine/distributions.h"
#include "engine/parallel.h"
#include "engine/rng.h"

namespace aiotreach {
namespace live {
namespace {

// Cascade histograms: sizes 0..kSizeBuckets-1 (the last is "or more"),
// depths likewise; share generations up to kMaxGenerationRows.
constexpr int kSizeBuckets = 21;
constexpr int kDepthBuckets = 11;
constexpr int kMaxGenerationRows = 20;

// Viewer-time in fixed point, 2^20 ticks a minute: integer sums, the same
// whatever the order cells are added in.
constexpr int64_t kTicksPerMinute = int64_t{1} << 20;
int64_t Ticks(double minutes) {
  return std::llround(minutes * static_cast<double>(kTicksPerMinute));
}
double Minutes(int64_t ticks) {
  return static_cast<double>(ticks) / static_cast<double>(kTicksPerMinute);
}

// Cells a thread takes at a time in a minute.
constexpr int64_t kCellsPerTask = 8;

// How far ahead a cell prefetches the state of its planned arrivals.
constexpr size_t kPrefetchAhead = 32;

struct Later {
  bool operator()(const Arrival& a, const Arrival& b) const {
    return a.t != b.t ? a.t > b.t : a.seq > b.seq;
  }
};

// 12 bytes: a cell holds one per viewer.
struct Viewer {
  float busy_until = -1.0f;
  float minutes = 0.0f;
  uint32_t sessions = 0;
};

// Medians of session lengths (>= 0): of all channels together and of each
// channel, 0 for none, the mean of the two middle values for an even
// count. `parts[c]` holds channel c's lengths, one vector per worker.
// Exact, without copying them all: a histogram over the top bits of the
// floats (non-negative floats order as their bits do) finds the bins
// holding the middle ranks, and only those bins' values are selected from.
// One pass over every value builds the channels' histograms (all
// channels' is their sum), one more collects every bin wanted. Over ranks
// (a non-null cluster) the histograms are added up and the wanted bins'
// values gathered, so every rank finds the medians of all the lengths.
struct Medians {
  double all = 0.0;
  double channel[kNumChannels] = {};
};
Medians SessionMedians(
    const std::vector<const std::vector<float>*> (&parts)[kNumChannels],
    const Cluster* cluster) {
  constexpr int kShift = 15;  // 2^17 bins
  constexpr size_t kBins = size_t{1} << (32 - kShift);
  auto bin = [](float x) {
    uint32_t bits;
    std::memcpy(&bits, &x, sizeof bits);
    return bits >> kShift;
  };
  // Group 0: all channels; group 1 + c: channel c.
  constexpr int kGroups = kNumChannels + 1;
  std::vector<std::vector<int64_t>> bins(kGroups, std::vector<int64_t>(kBins));
  size_t n[kGroups] = {};
  for (int c = 0; c < kNumChannels; ++c) {
    std::vector<int64_t>& b = bins[1 + c];
    for (const auto* v : parts[c]) {
      for (float x : *v) ++b[bin(x)];
      n[1 + c] += v->size();
    }
    n[0] += n[1 + c];
    for (size_t i = 0; i < kBins; ++i) bins[0][i] += b[i];
  }
  if (cluster != nullptr) {
    for (int g = 0; g < kGroups; ++g) {
      cluster->Sum(bins[g].data(), kBins);
      int64_t count = static_cast<int64_t>(n[g]);
      cluster->Sum(&count, 1);
      n[g] = static_cast<size_t>(count);
    }
  }
  // Each group's middle ranks (the upper, then the lower for an even
  // count), as a bin and a rank within it.
  struct Wanted {
    uint32_t bin;
    size_t k;
    std::vector<float> values;
  };
  std::vector<Wanted> wanted[kGroups];
  for (int g = 0; g < kGroups; ++g) {
    if (n[g] == 0) continue;
    std::vector<size_t> ranks = {n[g] / 2};
    if (n[g] % 2 == 0) ranks.push_back(n[g] / 2 - 1);
    for (size_t r : ranks) {
      size_t below = 0;
      uint32_t b = 0;
      while (below + bins[g][b] <= r) below += bins[g][b++];
      wanted[g].push_back({b, r - below, {}});
    }
  }
  for (int c = 0; c < kNumChannels; ++c) {
    std::vector<Wanted*> here;
    for (int g : {0, 1 + c}) {
      for (Wanted& w : wanted[g]) here.push_back(&w);
    }
    if (here.empty()) continue;
    for (const auto* v : parts[c]) {
      for (float x : *v) {
        const uint32_t b = bin(x);
        for (Wanted* w : here) {
          if (w->bin == b) w->values.push_back(x);
        }
      }
    }
  }
  if (cluster != nullptr) {
    // Every rank's values of the wanted bins, wanted bin by wanted bin:
    // a count, then the floats.
    std::string mine;
    for (int g = 0; g < kGroups; ++g) {
      for (const Wanted& w : wanted[g]) {
        const uint64_t count = w.values.size();
        mine.append(reinterpret_cast<const char*>(&count), sizeof count);
        if (count > 0) {
          mine.append(reinterpret_cast<const char*>(w.values.data()),
                      count * sizeof(float));
        }
      }
    }
    for (int g = 0; g < kGroups; ++g) {
      for (Wanted& w : wanted[g]) w.values.clear();
    }
    for (const std::string& part : cluster->AllGather(mine)) {
      size_t at = 0;
      for (int g = 0; g < kGroups; ++g) {
        for (Wanted& w : wanted[g]) {
          uint64_t count = 0;
          std::memcpy(&count, part.data() + at, sizeof count);
          at += sizeof count;
          const size_t old = w.values.size();
          w.values.resize(old + count);
          if (count > 0) {
            std::memcpy(w.values.data() + old, part.data() + at,
                        count * sizeof(float));
          }
          at += count * sizeof(float);
        }
      }
    }
  }
  auto median = [&](int g) {
    if (wanted[g].empty()) return 0.0;
    double sum = 0.0;
    for (Wanted& w : wanted[g]) {
      std::nth_element(w.values.begin(), w.values.begin() + w.k,
                       w.values.end());
      sum += w.values[w.k];
    }
    return sum / static_cast<double>(wanted[g].size());
  };
  Medians out;
  out.all = median(0);
  for (int c = 0; c < kNumChannels; ++c) out.channel[c] = median(1 + c);
  return out;
}

// Every rank's (root, generation) cascade hits, in rank order.
std::vector<std::pair<uint64_t, uint32_t>> GatherHits(
    const Cluster& cluster,
    const std::vector<std::pair<uint64_t, uint32_t>>& mine) {
  constexpr size_t kBytes = sizeof(uint64_t) + sizeof(uint32_t);
  std::string bytes(mine.size() * kBytes, '\0');
  for (size_t i = 0; i < mine.size(); ++i) {
    std::memcpy(&bytes[i * kBytes], &mine[i].first, sizeof(uint64_t));
    std::memcpy(&bytes[i * kBytes + sizeof(uint64_t)], &mine[i].second,
                sizeof(uint32_t));
  }
  std::vector<std::pair<uint64_t, uint32_t>> all;
  for (const std::string& part : cluster.AllGather(bytes)) {
    for (size_t at = 0; at + kBytes <= part.size(); at += kBytes) {
      std::pair<uint64_t, uint32_t> hit;
      std::memcpy(&hit.first, part.data() + at, sizeof(uint64_t));
      std::memcpy(&hit.second, part.data() + at + sizeof(uint64_t),
                  sizeof(uint32_t));
      all.push_back(hit);
    }
  }
  return all;
}

}  // namespace

// Cache-line aligned: neighbouring cells are played at once by different
// threads, which would otherwise write to shared lines.
struct alignas(64) StreamPlay::Cell {
  uint32_t first_person = 0;
  uint32_t end_person = 0;
  std::vector<PlannedArrival> planned;
  size_t next_planned = 0;
  std::priority_queue<Arrival, std::vector<Arrival>, Later> queue;
  uint32_t next_seq = 0;
  absl::flat_hash_map<uint32_t, Viewer> viewers;
  uint32_t roots = 0;  // cascades rooted here

  void Queue(Arrival a) {
    a.seq = next_seq++;
    queue.push(a);
  }
};

// An arrival for another cell, made during a minute, delivered after it.
struct Outgoing {
  uint32_t cell;
  uint32_t origin_cell;
  uint32_t origin_seq;
  Arrival arrival;
};

// What one thread adds up over the cells it plays: integers only.
struct alignas(64) StreamPlay::Worker {
  Worker(int minutes, int devices, const CancelToken* cancel)
      : concurrency_diff(minutes + 1),
        full_diff(minutes + 1),
        partial(minutes + 1),
        arrivals(minutes),
        new_viewers(minutes),
        lengths(kNumChannels),
        device_sessions(devices),
        device_viewers(devices),
        device_ticks(devices),
        generations(kMaxGenerationRows),
        poller(cancel) {}

  // Every count a report adds up, as (first, length) runs in a fixed
  // order: to add the workers up, and to sum them over the ranks.
  std::vector<std::pair<int64_t*, size_t>> Counts() {
    return {{concurrency_diff.data(), concurrency_diff.size()},
            {arrivals.data(), arrivals.size()},
            {new_viewers.data(), new_viewers.size()},
            {channel_sessions, kNumChannels},
            {channel_viewers, kNumChannels},
            {channel_ticks, kNumChannels},
            {device_sessions.data(), device_sessions.size()},
            {device_viewers.data(), device_viewers.size()},
            {device_ticks.data(), device_ticks.size()},
            {generations.data(), generations.size()},
            {&sessions, 1},
            {&unique, 1},
            {&sharers, 1},
            {&messages, 1},
            {&clicks, 1},
            {&share_arrivals, 1},
            {&casts, 1}};
  }

  std::vector<int64_t> concurrency_diff;  // sessions under way, as steps
  std::vector<int64_t> full_diff;         // whole minutes watched, as steps
  std::vector<int64_t> partial;           // ticks of minutes watched in part
  std::vector<int64_t> arrivals;
  std::vector<int64_t> new_viewers;
  int64_t channel_sessions[kNumChannels] = {};
  int64_t channel_viewers[kNumChannels] = {};
  int64_t channel_ticks[kNumChannels] = {};
  std::vector<std::vector<float>> lengths;  // by channel
  std::vector<int64_t> device_sessions;
  std::vector<int64_t> device_viewers;
  std::vector<int64_t> device_ticks;
  std::vector<int64_t> generations;  // share arrivals by generation, 1..
  int64_t sessions = 0, unique = 0, sharers = 0, messages = 0, clicks = 0,
          share_arrivals = 0, casts = 0;
  // (root, generation) of each new viewer a share brought.
  std::vector<std::pair<uint64_t, uint32_t>> cascade_hits;
  std::vector<Outgoing> outbox;
  std::vector<int64_t> contacts;
  std::vector<uint32_t> met;  // a cell-minute's discovery encounters
  CancelPoller poller;
};

// One cell's minute, on one worker.
class StreamPlay::CellPlay {
 public:
  CellPlay(StreamPlay& play, uint32_t cell_index, int minute, Worker* w)
      : p_(play),
        s_(play.s_),
        index_(cell_index),
        cell_(play.cells_[cell_index]),
        minute_(minute),
        w_(*w),
        devices_(static_cast<int>(play.s_.watch_types.size()) + 1) {}

  void Discover(double multiplier);
  void Serve();

 private:
  double MinuteLength(int m) const {
    return std::min<double>(m + 1, s_.duration) - m;
  }
  void Arrive(const Arrival& a);
  void StartSession(uint32_t person, uint8_t byte, double t, Channel channel,
                    const Arrival& a, int device, double host_end);
  void Record(double start, double end, Channel channel, int device);
  void Share(uint32_t person, double t, double end, Rng& rng, const Arrival& a);
  void CoView(uint32_t host, double t, double end, int device, Rng& rng);

  const StreamPlay& p_;
  const CompiledStream& s_;
  const uint32_t index_;
  Cell& cell_;
  const int minute_;
  Worker& w_;
  const int devices_;  // watch slots, then the cast
};

void StreamPlay::CellPlay::Discover(double multiplier) {
  if (s_.encounters_per_minute <= 0.0) return;
  // Encounters with anyone of the cell at the per-person rate, kept when
  // the person is of the pool (can watch, not a fan): a Poisson process
  // thinned to the pool is the pool's Poisson process, with uniform
  // people. Drawn all first, so that their bytes and viewer states are
  // fetched from memory together rather than one miss after another.
  const double length = MinuteLength(minute_);
  const uint32_t people = cell_.end_person - cell_.first_person;
  const double mean = static_cast<double>(people) * s_.encounters_per_minute *
                      multiplier * length;
  Rng rng(p_.seed_, streams::kStreamDiscovery, static_cast<uint32_t>(minute_),
          static_cast<uint32_t>(s_.index) | (index_ << kIndexBits));
  const int64_t count = SamplePoisson(rng, mean);
  const uint8_t* bytes = p_.audience_.person.get();
  std::vector<uint32_t>& met = w_.met;
  met.clear();
  for (int64_t k = 0; k < count; ++k) {
    if (w_.poller.Tick()) return;
    const uint32_t q = cell_.first_person + rng.UniformInt(people);
    __builtin_prefetch(&bytes[q]);
    met.push_back(q);
  }
  for (uint32_t q : met) {
    const uint8_t byte = bytes[q];
    if ((byte & kSlotMask) == kNoSlot || (byte & kFan) != 0) continue;
    cell_.viewers.prefetch(q);
    Arrival a;
    a.t = minute_ + length * rng.Uniform();
    a.person = q;
    a.channel = Channel::kDiscovery;
    a.has_byte = true;
    a.byte = byte;
    cell_.Queue(a);
  }
}

void StreamPlay::CellPlay::Serve() {
  const double end = std::min<double>(minute_ + 1, s_.duration);
  std::vector<PlannedArrival>& planned = cell_.planned;
  // Fetch the state of the minute's planned arrivals ahead of their turn
  // (a cell's state is out of cache by its next minute): the first
  // kPrefetchAhead now, then one more as each is served.
  auto fetch = [&](size_t i) {
    if (i >= planned.size() || !(planned[i].t < end)) return;
    cell_.viewers.prefetch(planned[i].person);
    if (!planned[i].has_byte)
      __builtin_prefetch(&p_.audience_.person[planned[i].person]);
  };
  for (size_t i = 0; i < kPrefetchAhead; ++i) fetch(cell_.next_planned + i);
  while (true) {
    const bool from_plan = cell_.next_planned < planned.size() &&
                           planned[cell_.next_planned].t < end;
    const bool queued = !cell_.queue.empty() && cell_.queue.top().t < end;
    Arrival a;
    // On a tie in time the planned arrival goes first: it was made before
    // anything queued during the play.
    if (from_plan &&
        (!queued || planned[cell_.next_planned].t <= cell_.queue.top().t)) {
      a = planned[cell_.next_planned++].ToArrival();
      fetch(cell_.next_planned + kPrefetchAhead - 1);
    } else if (queued) {
      a = cell_.queue.top();
      cell_.queue.pop();
    } else {
      break;
    }
    if (w_.poller.Tick()) return;
    Arrive(a);
  }
}

void StreamPlay::CellPlay::Arrive(const Arrival& a) {
  const uint8_t byte = a.has_byte ? a.byte : p_.audience_.person[a.person];
  const int slot = byte & kSlotMask;
  if (slot == kNoSlot) return;  // a share clicked by someone who can't watch
  const auto it = cell_.viewers.find(a.person);
  if (it != cell_.viewers.end() && it->second.busy_until > a.t) return;
  StartSession(a.person, byte, a.t, a.channel, a, slot, -1.0);
}

void StreamPlay::CellPlay::StartSession(uint32_t person, uint8_t byte, double t,
                                        Channel channel, const Arrival& a,
                                        int device, double host_end) {
  Viewer& v = cell_.viewers[person];
  const bool first = v.sessions == 0;
  Rng rng(p_.seed_, streams::kStreamSession, person,
          static_cast<uint32_t>(s_.index) | (v.sessions << kIndexBits));
  double end = host_end;
  if (channel != Channel::kCoViewing) {
    const double length = s_.SessionOf(channel, a.promotion).Sample(rng);
    end = std::min(t + length, s_.duration);
    const int type = s_.watch_types[device];
    if (s_.casting && type == s_.cast_from_type && (byte & kCastLink) != 0 &&
        rng.Uniform() < s_.cast_probability) {
      device = devices_ - 1;
      ++w_.casts;
    }
  }
  v.busy_until = static_cast<float>(end);
  v.minutes += static_cast<float>(end - t);
  ++v.sessions;
  Record(t, end, channel, device);
  if (channel == Channel::kShare) {
    ++w_.share_arrivals;
    const int g = std::min<int>(a.generation, kMaxGenerationRows);
    ++w_.generations[g - 1];
  }
  if (first) {
    ++w_.unique;
    ++w_.channel_viewers[static_cast<int>(channel)];
    ++w_.device_viewers[device];
    ++w_.new_viewers[static_cast<int>(t)];
    if (channel == Channel::kShare && a.root != kNoRoot)
      w_.cascade_hits.emplace_back(a.root, a.generation);
    if (s_.shares && channel != Channel::kCoViewing)
      Share(person, t, end, rng, a);
  }
  const bool tv =
      device == devices_ - 1 || p_.population_.ecosystem()
                                    .device_types()[s_.watch_types[device]]
                                    .household_owned;
  if (tv && s_.co_viewing > 0.0 && channel != Channel::kCoViewing)
    CoView(person, t, end, device, rng);
}

void StreamPlay::CellPlay::Share(uint32_t person, double t, double end,
                                 Rng& rng, const Arrival& a) {
  const bool by_share = a.channel == Channel::kShare;
  const int generation = by_share ? a.generation : 0;
  if (s_.max_generations > 0 && generation >= s_.max_generations) return;
  if (!(rng.Uniform() < s_.share_probability)) return;
  ++w_.sharers;
  uint64_t root = by_share ? a.root : kNoRoot;
  if (root == kNoRoot) root = (uint64_t{index_} << 32) | cell_.roots++;
  const double shared_at = t + (end - t) * rng.Uniform();
  const double boundary = minute_ + 1;
  w_.contacts.clear();
  p_.population_.SocialContacts(person, &w_.contacts);
  for (int64_t contact : w_.contacts) {
    ++w_.messages;
    if (!(rng.Uniform() < s_.click_through)) continue;
    ++w_.clicks;
    double at = shared_at + s_.click_delay.Sample(rng);
    const uint32_t q = static_cast<uint32_t>(contact);
    const bool here = q >= cell_.first_person && q < cell_.end_person;
    // Another cell has its own clock: a click landing there within this
    // minute waits for the minute's end.
    if (!here) at = std::max(at, boundary);
    if (at >= s_.duration) continue;
    Arrival click;
    click.t = at;
    click.person = q;
    click.channel = Channel::kShare;
    click.generation =
        static_cast<uint16_t>(std::min(generation + 1, int{UINT16_MAX}));
    click.root = root;
    if (here) {
      cell_.Queue(click);
    } else {
      const auto it = std::upper_bound(p_.cell_first_person_.begin(),
                                       p_.cell_first_person_.end(), q);
      const uint32_t target =
          static_cast<uint32_t>(it - p_.cell_first_person_.begin()) - 1;
      w_.outbox.push_back({target, index_, cell_.next_seq++, click});
    }
  }
}

void StreamPlay::CellPlay::CoView(uint32_t host, double t, double end,
                                  int device, Rng& rng) {
  const int64_t h = p_.population_.HouseholdOf(host);
  const int64_t first = p_.population_.FirstPerson(h);
  const int size = p_.population_.household_size(h);
  for (int k = 0; k < size; ++k) {
    const uint32_t q = static_cast<uint32_t>(first + k);
    if (q == host || !(rng.Uniform() < s_.co_viewing)) continue;
    const auto it = cell_.viewers.find(q);
    if (it != cell_.viewers.end() && it->second.busy_until > t) continue;
    StartSession(q, 0, t, Channel::kCoViewing, Arrival(), device, end);
  }
}

void StreamPlay::CellPlay::Record(double start, double end, Channel channel,
                                  int device) {
  const int64_t s = Ticks(start), e = Ticks(end);
  const int c = static_cast<int>(channel);
  ++w_.sessions;
  ++w_.channel_sessions[c];
  w_.channel_ticks[c] += e - s;
  w_.lengths[c].push_back(static_cast<float>(end - start));
  ++w_.device_sessions[device];
  w_.device_ticks[device] += e - s;
  const int minutes = p_.minutes_;
  const int fs = static_cast<int>(s / kTicksPerMinute);
  ++w_.arrivals[fs];
  // Minute marks k with start <= k < end.
  const int k0 = static_cast<int>((s + kTicksPerMinute - 1) / kTicksPerMinute);
  const int k1 = std::min(
      static_cast<int>((e + kTicksPerMinute - 1) / kTicksPerMinute), minutes);
  if (k0 < k1) {
    ++w_.concurrency_diff[k0];
    --w_.concurrency_diff[k1];
  }
  const int fe = static_cast<int>(e / kTicksPerMinute);
  if (fs == fe) {
    w_.partial[fs] += e - s;
    return;
  }
  w_.partial[fs] += (fs + 1) * kTicksPerMinute - s;
  ++w_.full_diff[fs + 1];
  --w_.full_diff[fe];
  w_.partial[fe] += e - fe * kTicksPerMinute;
}

StreamPlay::StreamPlay(const Population& population,
                       const CompiledStream& stream, uint64_t seed,
                       const Audience& audience, int threads,
                       const CancelToken* cancel, const Cluster* cluster)
    : population_(population),
      s_(stream),
      seed_(seed),
      audience_(audience),
      threads_(ResolveThreads(threads)),
      cancel_(cancel),
      cluster_(cluster),
      minutes_(stream.minutes()),
      viewer_ticks_(minutes_),
      likes_(minutes_) {
  const int64_t households = population.households();
  const int64_t cells = (households + kCellHouseholds - 1) / kCellHouseholds;
  cells_.resize(cells);
  cell_first_person_.resize(cells);
  for (int64_t c = 0; c < cells; ++c) {
    cells_[c].first_person =
        static_cast<uint32_t>(population.FirstPerson(c * kCellHouseholds));
    cell_first_person_[c] = cells_[c].first_person;
  }
  for (int64_t c = 0; c < cells; ++c) {
    cells_[c].end_person = c + 1 < cells
                               ? cells_[c + 1].first_person
                               : static_cast<uint32_t>(population.people());
  }
  end_cell_ = cells;
  if (cluster != nullptr) {
    std::tie(first_cell_, end_cell_) =
        RankRange(cells, cluster->rank(), cluster->size());
  }
  const int devices = static_cast<int>(stream.watch_types.size()) + 1;
  for (int w = 0; w < threads_; ++w)
    workers_.push_back(std::make_unique<Worker>(minutes_, devices, cancel));
}

StreamPlay::~StreamPlay() = default;

int64_t StreamPlay::cells() const {
  return static_cast<int64_t>(cells_.size());
}

void StreamPlay::SetCell(int64_t c, std::vector<PlannedArrival> opens) {
  cells_[c].planned = std::move(opens);
}

void StreamPlay::Plan(const PlannedArrival& a) {
  const auto it = std::upper_bound(cell_first_person_.begin(),
                                   cell_first_person_.end(), a.person);
  const int64_t c = (it - cell_first_person_.begin()) - 1;
  if (c >= first_cell_ && c < end_cell_) cells_[c].planned.push_back(a);
}

void StreamPlay::SumOverRanks(int64_t* values, size_t n) const {
  if (cluster_ != nullptr) cluster_->Sum(values, n);
}

bool StreamPlay::FinishMinute(int m) {
  // Whether any worker (then any rank) was cancelled, and the minute's
  // sessions under way the whole minute (as a step) and ticks of partly
  // watched minutes: integers, so their sums do not depend on the split.
  int64_t sums[3] = {};
  for (const auto& w : workers_) {
    sums[0] += w->poller.Check() ? 1 : 0;
    sums[1] += w->full_diff[m];
    sums[2] += w->partial[m];
  }
  SumOverRanks(sums, 3);
  if (sums[0] > 0) return true;
  full_running_ += sums[1];
  viewer_ticks_[m] = sums[2] + full_running_ * kTicksPerMinute;
  if (s_.likes_per_minute > 0.0) {
    Rng rng(seed_, streams::kStreamLikes, static_cast<uint32_t>(m),
            static_cast<uint32_t>(s_.index));
    likes_[m] =
        SamplePoisson(rng, s_.likes_per_minute * Minutes(viewer_ticks_[m]));
  }
  return false;
}

void StreamPlay::DeliverMail() {
  std::vector<Outgoing> mail;
  for (const auto& w : workers_) {
    mail.insert(mail.end(), w->outbox.begin(), w->outbox.end());
    w->outbox.clear();
  }
  if (cluster_ != nullptr) {
    // Each rank sends the clicks bound for other ranks' cells to all
    // (most cross no rank boundary) and keeps those bound for its own.
    const auto mine = [&](const Outgoing& o) {
      return o.cell >= first_cell_ && o.cell < end_cell_;
    };
    const auto split = std::partition(mail.begin(), mail.end(), mine);
    const std::string away(
        reinterpret_cast<const char*>(mail.data() + (split - mail.begin())),
        (mail.end() - split) * sizeof(Outgoing));
    mail.erase(split, mail.end());
    const std::vector<std::string> parts = cluster_->AllGather(away);
    for (int r = 0; r < static_cast<int>(parts.size()); ++r) {
      if (r == cluster_->rank()) continue;
      const size_t n = parts[r].size() / sizeof(Outgoing);
      for (size_t i = 0; i < n; ++i) {
        Outgoing o;
        std::memcpy(&o, parts[r].data() + i * sizeof(Outgoing), sizeof o);
        if (mine(o)) mail.push_back(o);
      }
    }
  }
  // Delivered in an order that depends on the cells only.
  std::sort(mail.begin(), mail.end(), [](const Outgoing& a, const Outgoing& b) {
    if (a.cell != b.cell) return a.cell < b.cell;
    if (a.origin_cell != b.origin_cell) return a.origin_cell < b.origin_cell;
    return a.origin_seq < b.origin_seq;
  });
  for (const Outgoing& o : mail) cells_[o.cell].Queue(o.arrival);
}

bool StreamPlay::Run() {
  const int64_t first = first_cell_;
  const int64_t cells = end_cell_ - first_cell_;
  ParallelFor(cells, threads_, [&](int64_t c, int) {
    // By time, in the order planned on a tie.
    std::stable_sort(cells_[first + c].planned.begin(),
                     cells_[first + c].planned.end(),
                     [](const PlannedArrival& a, const PlannedArrival& b) {
                       return a.t < b.t;
                     });
  });
  const int64_t tasks = (cells + kCellsPerTask - 1) / kCellsPerTask;
  for (int m = 0; m < minutes_; ++m) {
    double multiplier = 1.0;
    if (m > 0 && s_.amplification > 0.0) {
      const double length = std::min<double>(m, s_.duration) - (m - 1);
      const double heat = Minutes(viewer_ticks_[m - 1]) / length +
                          s_.like_weight * static_cast<double>(likes_[m - 1]);
      multiplier = std::min(s_.max_multiplier, 1.0 + s_.amplification * heat /
                                                         s_.reference_viewers);
    }
    // Cells go to the threads kCellsPerTask at a time: one shared counter
    // update per task, not per cell.
    ParallelFor(tasks, threads_, [&](int64_t task, int w) {
      const int64_t end = first + std::min(cells, (task + 1) * kCellsPerTask);
      for (int64_t c = first + task * kCellsPerTask; c < end; ++c) {
        if (workers_[w]->poller.stopped()) return;
        CellPlay cell(*this, static_cast<uint32_t>(c), m, workers_[w].get());
        if (s_.discovery) cell.Discover(multiplier);
        cell.Serve();
      }
    });
    // Sessions start at or after their minute: minute m's counts are final.
    if (FinishMinute(m)) return false;
    DeliverMail();
  }
  return true;
}

void StreamPlay::Fill(v1::StreamReport* r) const {
  Worker total(minutes_, static_cast<int>(s_.watch_types.size()) + 1, nullptr);
  const std::vector<std::pair<int64_t*, size_t>> counts = total.Counts();
  for (const auto& w : workers_) {
    const std::vector<std::pair<int64_t*, size_t>> part = w->Counts();
    for (size_t i = 0; i < counts.size(); ++i) {
      for (size_t k = 0; k < counts[i].second; ++k)
        counts[i].first[k] += part[i].first[k];
    }
    total.cascade_hits.insert(total.cascade_hits.end(), w->cascade_hits.begin(),
                              w->cascade_hits.end());
  }
  int64_t roots = 0;
  for (int64_t c = first_cell_; c < end_cell_; ++c) roots += cells_[c].roots;
  if (cluster_ != nullptr) {
    std::vector<int64_t> packed;
    for (const auto& [first, n] : counts)
      packed.insert(packed.end(), first, first + n);
    packed.push_back(roots);
    SumOverRanks(packed.data(), packed.size());
    size_t at = 0;
    for (const auto& [first, n] : counts) {
      std::copy(packed.begin() + at, packed.begin() + at + n, first);
      at += n;
    }
    roots = packed[at];
    total.cascade_hits = GatherHits(*cluster_, total.cascade_hits);
  }
  // Generations up to the deepest reached.
  while (!total.generations.empty() && total.generations.back() == 0)
    total.generations.pop_back();

  r->set_name(s_.name);
  r->set_day(s_.day + 1);
  r->set_start_minute(s_.start_minute);
  r->set_duration_minutes(s_.duration);
  r->set_fans(audience_.counts.fans);
  r->set_can_watch(audience_.counts.can_watch);
  r->set_unique_viewers(total.unique);
  r->set_sessions(total.sessions);
  int64_t ticks = 0;
  for (int64_t t : viewer_ticks_) ticks += t;
  r->set_viewer_minutes(Minutes(ticks));
  r->set_mean_session_minutes(
      total.sessions > 0 ? Minutes(ticks) / total.sessions : 0.0);
  std::vector<const std::vector<float>*> lengths[kNumChannels];
  for (const auto& w : workers_) {
    for (int c = 0; c < kNumChannels; ++c) lengths[c].push_back(&w->lengths[c]);
  }
  const Medians medians = SessionMedians(lengths, cluster_);
  r->set_median_session_minutes(medians.all);
  int64_t likes = 0;
  for (int64_t l : likes_) likes += l;
  r->set_likes(likes);
  r->set_sharers(total.sharers);
  r->set_share_messages(total.messages);
  r->set_share_clicks(total.clicks);
  r->set_share_arrivals(total.share_arrivals);
  for (int64_t g : total.generations) r->add_share_generations(g);
  if (s_.shares) {
    // Cascades: every root, with the hits of the new viewers it brought.
    std::vector<std::pair<uint64_t, uint32_t>>& hits = total.cascade_hits;
    std::sort(hits.begin(), hits.end());
    std::vector<int64_t> sizes(kSizeBuckets), depths(kDepthBuckets);
    int64_t with_hits = 0;
    for (size_t i = 0; i < hits.size();) {
      size_t j = i;
      uint32_t depth = 0;
      while (j < hits.size() && hits[j].first == hits[i].first) {
        depth = std::max(depth, hits[j].second);
        ++j;
      }
      ++sizes[std::min<size_t>(j - i, kSizeBuckets - 1)];
      ++depths[std::min<uint32_t>(depth, kDepthBuckets - 1)];
      ++with_hits;
      i = j;
    }
    sizes[0] += roots - with_hits;
    depths[0] += roots - with_hits;
    for (int64_t n : sizes) r->add_cascade_size_histogram(n);
    for (int64_t n : depths) r->add_cascade_depth_histogram(n);
  }
  r->set_casts(total.casts);

  const bool enabled[kNumChannels] = {s_.notification, s_.discovery, s_.shares,
                                      !s_.promotions.empty(),
                                      s_.co_viewing > 0.0};
  for (int c = 0; c < kNumChannels; ++c) {
    if (!enabled[c]) continue;
    v1::StreamChannelRow* row = r->add_channels();
    row->set_channel(ChannelName(static_cast<Channel>(c)));
    row->set_sessions(total.channel_sessions[c]);
    row->set_unique_viewers(total.channel_viewers[c]);
    row->set_viewer_minutes(Minutes(total.channel_ticks[c]));
    row->set_mean_session_minutes(total.channel_sessions[c] > 0
                                      ? Minutes(total.channel_ticks[c]) /
                                            total.channel_sessions[c]
                                      : 0.0);
    row->set_median_session_minutes(medians.channel[c]);
  }
  const auto& types = population_.ecosystem().device_types();
  const int devices = static_cast<int>(total.device_sessions.size());
  for (int d = 0; d < devices; ++d) {
    const bool cast = d == devices - 1;
    if (cast && !s_.casting) continue;
    v1::StreamDeviceRow* row = r->add_devices();
    if (cast) {
      row->set_device(absl::StrCat(types[s_.tv_type].name, "_cast"));
    } else {
      const DeviceTypeInfo& t = types[s_.watch_types[d]];
      row->set_device(t.household_owned ? absl::StrCat(t.name, "_app")
                                        : t.name);
    }
    row->set_sessions(total.device_sessions[d]);
    row->set_unique_viewers(total.device_viewers[d]);
    row->set_viewer_minutes(Minutes(total.device_ticks[d]));
  }

  int64_t concurrent = 0, cumulative = 0, peak = -1;
  for (int m = 0; m < minutes_; ++m) {
    concurrent += total.concurrency_diff[m];
    cumulative += total.new_viewers[m];
    v1::StreamMinute* row = r->add_minutes();
    row->set_minute(m);
    row->set_concurrent(concurrent);
    const double length = std::min<double>(m + 1, s_.duration) - m;
    row->set_mean_concurrent(Minutes(viewer_ticks_[m]) / length);
    row->set_arrivals(total.arrivals[m]);
    row->set_cumulative_viewers(cumulative);
    row->set_likes(likes_[m]);
    if (concurrent > peak) {
      peak = concurrent;
      r->set_peak_concurrent(concurrent);
      r->set_peak_minute(m);
    }
  }
}

void StreamPlay::ForEachViewer(
    const std::function<void(uint32_t person, float minutes, int worker)>& fn)
    const {
  ParallelFor(end_cell_ - first_cell_, threads_, [&](int64_t c, int worker) {
    for (const auto& [person, v] : cells_[first_cell_ + c].viewers)
      fn(person, v.minutes, worker);
  });
}

}  // namespace live
}  // namespace aiotreach
