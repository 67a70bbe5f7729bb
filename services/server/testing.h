// Test helpers for the server's parts: a small-city scenario of a given
// size (one phone placement; 50 million people take seconds, so tests
// that need a long run use that) and Runner options for a test.
#ifndef AIOTREACH_SERVICES_SERVER_TESTING_H_
#define AIOTREACH_SERVICES_SERVER_TESTING_H_

#include <cstdint>

#include "aiotreach/v1/scenario.pb.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "services/server/runner.h"

namespace aiotreach {

inline v1::Scenario TestCity(int64_t people) {
  v1::Scenario s;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"pb(
        name: "city"
        seed: 3
        ecosystem { preset { name: "small-city" } }
        flight_days: 7
        placements {
          name: "phone_splash"
          device_type: "phone"
          opportunity { poisson { rate: 3 } }
          share_of_voice: 0.02
        }
      )pb",
      &s));
  s.set_population(people);
  return s;
}

// One engine thread; a budget of 256 MiB.
inline RunnerOptions TestRunnerOptions(int max_concurrent_runs,
                                       int max_queued_runs) {
  RunnerOptions o;
  o.threads = 1;
  o.max_concurrent_runs = max_concurrent_runs;
  o.max_queued_runs = max_queued_runs;
  o.memory_budget_bytes = int64_t{256} << 20;
  return o;
}

}  // namespace aiotreach

#endif  // AIOTREACH_SERVICES_SERVER_TESTING_H_
