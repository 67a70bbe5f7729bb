// Live streams against theory (docs/LIVE_STREAMS.md, "Checks from
// theory"): each statistical check names its law and allows k = 5 standard
// errors of it, with a fixed seed. Runs go through the engine's front door
// (RunScenario), so the wiring is tested too.
#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "engine/engine.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace aiotreach {
namespace {

constexpr double kSe = 5.0;

// Everyone has a phone; households of $SIZE own a TV with $TV, linked for
// casting with $LINK; $CONTACTS social contacts a person. One placement
// that never wins keeps the campaign out of the way.
constexpr char kBase[] = R"pb(
  seed: 11
  population: $PEOPLE
  flight_days: 2
  ecosystem {
    spec {
      household_size_weights: $SIZE
      device_types {
        name: "phone"
        owner: OWNER_KIND_PERSON
        ownership_probability: 1
        screen: true
      }
      device_types {
        name: "tv"
        owner: OWNER_KIND_HOUSEHOLD
        ownership_probability: $TV
        screen: true
      }
      device_links {
        from_device_type: "phone"
        to_device_type: "tv"
        kind: LINK_KIND_CASTING
        probability: $LINK
      }
      social_contacts { mean_contacts_per_person: $CONTACTS }
    }
  }
  placements {
    name: "splash"
    device_type: "phone"
    opportunity { poisson { rate: 1 } }
    share_of_voice: 0
  }
)pb";

struct World {
  int64_t people = 1'000'000;
  std::string size = "[1]";
  double tv = 0.0;
  double link = 0.0;
  double contacts = 0.0;
};

v1::Scenario MakeScenario(const World& w, const std::string& extra) {
  const std::string text =
      absl::StrReplaceAll(kBase, {{"$PEOPLE", absl::StrCat(w.people)},
                                  {"$SIZE", w.size},
                                  {"$TV", absl::StrCat(w.tv)},
                                  {"$LINK", absl::StrCat(w.link)},
                                  {"$CONTACTS", absl::StrCat(w.contacts)}});
  v1::Scenario s;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text + extra, &s));
  return s;
}

v1::StreamReport RunStream(const v1::Scenario& s, int threads = 2) {
  RunOptions options;
  options.threads = threads;
  absl::StatusOr<v1::Report> report = RunScenario(s, options);
  EXPECT_TRUE(report.ok()) << report.status();
  if (!report.ok() || report->live_streams_size() != 1) return {};
  return report->live_streams(0);
}

const v1::StreamChannelRow* Channel(const v1::StreamReport& r,
                                    const std::string& name) {
  for (const auto& c : r.channels()) {
    if (c.channel() == name) return &c;
  }
  return nullptr;
}

// M/M/infinity from empty: arrivals at a constant rate lambda, sessions
// exponential of mean 1/mu. The number in the room at t is Poisson with
// mean lambda/mu (1 - e^(-mu t)), so it is checked at several minutes
// within 5 sqrt(mean); its time average over the stationary second hour is
// lambda E[S] (Little's law), within 5 standard errors of a time average
// of an M/M/infinity queue, sqrt(2 (lambda/mu) / (mu T)).
TEST(StreamTheoryTest, ConstantArrivalsFollowTheMMInfinityTransient) {
  // 1M non-fans at 0.006 encounters an hour: lambda = 100 a minute.
  const v1::StreamReport r = RunStream(MakeScenario({}, R"pb(
    live_streams {
      name: "constant"
      day: 1
      start_minute: 600
      duration_minutes: 120
      session { length { exponential { mean_minutes: 10 } } }
      discovery { encounters_per_hour: 0.006 }
    }
  )pb"));
  ASSERT_EQ(r.minutes_size(), 120);
  const double lambda = 100.0, mu = 0.1;
  for (int t : {2, 5, 10, 20, 40, 80, 119}) {
    const double mean = lambda / mu * (1.0 - std::exp(-mu * t));
    EXPECT_NEAR(r.minutes(t).concurrent(), mean, kSe * std::sqrt(mean))
        << "minute " << t;
  }
  double average = 0.0;
  for (int m = 60; m < 120; ++m) average += r.minutes(m).mean_concurrent();
  average /= 60;
  const double little = lambda / mu;
  EXPECT_NEAR(average, little, kSe * std::sqrt(2 * little / (mu * 60)));
  // Arrivals: Poisson(lambda T).
  EXPECT_NEAR(r.sessions(), lambda * 120, kSe * std::sqrt(lambda * 120));
  EXPECT_EQ(r.fans(), 0);
  EXPECT_EQ(r.can_watch(), 1'000'000);
}

// The discovery feed's amplification law: arrivals in minute m are
// Poisson with mean N h (1 + a heat_{m-1} / ref), heat being the mean
// concurrency plus like_weight times the likes of minute m-1. Summed over
// the stream, the arrivals are checked against the sum of those means
// computed from the reported curve, within 5 sqrt(sum).
TEST(StreamTheoryTest, DiscoveryFollowsTheAmplificationLaw) {
  const v1::StreamReport r = RunStream(MakeScenario({}, R"pb(
    live_streams {
      name: "hot"
      day: 1
      start_minute: 0
      duration_minutes: 90
      session { length { exponential { mean_minutes: 8 } } }
      discovery {
        encounters_per_hour: 0.003
        amplification: 2
        reference_viewers: 1000
        like_weight: 0.05
        max_multiplier: 4
      }
      engagement { likes_per_minute: 1 }
    }
  )pb"));
  const double base = 1e6 * 0.003 / 60;  // 50 a minute in a cold room
  double expected = base, arrivals = r.minutes(0).arrivals();
  double top = 1.0;
  for (int m = 1; m < 90; ++m) {
    const double heat =
        r.minutes(m - 1).mean_concurrent() + 0.05 * r.minutes(m - 1).likes();
    const double multiplier = std::min(4.0, 1 + 2 * heat / 1000);
    top = std::max(top, multiplier);
    expected += base * multiplier;
    arrivals += r.minutes(m).arrivals();
  }
  EXPECT_GT(top, 1.5);  // the feed did amplify
  EXPECT_NEAR(arrivals, expected, kSe * std::sqrt(expected));
  // Without amplification: the cold rate throughout.
  EXPECT_GT(arrivals, base * 90 + kSe * std::sqrt(base * 90));
}

// Notification: each fan who can watch opens the one push with p, so the
// opens are Binomial(fans, p); delays exponential of mean 7 minutes put
// 1 - e^-1 of them in the first 7 minutes and e^-1 - e^-2 in the next 7.
TEST(StreamTheoryTest, NotificationOpensAreBinomialWithTheirDelays) {
  const v1::StreamReport r = RunStream(MakeScenario({}, R"pb(
    live_streams {
      name: "push"
      day: 2
      start_minute: 1200
      duration_minutes: 240
      fans { share: 0.1 }
      session { length { exponential { mean_minutes: 30 } } }
      notification {
        open_probability: 0.04
        delay { exponential { mean_minutes: 7 } }
      }
    }
  )pb"));
  const double fans = r.fans();
  EXPECT_NEAR(fans, 1e5, kSe * std::sqrt(1e6 * 0.1 * 0.9));
  const double p = 0.04;
  const v1::StreamChannelRow* push = Channel(r, "notification");
  ASSERT_NE(push, nullptr);
  EXPECT_NEAR(push->sessions(), fans * p, kSe * std::sqrt(fans * p * (1 - p)));
  EXPECT_EQ(push->unique_viewers(), push->sessions());  // one push each
  EXPECT_EQ(r.fan_viewers(), r.unique_viewers());
  double first = 0, second = 0;
  for (int m = 0; m < 7; ++m) first += r.minutes(m).arrivals();
  for (int m = 7; m < 14; ++m) second += r.minutes(m).arrivals();
  const double n = push->sessions();
  for (const auto& [count, share] :
       {std::pair<double, double>{first, 1 - std::exp(-1.0)},
        {second, std::exp(-1.0) - std::exp(-2.0)}}) {
    EXPECT_NEAR(count / n, share, kSe * std::sqrt(share * (1 - share) / n));
  }
}

// Fans by category: each person is a fan with their category's share,
// independently. With shares of 1 and 0 by city tier the fans are exactly
// the people of the first tier (counted by a campaign targeting it); by age
// band with shares p_y and p_o the count is a sum of Bernoullis, within 5
// standard errors sqrt(sum p (1 - p)) of its mean.
TEST(StreamTheoryTest, FansAreDrawnByTheirCategory) {
  auto run = [](const std::string& fans, const std::string& target) {
    v1::Scenario s = MakeScenario(
        {}, absl::StrCat(R"pb(
                           live_streams { name: "fans" day: 1 start_minute: 600
                                          duration_minutes: 30
                                          fans {)pb",
                         fans, R"pb(}
                                    session { length { exponential { mean_minutes: 10 } } }
      }
      target { )pb",
                         target, " }"));
    v1::EcosystemSpec* spec = s.mutable_ecosystem()->mutable_spec();
    for (const auto& [name, weight] :
         {std::pair<const char*, double>{"young", 1}, {"old", 2}}) {
      v1::Category* c = spec->add_age_bands();
      c->set_name(name);
      c->set_weight(weight);
    }
    for (const auto& [name, weight] :
         {std::pair<const char*, double>{"big", 1}, {"small", 3}}) {
      v1::Category* c = spec->add_city_tiers();
      c->set_name(name);
      c->set_weight(weight);
    }
    RunOptions options;
    options.threads = 2;
    absl::StatusOr<v1::Report> report = RunScenario(s, options);
    EXPECT_TRUE(report.ok()) << report.status();
    return report.ok() && report->live_streams_size() == 1
               ? std::make_pair(report->universe().people(),
                                report->live_streams(0).fans())
               : std::make_pair(int64_t{-1}, int64_t{-2});
  };
  const auto [big, fans_big] = run(
      R"pb(by: ATTRIBUTE_CITY_TIER
           share_by_category { key: "big" value: 1 }
           share_by_category { key: "small" value: 0 })pb",
      R"pb(city_tiers: "big")pb");
  EXPECT_EQ(fans_big, big);
  EXPECT_NEAR(big, 250'000, kSe * std::sqrt(1e6 * 0.25 * 0.75));

  const auto [young, fans_young] = run(
      R"pb(by: ATTRIBUTE_AGE_BAND
           share_by_category { key: "young" value: 0.3 }
           share_by_category { key: "old" value: 0.1 })pb",
      R"pb(age_bands: "young")pb");
  const double old = 1e6 - young;
  const double mean = 0.3 * young + 0.1 * old;
  EXPECT_NEAR(fans_young, mean,
              kSe * std::sqrt(0.3 * 0.7 * young + 0.1 * 0.9 * old));
  EXPECT_NEAR(young, 1e6 / 3, kSe * std::sqrt(1e6 * (1.0 / 3) * (2.0 / 3)));
}
// Shares as a Galton-Watson process: each viewer shares with s to
// Poisson(c) contacts, each clicking with q, so the offspring X of a
// viewer has mean R = s c q and variance sigma^2 = s (cq + (cq)^2) - R^2.
// A seed's total progeny T has mean 1 / (1 - R) and variance
// sigma^2 / (1 - R)^3, so share arrivals per seed average R / (1 - R);
// generation g averages R^g per seed, with variance
// sigma^2 R^(g-1) (1 - R^g) / (1 - R).
TEST(StreamTheoryTest, SubcriticalSharesGiveRoverOneMinusRPerSeed) {
  World w;
  w.people = 2'000'000;
  w.contacts = 4;
  const v1::StreamReport r = RunStream(MakeScenario(w, R"pb(
    live_streams {
      name: "cascade"
      day: 1
      start_minute: 0
      duration_minutes: 600
      fans { share: 0.05 }
      session { length { exponential { mean_minutes: 20 } } }
      notification { open_probability: 0.05 }
      shares { share_probability: 0.5 click_through: 0.25 }
    }
  )pb"));
  const double s = 0.5, cq = 4 * 0.25, R = s * cq;
  const double sigma2 = s * (cq + cq * cq) - R * R;
  const v1::StreamChannelRow* push = Channel(r, "notification");
  ASSERT_NE(push, nullptr);
  const double seeds = push->unique_viewers();
  ASSERT_GT(seeds, 3000);
  const double per_seed = r.share_arrivals() / seeds;
  EXPECT_NEAR(per_seed, R / (1 - R),
              kSe * std::sqrt(sigma2 / std::pow(1 - R, 3) / seeds));
  ASSERT_GE(r.share_generations_size(), 3);
  for (int g = 1; g <= 3; ++g) {
    const double var =
        sigma2 * std::pow(R, g - 1) * (1 - std::pow(R, g)) / (1 - R);
    EXPECT_NEAR(r.share_generations(g - 1) / seeds, std::pow(R, g),
                kSe * std::sqrt(var / seeds))
        << "generation " << g;
  }
  // Every cascade is a seed who shared: about s of the seeds.
  int64_t cascades = 0;
  for (int64_t n : r.cascade_size_histogram()) cascades += n;
  EXPECT_LE(cascades, r.sharers());
  EXPECT_NEAR(cascades / seeds, s, kSe * std::sqrt(s * (1 - s) / seeds));
  EXPECT_GE(r.share_clicks(), r.share_arrivals());
}

// Casting: every session on a phone casts (cast probability 1, every
// household has a linked TV); each of the two other members of a
// household of 3 is present with q = 0.4, so a cast adds Binomial(2, q)
// viewers: 2q on average.
TEST(StreamTheoryTest, CastsAddTheMembersPresent) {
  World w;
  w.size = "[0, 0, 1]";
  w.tv = 1;
  w.link = 1;
  const std::string stream = R"pb(
    live_streams {
      name: "cast"
      day: 1
      start_minute: 1200
      duration_minutes: 60
      session { length { exponential { mean_minutes: 20 } } }
      discovery { encounters_per_hour: 0.002 }
      casting { cast_probability: 1 }
      tv_co_viewing_probability: 0.4
    }
  )pb";
  const v1::StreamReport r = RunStream(MakeScenario(w, stream));
  const double q = 0.4;
  const v1::StreamChannelRow* discovery = Channel(r, "discovery");
  const v1::StreamChannelRow* co = Channel(r, "co_viewing");
  ASSERT_NE(discovery, nullptr);
  ASSERT_NE(co, nullptr);
  EXPECT_EQ(r.casts(), discovery->sessions());
  const double casts = r.casts();
  ASSERT_GT(casts, 1000);
  EXPECT_NEAR(co->sessions() / casts, 2 * q,
              kSe * std::sqrt(2 * q * (1 - q) / casts));
  // Casts and their co-viewers are on the TV.
  for (const auto& d : r.devices()) {
    if (d.device() == "tv_cast") EXPECT_EQ(d.sessions(), r.sessions());
  }

  // No link, no cast and no co-viewer.
  w.link = 0;
  const v1::StreamReport none = RunStream(MakeScenario(w, stream));
  EXPECT_GT(none.sessions(), 0);
  EXPECT_EQ(none.casts(), 0);
  ASSERT_NE(Channel(none, "co_viewing"), nullptr);
  EXPECT_EQ(Channel(none, "co_viewing")->sessions(), 0);
}

// Promotion: a TV boot ad that every household's TV shows once a day, at
// a time uniform in the day, promotes a stream in the day's first hour.
// An exposure before the stream's end joins with j, so promoted joins are
// Binomial(households, j / 24); every one of them was reached by the
// campaign (with_campaign.both).
TEST(StreamTheoryTest, PromotedJoinsComeFromExposuresBeforeTheEnd) {
  World w;
  w.people = 200'000;
  w.tv = 1;
  v1::Scenario s = MakeScenario(w, R"pb(
    placements {
      name: "tv_boot"
      device_type: "tv"
      opportunity { bernoulli { probability: 1 } }
      share_of_voice: 1
      audience { kind: AUDIENCE_KIND_TURNER_AND_PRESENT }
    }
    live_streams {
      name: "promoted"
      day: 2
      start_minute: 0
      duration_minutes: 60
      session { length { exponential { mean_minutes: 5 } } }
      promotions { placement: "tv_boot" join_probability: 0.5 }
    }
  )pb");
  RunOptions options;
  options.threads = 2;
  absl::StatusOr<v1::Report> report = RunScenario(s, options);
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_EQ(report->live_streams_size(), 1);
  const v1::StreamReport& r = report->live_streams(0);
  const v1::StreamChannelRow* promo = Channel(r, "promotion");
  ASSERT_NE(promo, nullptr);
  const double n = 200'000, p = 0.5 / 24;
  EXPECT_NEAR(promo->unique_viewers(), n * p, kSe * std::sqrt(n * p * (1 - p)));
  EXPECT_EQ(promo->sessions(), promo->unique_viewers());
  EXPECT_EQ(report->reach_people(), 200'000);  // every TV boots each day
  EXPECT_EQ(r.with_campaign().both(), r.unique_viewers());
  EXPECT_EQ(r.with_campaign().stream_only(), 0);
  EXPECT_EQ(r.with_campaign().union_reach(), 200'000);

  // No join, no promoted viewer.
  s.mutable_live_streams(0)->mutable_promotions(0)->set_join_probability(0);
  absl::StatusOr<v1::Report> none = RunScenario(s, options);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ(none->live_streams(0).unique_viewers(), 0);
}

// A scenario of streams only skips the campaign pass: the universe comes
// from the stream's pass, and every viewer is reached by the stream only.
TEST(StreamInvariantTest, AStreamNeedsNoPlacement) {
  World w;
  w.people = 50'000;
  v1::Scenario s = MakeScenario(w, R"pb(
    target { min_household_size: 1 }
    live_streams {
      name: "alone"
      day: 1
      start_minute: 0
      duration_minutes: 30
      fans { share: 0.2 }
      session { length { exponential { mean_minutes: 5 } } }
      notification { open_probability: 0.5 }
    }
  )pb");
  s.clear_placements();
  RunOptions options;
  absl::StatusOr<v1::Report> report = RunScenario(s, options);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->universe().people(), 50'000);
  EXPECT_EQ(report->universe().all_people(), 50'000);
  EXPECT_EQ(report->universe().households(), 50'000);  // sizes of 1
  EXPECT_EQ(report->reach_people(), 0);
  const v1::StreamReport& r = report->live_streams(0);
  EXPECT_GT(r.unique_viewers(), 4000);
  EXPECT_EQ(r.with_campaign().union_reach(), r.unique_viewers());
  EXPECT_EQ(r.with_campaign().stream_only(), r.unique_viewers());

  // Replicates give the stream's figures intervals too.
  s.set_replicates(4);
  absl::StatusOr<v1::Report> replicated = RunScenario(s, options);
  ASSERT_TRUE(replicated.ok()) << replicated.status();
  int found = 0;
  for (const v1::FigureInterval& f : replicated->uncertainty().figures()) {
    if (f.figure().rfind("live_streams[alone].", 0) != 0) continue;
    ++found;
    EXPECT_LE(f.lower(), f.mean()) << f.figure();
    EXPECT_LE(f.mean(), f.upper()) << f.figure();
    if (f.figure() == "live_streams[alone].unique_viewers") {
      EXPECT_GT(f.sd(), 0.0);  // each replicate draws its own audience
      EXPECT_NEAR(f.mean(), r.unique_viewers(), 6 * f.sd());
    }
  }
  EXPECT_EQ(found, 7);

  s.clear_live_streams();
  EXPECT_NE(ValidateScenario(s).message().find(
                "placements: at least one placement (or a live stream)"),
            std::string::npos);
}

// Fixed delays and lengths make the curve exact: every open at 2.5
// minutes, every session 10 minutes long, so the room holds all of them
// at the marks 3..12 and no one otherwise; minute 2 and minute 12 hold
// half a minute each.
TEST(StreamInvariantTest, ConcurrencyCountsTheSessionsCoveringEachMinute) {
  const v1::StreamReport r = RunStream(MakeScenario({}, R"pb(
    live_streams {
      name: "exact"
      day: 1
      start_minute: 60
      duration_minutes: 20
      fans { share: 0.01 }
      session { length { fixed_minutes: 10 } }
      notification {
        open_probability: 0.5
        delay { fixed_minutes: 2.5 }
      }
    }
  )pb"));
  const int64_t n = r.sessions();
  ASSERT_GT(n, 1000);
  for (int m = 0; m < 20; ++m) {
    EXPECT_EQ(r.minutes(m).concurrent(), m >= 3 && m <= 12 ? n : 0) << m;
    const double mean = m == 2 || m == 12 ? 0.5 * n : m > 2 && m < 12 ? n : 0.0;
    EXPECT_NEAR(r.minutes(m).mean_concurrent(), mean, 1e-6 * n) << m;
  }
  EXPECT_EQ(r.peak_concurrent(), n);
  EXPECT_EQ(r.peak_minute(), 3);
  EXPECT_NEAR(r.viewer_minutes(), 10.0 * n, 1e-6 * n);
  EXPECT_DOUBLE_EQ(r.median_session_minutes(), 10.0);
}

// The invariants every stream keeps, on one with every channel.
TEST(StreamInvariantTest, EveryChannelKeepsTheInvariants) {
  World w;
  w.people = 300'000;
  w.size = "[0.3, 0.3, 0.2, 0.2]";
  w.tv = 0.8;
  w.link = 0.6;
  w.contacts = 5;
  v1::Scenario s = MakeScenario(w, R"pb(
    live_streams {
      name: "launch"
      day: 2
      start_minute: 1170
      duration_minutes: 90
      watch_device_types: [ "phone", "tv" ]
      fans { share: 0.05 }
      session {
        length { lognormal { median_minutes: 6 sigma: 1.2 } }
        bounce_share: 0.3
        bounce_minutes: 1
      }
      notification { open_probability: 0.2 reminder_minutes: 30 }
      discovery {
        encounters_per_hour: 0.01
        amplification: 1
        reference_viewers: 2000
        like_weight: 0.01
      }
      shares { share_probability: 0.1 click_through: 0.3 }
      casting { cast_probability: 0.2 }
      tv_co_viewing_probability: 0.3
      engagement {
        likes_per_minute: 2
        follow_probability: 0.2
        follow_minutes: 15
      }
    }
  )pb");
  const v1::StreamReport r = RunStream(s);
  ASSERT_GT(r.unique_viewers(), 1000);
  int64_t previous = 0, peak = 0, arrivals = 0, likes = 0;
  for (const v1::StreamMinute& m : r.minutes()) {
    EXPECT_GE(m.cumulative_viewers(), previous);
    previous = m.cumulative_viewers();
    peak = std::max(peak, m.concurrent());
    arrivals += m.arrivals();
    likes += m.likes();
  }
  EXPECT_EQ(previous, r.unique_viewers());
  EXPECT_EQ(peak, r.peak_concurrent());
  EXPECT_GE(r.unique_viewers(), r.peak_concurrent());
  EXPECT_EQ(arrivals, r.sessions());
  EXPECT_EQ(likes, r.likes());
  EXPECT_GE(r.sessions(), r.unique_viewers());
  int64_t by_channel = 0, sessions = 0, by_device = 0;
  for (const auto& c : r.channels()) {
    by_channel += c.unique_viewers();
    sessions += c.sessions();
  }
  for (const auto& d : r.devices()) by_device += d.unique_viewers();
  EXPECT_EQ(by_channel, r.unique_viewers());
  EXPECT_EQ(by_device, r.unique_viewers());
  EXPECT_EQ(sessions, r.sessions());
  // Who could watch: people with a phone or a TV (everyone here), plus
  // no one else.
  EXPECT_LE(r.unique_viewers(), r.can_watch());
  EXPECT_LE(r.new_followers(), r.unique_viewers() - r.fan_viewers());
  EXPECT_GT(r.new_followers(), 0);
  EXPECT_LE(r.share_arrivals(), r.share_clicks());
  EXPECT_LE(r.share_clicks(), r.share_messages());
  EXPECT_GT(r.casts(), 0);
  const v1::StreamAndCampaign& both = r.with_campaign();
  EXPECT_EQ(both.union_reach(),
            both.stream_only() + both.campaign_only() + both.both());
  EXPECT_EQ(both.both(), 0);  // the placement never wins
  EXPECT_EQ(both.stream_only(), r.unique_viewers());

  // Determinism: another thread count and shard size, the same report.
  RunOptions one;
  one.threads = 1;
  one.shard_households = 777;
  absl::StatusOr<v1::Report> again = RunScenario(s, one);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
      again->live_streams(0), r));
}

}  // namespace
}  // namespace aiotreach
