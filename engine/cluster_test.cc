#include "engine/cluster.h"

#include <atomic>
#include <string>
#include <vector>

#include "engine/thread_cluster.h"
#include "gtest/gtest.h"

namespace aiotreach {
namespace {

TEST(RankRangeTest, CoversEveryItemOnceInRankOrderWithinOne) {
  for (int64_t count : {0, 1, 2, 7, 97, 1000003}) {
    for (int ranks : {1, 2, 3, 4, 7}) {
      int64_t next = 0, smallest = count, largest = 0;
      for (int r = 0; r < ranks; ++r) {
        const auto [first, last] = RankRange(count, r, ranks);
        EXPECT_EQ(first, next) << count << " items, rank " << r;
        EXPECT_LE(first, last);
        smallest = std::min(smallest, last - first);
        largest = std::max(largest, last - first);
        next = last;
      }
      EXPECT_EQ(next, count);
      EXPECT_LE(largest - smallest, 1) << count << " items on " << ranks;
    }
  }
  // No overflow near the limits.
  const int64_t big = int64_t{1} << 62;
  EXPECT_EQ(RankRange(big, 2, 3).second, big);
}

TEST(ThreadClusterTest, CollectivesCombineEveryRankInRankOrder) {
  std::atomic<int> checked{0};
  ThreadCluster::Run(3, [&](const Cluster& c) {
    std::vector<int64_t> v = {c.rank(), 10 * (c.rank() + 1)};
    c.Sum(v.data(), v.size());
    EXPECT_EQ(v, (std::vector<int64_t>{0 + 1 + 2, 10 + 20 + 30}));
    std::vector<uint64_t> w = {uint64_t{1} << c.rank(), 0};
    c.Or(w.data(), w.size());
    EXPECT_EQ(w, (std::vector<uint64_t>{7, 0}));
    EXPECT_EQ(c.AllGather(std::string(c.rank(), 'x')),
              (std::vector<std::string>{"", "x", "xx"}));
    std::string value = c.rank() == 0 ? "from 0" : "mine";
    c.Broadcast(&value);
    EXPECT_EQ(value, "from 0");
    ++checked;
  });
  EXPECT_EQ(checked, 3);
}

TEST(AgreeStatusTest, EveryRankGetsTheLowestFailingRanksError) {
  EXPECT_TRUE(AgreeStatus(nullptr, absl::OkStatus()).ok());
  EXPECT_EQ(AgreeStatus(nullptr, absl::NotFoundError("x")),
            absl::NotFoundError("x"));
  std::vector<absl::Status> agreed(4);
  ThreadCluster::Run(4, [&](const Cluster& c) {
    const absl::Status mine =
        c.rank() == 2   ? absl::ResourceExhaustedError("no memory")
        : c.rank() == 3 ? absl::InvalidArgumentError("rank 3: bad")
                        : absl::OkStatus();
    agreed[c.rank()] = AgreeStatus(&c, mine);
  });
  for (const absl::Status& s : agreed)
    EXPECT_EQ(s, absl::ResourceExhaustedError("rank 2: no memory"));
  ThreadCluster::Run(2, [&](const Cluster& c) {
    agreed[c.rank()] = AgreeStatus(&c, absl::OkStatus());
  });
  EXPECT_TRUE(agreed[0].ok() && agreed[1].ok());
  // All failing alike: rank 0's error as it is.
  ThreadCluster::Run(2, [&](const Cluster& c) {
    agreed[c.rank()] = AgreeStatus(&c, absl::NotFoundError("same"));
  });
  EXPECT_EQ(agreed[0], absl::NotFoundError("same"));
  EXPECT_EQ(agreed[1], absl::NotFoundError("same"));
}

}  // namespace
}  // namespace aiotreach
