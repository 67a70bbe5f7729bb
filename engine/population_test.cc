#include "engine/population.h"

#include <cmath>
#include <memory>

#include "absl/strings/str_cat.h"
#include "engine/rng.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace aiotreach {
namespace {

std::shared_ptr<const Ecosystem> TestEcosystem() {
  v1::EcosystemSpec spec;
  google::protobuf::TextFormat::ParseFromString(
      R"pb(
        household_size_weights: [ 0.25, 0.29, 0.21, 0.15, 0.10 ]
        age_bands { name: "young" weight: 3 }
        age_bands { name: "old" weight: 1 }
        city_tiers { name: "t1" weight: 1 }
        city_tiers { name: "t2" weight: 1 }
        activity_shape: 2
        device_types {
          name: "phone"
          owner: OWNER_KIND_PERSON
          ownership_probability: 0.9
          ownership_by {
            attribute: ATTRIBUTE_AGE_BAND
            probability { key: "old" value: 0.4 }
          }
        }
        device_types {
          name: "tv"
          owner: OWNER_KIND_HOUSEHOLD
          ownership_probability: 0.75
        }
        device_links {
          from_device_type: "phone"
          to_device_type: "tv"
          kind: LINK_KIND_CASTING
          probability: 0.5
        }
        social_contacts { mean_contacts_per_person: 4 }
      )pb",
      &spec);
  absl::StatusOr<std::unique_ptr<const Ecosystem>> eco =
      Ecosystem::Build(spec, "spec");
  EXPECT_TRUE(eco.ok()) << eco.status();
  return std::move(*eco);
}

std::unique_ptr<const Population> Build(int64_t people, int threads = 2) {
  absl::StatusOr<std::unique_ptr<const Population>> pop =
      Population::Build(TestEcosystem(), people, 77, threads);
  EXPECT_TRUE(pop.ok()) << pop.status();
  return std::move(*pop);
}

// A population of `people` from an ecosystem spec (null on a failure,
// which the test reports).
std::unique_ptr<const Population> FromSpec(const v1::EcosystemSpec& spec,
                                           int64_t people, uint64_t seed) {
  absl::StatusOr<std::unique_ptr<const Ecosystem>> eco =
      Ecosystem::Build(spec, "spec");
  EXPECT_TRUE(eco.ok()) << eco.status();
  if (!eco.ok()) return nullptr;
  absl::StatusOr<std::unique_ptr<const Population>> pop =
      Population::Build(std::move(*eco), people, seed, 1);
  EXPECT_TRUE(pop.ok()) << pop.status();
  return pop.ok() ? std::move(*pop) : nullptr;
}

TEST(PopulationTest, HouseholdsHoldExactlyThePeopleAsked) {
  for (int64_t n : {1, 2, 5, 4097, 100003}) {
    const auto pop = Build(n);
    int64_t total = 0;
    for (int64_t h = 0; h < pop->households(); ++h) {
      EXPECT_EQ(pop->FirstPerson(h), total);
      ASSERT_GE(pop->household_size(h), 1);
      total += pop->household_size(h);
    }
    EXPECT_EQ(total, n);
  }
}

TEST(PopulationTest, LayoutDoesNotDependOnThreads) {
  const auto a = Build(50000, 1);
  const auto b = Build(50000, 2);
  ASSERT_EQ(a->households(), b->households());
  for (int64_t h = 0; h < a->households(); ++h) {
    ASSERT_EQ(a->household_size(h), b->household_size(h));
  }
}

// Any split of households into shards draws the same people.
TEST(PopulationTest, ShardsAreIndependentOfHowTheyAreCut) {
  const auto pop = Build(20000);
  PopulationShard whole;
  pop->Generate(0, pop->households(), PopulationNeeds::All(), &whole);
  int64_t person = 0;
  for (int64_t cut : {1, 7, 4096, 5000}) {
    person = 0;
    for (int64_t begin = 0; begin < pop->households(); begin += cut) {
      PopulationShard shard;
      pop->Generate(begin, std::min(pop->households(), begin + cut),
                    PopulationNeeds::All(), &shard);
      ASSERT_EQ(shard.first_person, person);
      for (int i = 0; i < shard.households(); ++i) {
        ASSERT_EQ(shard.household_devices[i],
                  whole.household_devices[begin + i]);
        ASSERT_EQ(shard.city_tier[i], whole.city_tier[begin + i]);
      }
      for (int m = 0; m < shard.people(); ++m, ++person) {
        ASSERT_EQ(shard.activity[m], whole.activity[person]);
        ASSERT_EQ(shard.age_band[m], whole.age_band[person]);
        ASSERT_EQ(shard.person_devices[m], whole.person_devices[person]);
      }
    }
    EXPECT_EQ(person, 20000);
  }
}

// Household sizes follow their weights; phone ownership follows the age
// band override; TV ownership its probability. Each within 5 SE.
TEST(PopulationTest, AttributesFollowTheirDistributions) {
  const auto pop = Build(200000);
  PopulationShard s;
  pop->Generate(0, pop->households(), PopulationNeeds::All(), &s);
  const double households = s.households();
  const double weights[] = {0.25, 0.29, 0.21, 0.15, 0.10};
  int sizes[6] = {0};
  int tvs = 0;
  for (int i = 0; i < s.households(); ++i) {
    ++sizes[s.member_begin[i + 1] - s.member_begin[i]];
    tvs += (s.household_devices[i] >> 1) & 1;
  }
  for (int k = 1; k <= 5; ++k) {
    const double p = weights[k - 1];
    EXPECT_NEAR(sizes[k] / households, p,
                5 * std::sqrt(p * (1 - p) / households) + 1.0 / households);
  }
  EXPECT_NEAR(tvs / households, 0.75, 5 * std::sqrt(0.75 * 0.25 / households));
  int by_band[2] = {0}, phones[2] = {0};
  double activity = 0;
  for (int m = 0; m < s.people(); ++m) {
    ++by_band[s.age_band[m]];
    phones[s.age_band[m]] += s.person_devices[m] & 1;
    activity += s.activity[m];
  }
  const double people = s.people();
  EXPECT_NEAR(by_band[1] / people, 0.25, 5 * std::sqrt(0.25 * 0.75 / people));
  EXPECT_NEAR(phones[0] / double(by_band[0]), 0.9,
              5 * std::sqrt(0.9 * 0.1 / by_band[0]));
  EXPECT_NEAR(phones[1] / double(by_band[1]), 0.4,
              5 * std::sqrt(0.4 * 0.6 / by_band[1]));
  // Gamma(2, 1/2): mean 1, variance 1/2.
  EXPECT_NEAR(activity / people, 1.0, 5 * std::sqrt(0.5 / people));
}

TEST(PopulationTest, SocialContactsAreInOtherHouseholds) {
  const auto pop = Build(30000);
  int64_t total = 0;
  const int people = 5000;
  for (int64_t p = 0; p < people; ++p) {
    std::vector<int64_t> contacts;
    pop->SocialContacts(p, &contacts);
    EXPECT_EQ(static_cast<int64_t>(contacts.size()),
              pop->SocialContactCount(p));
    for (int64_t q : contacts) {
      ASSERT_GE(q, 0);
      ASSERT_LT(q, pop->people());
      ASSERT_NE(pop->HouseholdOf(q), pop->HouseholdOf(p));
    }
    total += static_cast<int64_t>(contacts.size());
  }
  // Poisson(4) per person: mean 4, SE sqrt(4 / n).
  EXPECT_NEAR(total / double(people), 4.0, 5 * std::sqrt(4.0 / people));
}

TEST(PopulationTest, HouseholdOfInvertsFirstPerson) {
  const auto pop = Build(12345);
  for (int64_t h = 0; h < pop->households(); h += 37) {
    const int64_t first = pop->FirstPerson(h);
    EXPECT_EQ(pop->HouseholdOf(first), h);
    EXPECT_EQ(pop->HouseholdOf(first + pop->household_size(h) - 1), h);
  }
}

// The index of first persons (every 64th household, and every 4,096th over
// those) against a running sum of sizes, at every household and person of
// a population spanning several blocks of both.
TEST(PopulationTest, PersonIndexAgreesWithTheSizes) {
  const auto pop = Build(300001);
  int64_t first = 0;
  for (int64_t h = 0; h < pop->households(); ++h) {
    ASSERT_EQ(pop->FirstPerson(h), first) << h;
    for (int k = 0; k < pop->household_size(h); ++k)
      ASSERT_EQ(pop->HouseholdOf(first + k), h) << first + k;
    first += pop->household_size(h);
  }
  EXPECT_EQ(first, pop->people());
}

// Link draws from a batch of first blocks are the draws made one by one.
TEST(PopulationTest, LinkBlocksGiveTheSameLinks) {
  const auto pop = Build(20000);
  PopulationShard s;
  pop->Generate(100, 2100, PopulationNeeds::All(), &s);
  RngBlocks blocks;
  pop->LinkBlocks(s, &blocks);
  ASSERT_EQ(static_cast<int>(blocks.size()), s.households());
  int64_t linked = 0;
  for (int i = 0; i < s.households(); ++i) {
    const uint32_t alone = pop->LinkedMembers(s, i, 0);
    EXPECT_EQ(pop->LinkedMembers(s, i, 0, &blocks[i]), alone) << i;
    linked += __builtin_popcount(alone);
  }
  EXPECT_GT(linked, 0);
}

// Each member owning a phone in a TV household is one candidate link, made
// with probability 0.5.
TEST(PopulationTest, LinksJoinDevicesOfOneHousehold) {
  const auto pop = Build(50000);
  PopulationShard s;
  pop->Generate(0, pop->households(), PopulationNeeds::All(), &s);
  int64_t links[4] = {0};
  int64_t candidates = 0;
  for (int i = 0; i < s.households(); ++i) {
    pop->CountLinks(s, i, links);
    if (!(s.household_devices[i] & 2)) continue;
    for (uint32_t m = s.member_begin[i]; m < s.member_begin[i + 1]; ++m) {
      candidates += s.person_devices[m] & 1;
    }
  }
  EXPECT_EQ(links[v1::LINK_KIND_SAME_ACCOUNT], 0);
  EXPECT_NEAR(links[v1::LINK_KIND_CASTING] / double(candidates), 0.5,
              5 * std::sqrt(0.25 / candidates));
}

TEST(PopulationTest, RefusesPopulationsOutsideTheLimit) {
  EXPECT_FALSE(Population::Build(TestEcosystem(), 0, 1, 1).ok());
  EXPECT_FALSE(
      Population::Build(TestEcosystem(), kMaxPopulation + 1, 1, 1).ok());
}

// Ownership of exactly 1 in one category and 0 in another is decided per
// owner by its category: every household of tier "on" has one, no other.
TEST(PopulationTest, AllOrNothingOwnershipByCategory) {
  v1::EcosystemSpec spec;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"pb(
        household_size_weights: [ 1, 1 ]
        city_tiers { name: "on" weight: 1 }
        city_tiers { name: "off" weight: 1 }
        device_types {
          name: "speaker"
          owner: OWNER_KIND_HOUSEHOLD
          ownership_by {
            attribute: ATTRIBUTE_CITY_TIER
            probability { key: "on" value: 1 }
            probability { key: "off" value: 0 }
          }
        }
      )pb",
      &spec));
  const auto pop = FromSpec(spec, 10000, 5);
  ASSERT_NE(pop, nullptr);
  PopulationShard shard;
  pop->Generate(0, pop->households(), PopulationNeeds::All(), &shard);
  int owners = 0;
  for (int i = 0; i < shard.households(); ++i) {
    EXPECT_EQ(shard.household_devices[i], shard.city_tier[i] == 0 ? 1u : 0u);
    owners += shard.household_devices[i];
  }
  EXPECT_GT(owners, shard.households() / 3);
  EXPECT_LT(owners, 2 * shard.households() / 3);
}

// The word layout, read straight from each owner's stream: the age band
// from word 0 and the k-th personal type from word 1 + k, across the first
// block, the batched second one and the blocks past it; likewise the tier
// and shared types of households. Whatever types are asked for.
TEST(PopulationTest, OwnershipReadsEachTypesOwnWord) {
  v1::EcosystemSpec spec;
  spec.add_household_size_weights(1);
  spec.add_household_size_weights(2);
  for (const char* band : {"a", "b", "c"}) {
    v1::Category* c = spec.add_age_bands();
    c->set_name(band);
    c->set_weight(1);
  }
  for (const char* tier : {"t1", "t2"}) {
    v1::Category* c = spec.add_city_tiers();
    c->set_name(tier);
    c->set_weight(1);
  }
  // Ten personal types (words 1 to 10), five shared ones (words 1 to 5).
  for (int k = 0; k < 15; ++k) {
    v1::DeviceType* t = spec.add_device_types();
    t->set_name(absl::StrCat("type", k));
    t->set_owner(k < 10 ? v1::OWNER_KIND_PERSON : v1::OWNER_KIND_HOUSEHOLD);
    t->set_ownership_probability(0.1 + 0.05 * k);
  }
  const auto pop = FromSpec(spec, 3000, 11);
  ASSERT_NE(pop, nullptr);
  const Ecosystem& e = pop->ecosystem();
  auto word = [](uint32_t stream, int64_t entity, int w) {
    Rng rng(11, stream, static_cast<uint32_t>(entity));
    rng.Skip(w);
    return Rng::ToUniform(rng.NextU32());
  };
  for (uint32_t only : {~0u, 1u << 9, 1u << 14, (1u << 5) | (1u << 12)}) {
    PopulationNeeds needs;
    needs.device_types = only;
    PopulationShard s;
    pop->Generate(0, pop->households(), needs, &s);
    for (int i = 0; i < s.households(); ++i) {
      const int64_t h = s.first_household + i;
      ASSERT_EQ(s.city_tier[i], e.city_tier().Sample(
                                    word(streams::kHouseholdAttributes, h, 0)));
      for (int k = 10; k < 15; ++k) {
        const bool owns =
            word(streams::kHouseholdAttributes, h, 1 + k - 10) < 0.1 + 0.05 * k;
        ASSERT_EQ((s.household_devices[i] >> k) & 1u,
                  ((only >> k) & 1u) && owns)
            << h << " " << k;
      }
    }
    for (int m = 0; m < s.people(); ++m) {
      const int64_t p = s.first_person + m;
      ASSERT_EQ(s.age_band[m],
                e.age_band().Sample(word(streams::kPersonAttributes, p, 0)));
      for (int k = 0; k < 10; ++k) {
        const bool owns =
            word(streams::kPersonAttributes, p, 1 + k) < 0.1 + 0.05 * k;
        ASSERT_EQ((s.person_devices[m] >> k) & 1u, ((only >> k) & 1u) && owns)
            << p << " " << k;
      }
    }
  }
}

// The batched sum draws the same counts as one person at a time.
TEST(PopulationTest, SocialContactTotalIsTheSumOfCounts) {
  const auto pop = Build(20000);
  RngBlocks scratch;
  for (const auto& [first, n] :
       {std::pair<int64_t, int64_t>{0, 20000}, {137, 4001}, {19999, 1}}) {
    int64_t sum = 0;
    for (int64_t p = first; p < first + n; ++p)
      sum += pop->SocialContactCount(p);
    EXPECT_EQ(pop->SocialContactTotal(first, n, &scratch), sum) << first;
  }
}

}  // namespace
}  // namespace aiotreach
