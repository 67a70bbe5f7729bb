// CompileStreams' errors, through ValidateScenario: each names the field
// and the value (docs/LIVE_STREAMS.md, "Bad input").
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/engine.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace aiotreach {
namespace {

constexpr char kScenario[] = R"pb(
  seed: 1
  population: 1000
  flight_days: 3
  ecosystem {
    spec {
      household_size_weights: [ 1, 1 ]
      age_bands { name: "young" weight: 1 }
      age_bands { name: "old" weight: 1 }
      device_types {
        name: "phone"
        owner: OWNER_KIND_PERSON
        ownership_probability: 1
      }
      device_types {
        name: "tv"
        owner: OWNER_KIND_HOUSEHOLD
        ownership_probability: 0.8
      }
      device_types {
        name: "vacuum"
        owner: OWNER_KIND_HOUSEHOLD
        ownership_probability: 0
      }
      social_contacts { mean_contacts_per_person: 3 }
    }
  }
  placements {
    name: "tv_boot"
    device_type: "tv"
    opportunity { bernoulli { probability: 0.3 } }
    share_of_voice: 0.2
    audience { kind: AUDIENCE_KIND_TURNER_AND_PRESENT }
  }
)pb";

constexpr char kStream[] = R"pb(
  name: "launch"
  day: 2
  start_minute: 1200
  duration_minutes: 120
  session { length { exponential { mean_minutes: 10 } } }
)pb";

// The status of the scenario with one stream: `kStream` with the fields
// of `extra` in place of its own.
absl::Status Check(const std::string& extra) {
  v1::Scenario s;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(kScenario, &s));
  v1::LiveStream* stream = s.add_live_streams();
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(kStream, stream));
  v1::LiveStream changes;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(extra, &changes));
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  changes.GetReflection()->ListFields(changes, &fields);
  for (const auto* f : fields) stream->GetReflection()->ClearField(stream, f);
  stream->MergeFrom(changes);
  return ValidateScenario(s);
}

TEST(StreamSpecTest, AcceptsAFullStream) {
  EXPECT_TRUE(Check(R"pb(
                watch_device_types: [ "phone", "tv" ]
                fans {
                  share: 0.1
                  by: ATTRIBUTE_AGE_BAND
                  share_by_category { key: "young" value: 0.3 }
                }
                notification {
                  open_probability: 0.04
                  delay { lognormal { median_minutes: 7 sigma: 1 } }
                  reminder_minutes: [ 30, 60 ]
                }
                discovery {
                  encounters_per_hour: 0.01
                  amplification: 1
                  reference_viewers: 100
                }
                shares {
                  share_probability: 0.1
                  click_through: 0.2
                  click_delay { weibull { shape: 0.8 scale_minutes: 5 } }
                }
                promotions { placement: "tv_boot" join_probability: 0.1 }
                tv_co_viewing_probability: 0.3
                engagement {
                  likes_per_minute: 2
                  follow_probability: 0.1
                  follow_minutes: 10
                }
              )pb")
                  .ok());
}

struct BadCase {
  std::string extra;
  std::string field;  // the path the error names
  std::string value;  // and what it says of the value
};

TEST(StreamSpecTest, NamesTheFieldAndValueOfEachMistake) {
  const BadCase cases[] = {
      {"duration_minutes: -5", "live_streams[0].duration_minutes", "got -5"},
      {"day: 4", "live_streams[0].day", "got 4"},
      {"start_minute: 1440", "live_streams[0].start_minute", "got 1440"},
      {"fans { share: 1.5 }", "live_streams[0].fans.share", "got 1.5"},
      {"fans { by: ATTRIBUTE_AGE_BAND share_by_category { key: \"teen\" "
       "value: 0.2 } }",
       "live_streams[0].fans.share_by_category[\"teen\"]", "'teen'"},
      {"notification { open_probability: 2 }",
       "live_streams[0].notification.open_probability", "got 2"},
      {"notification { open_probability: 0.1 reminder_minutes: 500 }",
       "live_streams[0].notification.reminder_minutes[0]", "got 500"},
      {"notification { open_probability: 0.1 delay { lognormal { "
       "median_minutes: 5 sigma: 0 } } }",
       "live_streams[0].notification.delay.lognormal.sigma", "got 0"},
      {"shares { share_probability: 0.1 click_through: 0.2 "
       "click_delay { weibull { shape: 0.01 scale_minutes: 3 } } }",
       "live_streams[0].shares.click_delay.weibull.shape", "got 0.01"},
      {"shares { share_probability: -0.1 }",
       "live_streams[0].shares.share_probability", "got -0.1"},
      {"discovery { encounters_per_hour: 1 amplification: 2 }",
       "live_streams[0].discovery.reference_viewers", "got 0"},
      {"discovery { encounters_per_hour: 1 max_multiplier: 0.5 }",
       "live_streams[0].discovery.max_multiplier", "got 0.5"},
      {"watch_device_types: \"radio\"", "live_streams[0].watch_device_types[0]",
       "'radio'"},
      {"watch_device_types: \"vacuum\"",
       "live_streams[0].watch_device_types[0]", "'vacuum'"},
      {"promotions { placement: \"billboard\" join_probability: 0.1 }",
       "live_streams[0].promotions[0].placement", "'billboard'"},
      {"casting { cast_probability: 0.5 }", "live_streams[0].casting",
       "LINK_KIND_CASTING"},
      {"casting { cast_probability: 0.5 tv_device_type: \"phone\" }",
       "live_streams[0].casting.tv_device_type", "'phone'"},
      {"tv_co_viewing_probability: 1.1",
       "live_streams[0].tv_co_viewing_probability", "got 1.1"},
      {"engagement { follow_probability: 0.2 }",
       "live_streams[0].engagement.follow_minutes", "got 0"},
      {"session { bounce_share: 0.2 }", "live_streams[0].session.length",
       "is required"},
      {"session { length { fixed_minutes: 3 } bounce_share: 0.2 }",
       "live_streams[0].session.bounce_minutes", "got 0"},
  };
  for (const BadCase& c : cases) {
    const absl::Status status = Check(c.extra);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.extra;
    EXPECT_NE(status.message().find(c.field + ":"), std::string::npos)
        << c.extra << " -> " << status.message();
    EXPECT_NE(status.message().find(c.value), std::string::npos)
        << c.extra << " -> " << status.message();
  }
}

TEST(StreamSpecTest, RefusesMissingSessionsDuplicatesAndTooMany) {
  v1::Scenario s;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      absl::StrCat(kScenario,
                   "live_streams { name: \"a\" day: 1 "
                   "duration_minutes: 10 }"),
      &s));
  EXPECT_NE(ValidateScenario(s).message().find("live_streams[0].session:"),
            std::string::npos);
  s.mutable_live_streams(0)->clear_duration_minutes();
  EXPECT_NE(
      ValidateScenario(s).message().find(
          "live_streams[0].duration_minutes: must be in (0, 1440], got 0"),
      std::string::npos)
      << ValidateScenario(s);

  s.clear_live_streams();
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
        kStream, s.add_live_streams()));
  }
  EXPECT_NE(ValidateScenario(s).message().find(
                "live_streams[1].name: duplicate stream name 'launch'"),
            std::string::npos)
      << ValidateScenario(s);

  s.clear_live_streams();
  for (int i = 0; i < 17; ++i) {
    ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
        kStream, s.add_live_streams()));
    s.mutable_live_streams(i)->set_name(absl::StrCat("s", i));
  }
  EXPECT_NE(ValidateScenario(s).message().find("live_streams: at most 16"),
            std::string::npos);

  // Shares need someone to share with.
  s.clear_live_streams();
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      absl::StrCat(kStream, "shares { share_probability: 0.1 }"),
      s.add_live_streams()));
  s.mutable_ecosystem()->mutable_spec()->clear_social_contacts();
  EXPECT_NE(ValidateScenario(s).message().find(
                "live_streams[0].shares.share_probability: is 0.1 but the "
                "ecosystem has no social contacts"),
            std::string::npos)
      << ValidateScenario(s);
}

}  // namespace
}  // namespace aiotreach
