// Helpers for tests that build scenarios from inline text and run them.
//
//   v1::Scenario s = ParseTextOrDie(R"pb(name: "t" ...)pb");
//   v1::Report r = RunOrDie(s);
#ifndef AIOTREACH_TESTS_SCENARIO_TESTING_H_
#define AIOTREACH_TESTS_SCENARIO_TESTING_H_

#include <cmath>
#include <string>

#include "aiotreach/v1/report.pb.h"
#include "aiotreach/v1/scenario.pb.h"
#include "engine/engine.h"
#include "gtest/gtest.h"

namespace aiotreach::testing {

// Parses text format; a parse error fails the test and returns an empty
// scenario.
v1::Scenario ParseTextOrDie(const std::string& text);

// Runs the scenario; an error fails the test and returns an empty report.
v1::Report RunOrDie(const v1::Scenario& scenario,
                    const RunOptions& options = {});

// Runs the scenario on its own path, or forced onto the day-by-day one
// (RunOptions::day_by_day): the same model, checked on both simulators.
inline v1::Report RunOnPath(const v1::Scenario& scenario, bool day_by_day) {
  RunOptions options;
  options.day_by_day = day_by_day;
  return RunOrDie(scenario, options);
}

// The element called `name` of a repeated field of messages with a
// name() (breakdown rows, delivery rows, ...), or a failure and the
// message type's default instance.
template <typename Message>
const Message& Row(const google::protobuf::RepeatedPtrField<Message>& rows,
                   const std::string& name) {
  for (const Message& r : rows) {
    if (r.name() == name) return r;
  }
  ADD_FAILURE() << "no row named " << name;
  return Message::default_instance();
}

// A small valid scenario: 2,000 people of small-city, 7 days, a TV boot
// ad at half the share of voice. Tests edit its text to make mistakes.
inline constexpr char kSmallCityTvBoot[] = R"pb(
  seed: 3
  ecosystem { preset { name: "small-city" } }
  population: 2000
  flight_days: 7
  placements {
    name: "tv_boot"
    device_type: "tv"
    opportunity { bernoulli { probability: 0.35 } }
    share_of_voice: 0.5
    audience {
      kind: AUDIENCE_KIND_TURNER_AND_PRESENT
      co_presence_probability: 0.2
    }
  }
)pb";

// One-person households, each with one phone (a personal screen) and no
// activity heterogeneity: every person's exposures are independent. Text
// of a Scenario's ecosystem field.
inline constexpr char kOnePhonePerPerson[] = R"pb(
  ecosystem {
    spec {
      household_size_weights: [ 1 ]
      device_types {
        name: "phone"
        owner: OWNER_KIND_PERSON
        ownership_probability: 1
        screen: true
      }
    }
  }
)pb";

// Standard error of a proportion p estimated from n independent trials.
inline double ProportionSe(double p, double n) {
  return std::sqrt(p * (1.0 - p) / n);
}

}  // namespace aiotreach::testing

#endif  // AIOTREACH_TESTS_SCENARIO_TESTING_H_
