// Campaign::Build and Ecosystem::Build on inline configs: what they compile
// (not only whether they accept), checked against hand-computed values.
#include "engine/campaign.h"

#include <cmath>
#include <memory>

#include "engine/ecosystem.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace aiotreach {
namespace {

constexpr char kSpec[] = R"pb(
  household_size_weights: [ 0, 1, 1 ]
  activity_shape: 2
  age_bands { name: "young" weight: 1 }
  age_bands { name: "old" weight: 3 }
  device_types {
    name: "phone"
    owner: OWNER_KIND_PERSON
    ownership_probability: 1
  }
  device_types {
    name: "tv"
    owner: OWNER_KIND_HOUSEHOLD
    ownership_probability: 0.75
    screen: true
  }
  device_types {
    name: "speaker"
    owner: OWNER_KIND_HOUSEHOLD
    ownership_probability: 0.35
    voice: true
  }
)pb";

std::unique_ptr<const Ecosystem> BuildEcosystem() {
  v1::EcosystemSpec spec;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(kSpec, &spec));
  auto eco = Ecosystem::Build(spec, "ecosystem.spec");
  EXPECT_TRUE(eco.ok()) << eco.status();
  return *std::move(eco);
}

std::unique_ptr<const Campaign> BuildCampaign(const Ecosystem& eco,
                                              const std::string& text) {
  v1::Scenario s;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &s));
  auto c = Campaign::Build(s, eco);
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? *std::move(c) : nullptr;
}

TEST(EcosystemTest, CompilesTypesAndSizes) {
  const auto eco = BuildEcosystem();
  EXPECT_DOUBLE_EQ(eco->mean_household_size(), 2.5);  // sizes 2 and 3
  EXPECT_EQ(eco->DeviceTypeIndex("phone"), 0);
  EXPECT_EQ(eco->DeviceTypeIndex("speaker"), 2);
  EXPECT_EQ(eco->DeviceTypeIndex("radio"), -1);
  const DeviceTypeInfo& tv = eco->device_types()[1];
  EXPECT_TRUE(tv.household_owned);
  EXPECT_TRUE(tv.screen);
  EXPECT_TRUE(eco->device_types()[2].voice);
  EXPECT_TRUE(eco->device_types()[2].Ownable());
}

// Share of voice w on Poisson rate r over D flat days: the won count over
// the flight is Poisson(D r w); a Bernoulli boot of probability p is won
// on a day with probability p w.
TEST(CampaignTest, CompilesFlightMeansAndThePath) {
  const auto eco = BuildEcosystem();
  const auto c = BuildCampaign(*eco, R"pb(
    flight_days: 28
    placements {
      name: "splash"
      device_type: "phone"
      opportunity { poisson { rate: 3 } }
      share_of_voice: 0.02
    }
    placements {
      name: "boot"
      device_type: "tv"
      opportunity { bernoulli { probability: 0.35 } }
      share_of_voice: 0.2
      audience {
        kind: AUDIENCE_KIND_TURNER_AND_PRESENT
        co_presence_probability: 0.3
      }
    }
  )pb");
  ASSERT_NE(c, nullptr);
  ASSERT_EQ(c->placements().size(), 2u);
  const CompiledPlacement& splash = c->placements()[0];
  EXPECT_NEAR(splash.flight_mean, 28 * 3 * 0.02, 1e-12);
  EXPECT_NEAR(splash.exp_neg_flight_mean, std::exp(-1.68), 1e-12);
  EXPECT_FALSE(splash.household_device);
  EXPECT_FALSE(splash.paced());
  const CompiledPlacement& boot = c->placements()[1];
  EXPECT_EQ(boot.process, Process::kBernoulli);
  EXPECT_TRUE(boot.household_device);
  EXPECT_DOUBLE_EQ(boot.co_presence, 0.3);
  EXPECT_NE(splash.stream, boot.stream);  // keyed by name
  EXPECT_EQ(c->placements_by_type()[0], std::vector<int>{0});
  EXPECT_EQ(c->placements_by_type()[1], std::vector<int>{1});
  EXPECT_FALSE(c->needs_day_loop());  // no caps, pacing, target, dayparts
  EXPECT_EQ(c->screen_types(), 1u << 1);
}

TEST(CampaignTest, CompilesCapsPacingAndTheTarget) {
  const auto eco = BuildEcosystem();
  const auto c = BuildCampaign(*eco, R"pb(
    flight_days: 10
    placements {
      name: "splash"
      device_type: "phone"
      opportunity { poisson { rate: 3 } }
      impression_goal: 1000
    }
    placements {
      name: "boot"
      device_type: "tv"
      opportunity { bernoulli { probability: 0.35 } }
      share_of_voice: 0.2
      audience { kind: AUDIENCE_KIND_ONE_MEMBER }
      voice_follow_up { probability: 0.1 }
    }
    frequency_caps { scope: CAP_SCOPE_PERSON period: CAP_PERIOD_DAY limit: 1 }
    frequency_caps {
      name: "boots"
      scope: CAP_SCOPE_DEVICE
      period: CAP_PERIOD_FLIGHT
      limit: 3
      placements: "boot"
    }
    target { age_bands: "old" }
  )pb");
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE(c->needs_day_loop());
  const CompiledPlacement& splash = c->placements()[0];
  EXPECT_TRUE(splash.paced());
  EXPECT_EQ(splash.goal, 1000);
  // Even pacing: T_d = round(G_d / (D - d)), halves up.
  EXPECT_EQ(splash.DayTarget(0, 1000), 100);
  EXPECT_EQ(splash.DayTarget(9, 7), 7);
  EXPECT_EQ(splash.DayTarget(8, 5), 3);  // 2.5 rounds up
  EXPECT_EQ(splash.DayTarget(3, 0), 0);
  ASSERT_EQ(c->caps().size(), 2u);
  EXPECT_EQ(c->caps()[0].name, "cap 0");
  EXPECT_TRUE(c->caps()[0].daily && c->caps()[0].per_person);
  EXPECT_EQ(c->caps()[0].placements, 0b11u);  // campaign-wide
  EXPECT_EQ(c->caps()[1].name, "boots");
  EXPECT_FALSE(c->caps()[1].daily || c->caps()[1].per_person);
  EXPECT_EQ(c->caps()[1].placements, 0b10u);
  EXPECT_EQ(c->voice_types(), std::vector<int>{2});
  const CompiledTarget& t = c->target();
  EXPECT_TRUE(t.needs_age_band());
  EXPECT_FALSE(t.needs_city_tier());
  EXPECT_TRUE(t.Contains(/*age_band=*/1, 0, 2, 1u, 0u, 1.0f, 0));
  EXPECT_FALSE(t.Contains(/*age_band=*/0, 0, 2, 1u, 0u, 1.0f, 0));
}

}  // namespace
}  // namespace aiotreach
