// Test helper for the day loop's parts: a scenario prepared from inline
// text format, its population drawn, and all of it generated as one shard.
//
//   TestShard t = MakeTestShard(kScenario, /*seed=*/1);
//   t.campaign().placements() ... t.st.pop.people() ...
#ifndef AIOTREACH_ENGINE_DAY_TESTING_H_
#define AIOTREACH_ENGINE_DAY_TESTING_H_

#include <memory>

#include "engine/day/shard_state.h"
#include "engine/engine.h"
#include "engine/population.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace aiotreach {
namespace day {

struct TestShard {
  std::unique_ptr<const PreparedScenario> prepared;
  std::unique_ptr<const Population> population;
  ShardState st;  // every household, its target marked, its state started
  const Campaign& campaign() const { return prepared->campaign(); }
};

// Fails the test (and returns an empty shard) if the scenario is bad.
inline TestShard MakeTestShard(const char* scenario_text, uint64_t seed) {
  TestShard t;
  v1::Scenario s;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(scenario_text, &s));
  auto prepared = PreparedScenario::Prepare(s);
  EXPECT_TRUE(prepared.ok()) << prepared.status();
  if (!prepared.ok()) return t;
  t.prepared = *std::move(prepared);
  auto population =
      Population::Build(t.prepared->ecosystem(), t.prepared->people(), seed, 1);
  EXPECT_TRUE(population.ok()) << population.status();
  if (!population.ok()) return t;
  t.population = *std::move(population);
  PopulationShard drawn;
  t.population->Generate(0, t.population->households(), PopulationNeeds::All(),
                         &drawn);
  MarkTarget(t.campaign().target(), PopulationNeeds::All(), drawn, &t.st);
  StartShardState(
      t.campaign(),
      static_cast<int>(t.prepared->ecosystem()->device_types().size()), drawn,
      &t.st);
  return t;
}

}  // namespace day
}  // namespace aiotreach

#endif  // AIOTREACH_ENGINE_DAY_TESTING_H_
