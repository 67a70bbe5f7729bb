// What a campaign run hands to the live streams: the people it reached (for
// one deduplicated reach across paid and live) and the exposures to
// placements that promote a stream (docs/LIVE_STREAMS.md).
//
//   StreamFeed feed(population.people(), routes, streams);
//   DaySimulator sim(...);  sim.set_stream_feed(&feed);
//   feed.reached.Has(p);  feed.exposures[k]  // after the run
//
// Workers set reached bits from any thread and hand their exposures over
// once, under the mutex.
#ifndef AIOTREACH_ENGINE_STREAM_FEED_H_
#define AIOTREACH_ENGINE_STREAM_FEED_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace aiotreach {

// One bit per person, set from any thread.
class PersonBits {
 public:
  explicit PersonBits(int64_t people)
      : words_(new std::atomic<uint64_t>[(people + 63) / 64]()),
        size_((people + 63) / 64) {}
  void Set(int64_t p) {
    words_[p >> 6].fetch_or(uint64_t{1} << (p & 63), std::memory_order_relaxed);
  }
  bool Has(int64_t p) const {
    return (words_[p >> 6].load(std::memory_order_relaxed) >> (p & 63)) & 1;
  }
  // The bits as words (person p: bit p % 64 of word p / 64), to be merged
  // across processes; not while bits are being set.
  std::vector<uint64_t> Words() const {
    std::vector<uint64_t> out(size_);
    for (size_t i = 0; i < size_; ++i)
      out[i] = words_[i].load(std::memory_order_relaxed);
    return out;
  }
  void SetWords(const std::vector<uint64_t>& words) {
    for (size_t i = 0; i < size_ && i < words.size(); ++i)
      words_[i].store(words[i], std::memory_order_relaxed);
  }

 private:
  std::unique_ptr<std::atomic<uint64_t>[]> words_;
  size_t size_;
};

// An exposure to a placement that promotes a stream: who, when (minute of
// the stream's day), and which of the stream's promotions.
struct PromotionExposure {
  uint32_t person = 0;
  float minute_of_day = 0.0f;
  uint8_t promotion = 0;
};

struct StreamFeed {
  // Placement `placement` promotes stream `stream` (its `promotion`-th
  // promotion), whose day is `day` (0-based).
  struct Route {
    int placement = 0;
    int stream = 0;
    int promotion = 0;
    int day = 0;
  };

  StreamFeed(int64_t people, std::vector<Route> routes_in, int streams)
      : reached(people), routes(std::move(routes_in)), exposures(streams) {
    for (const Route& r : routes) promoting |= uint64_t{1} << r.placement;
  }

  // Appends a worker's exposures (by stream) and clears them.
  void Hand(std::vector<std::vector<PromotionExposure>>* part) {
    std::lock_guard<std::mutex> lock(mu);
    for (size_t k = 0; k < part->size(); ++k) {
      exposures[k].insert(exposures[k].end(), (*part)[k].begin(),
                          (*part)[k].end());
      (*part)[k].clear();
    }
  }

  PersonBits reached;
  const std::vector<Route> routes;
  uint64_t promoting = 0;  // bit j: placement j promotes a stream
  std::mutex mu;
  std::vector<std::vector<PromotionExposure>> exposures;  // by stream
};

}  // namespace aiotreach

#endif  // AIOTREACH_ENGINE_STREAM_FEED_H_
