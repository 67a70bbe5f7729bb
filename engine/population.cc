#include "engine/population.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "engine/fast_math.h"
#include "engine/parallel.h"
#include "engine/rng.h"
#include "engine/validation.h"

namespace aiotreach {
namespace {

// Households per block of the size prefix sums.
constexpr int64_t kBlock = 4096;

// Household sizes come four to a Philox block: household h is word h % 4 of
// entity h / 4 in the household-size stream. `begin` and `end` are
// multiples of 4.
void DrawSizes(const CdfTable& table, uint64_t seed, int64_t begin, int64_t end,
               RngBlocks* blocks, uint8_t* out) {
  const int64_t quads = (end - begin) / 4;
  blocks->resize(quads);
  FirstBlocks(seed, streams::kHouseholdSize, 0,
              static_cast<uint32_t>(begin / 4), quads, blocks->data());
  for (int64_t q = 0; q < quads; ++q) {
    for (int w = 0; w < 4; ++w) {
      out[4 * q + w] = static_cast<uint8_t>(
          table.Sample(Rng::ToUniform((*blocks)[q][w])) + 1);
    }
  }
}

// Words of one entity's keyed stream. The first block comes from a batch
// (FirstBlocks); words past it, needed only with many uncertain device
// types, come from later blocks, each computed once when first read.
class EntityWords {
 public:
  EntityWords(uint64_t seed, uint32_t stream, uint32_t entity,
              const RngBlock& first_block)
      : seed_(seed), stream_(stream), entity_(entity), first_(first_block) {}

  double UniformAt(uint32_t word) {
    if (word < 4) return Rng::ToUniform(first_[word]);
    if (word / 4 != later_index_) {
      later_index_ = word / 4;
      later_ = r123::Philox4x32()(
          {{later_index_, entity_, stream_, 0}},
          {{static_cast<uint32_t>(seed_), static_cast<uint32_t>(seed_ >> 32)}});
    }
    return Rng::ToUniform(later_[word % 4]);
  }

 private:
  uint64_t seed_;
  uint32_t stream_;
  uint32_t entity_;
  const RngBlock& first_;
  uint32_t later_index_ = 0;  // the block in later_; 0: none yet
  RngBlock later_{};
};

// Word layout of the person stream: age band, then one word per
// person-owned device type, in the order of the spec. The household
// stream: city tier, then one word per household-owned type. The activity
// multiplier has a stream of its own.
constexpr uint32_t kAgeBandWord = 0;
constexpr uint32_t kCityTierWord = 0;
constexpr uint32_t kFirstOwnershipWord = 1;
const RngBlock kNoBlock = {};

// Gamma(K, 1/K) multipliers from the first K words of each block: SampleGamma
// for an integer shape K <= 4, -Log(U_1 ... U_K) / K.
template <int K>
void IntegerGammaBatch(const RngBlock* blocks, int64_t n, float* out) {
  for (int64_t m = 0; m < n; ++m) {
    double product = Rng::ToUniform(blocks[m][0]);
    for (int w = 1; w < K; ++w) product *= Rng::ToUniform(blocks[m][w]);
    out[m] = static_cast<float>(-(1.0 / K) * Log(product));
  }
}

bool Owns(double p, EntityWords& stream, uint32_t word) {
  if (p <= 0.0) return false;
  if (p >= 1.0) return true;
  return stream.UniformAt(word) < p;
}

}  // namespace

absl::StatusOr<std::unique_ptr<const Population>> Population::Build(
    std::shared_ptr<const Ecosystem> ecosystem, int64_t people, uint64_t seed,
    int threads, const CancelToken* cancel) {
  if (people < 1 || people > kMaxPopulation) {
    return FieldError(
        "population",
        absl::StrCat("must be in [1, ", kMaxPopulation, "], got ", people));
  }
  std::unique_ptr<Population> pop(new Population(std::move(ecosystem), seed));
  pop->people_ = people;
  const CdfTable& table = pop->ecosystem_->household_size();

  // Draw blocks of sizes until they hold `people`: a first guess from the
  // mean size, then 10% more at a time.
  std::vector<int64_t> block_sum;
  int64_t total = 0;
  int64_t blocks =
      static_cast<int64_t>(std::ceil(
          people / pop->ecosystem_->mean_household_size() / kBlock * 1.01)) +
      1;
  while (true) {
    const int64_t done = static_cast<int64_t>(block_sum.size());
    pop->sizes_.resize(blocks * kBlock);
    block_sum.resize(blocks);
    ParallelFor(blocks - done, threads, [&](int64_t i, int) {
      if (cancel != nullptr && cancel->Poll()) return;
      const int64_t b = done + i;
      uint8_t* out = pop->sizes_.data() + b * kBlock;
      thread_local RngBlocks blocks;
      DrawSizes(table, seed, b * kBlock, (b + 1) * kBlock, &blocks, out);
      int64_t sum = 0;
      for (int64_t j = 0; j < kBlock; ++j) sum += out[j];
      block_sum[b] = sum;
    });
    if (cancel != nullptr && cancel->Poll())
      return StoppedStatus(*cancel, "population drawing");
    for (int64_t b = done; b < blocks; ++b) total += block_sum[b];
    if (total >= people) break;
    blocks += blocks / 10 + 1;
  }

  // Cut at the household where the count reaches `people`.
  int64_t before = 0;
  int64_t b = 0;
  pop->block_first_person_.clear();
  while (before + block_sum[b] < people) {
    pop->block_first_person_.push_back(before);
    before += block_sum[b++];
  }
  pop->block_first_person_.push_back(before);
  int64_t h = b * kBlock;
  while (before + pop->sizes_[h] < people) before += pop->sizes_[h++];
  pop->sizes_[h] = static_cast<uint8_t>(people - before);
  pop->sizes_.resize(h + 1);
  pop->sizes_.shrink_to_fit();
  return std::unique_ptr<const Population>(std::move(pop));
}

int64_t Population::FirstPerson(int64_t h) const {
  int64_t p = block_first_person_[h / kBlock];
  for (int64_t i = (h / kBlock) * kBlock; i < h; ++i) p += sizes_[i];
  return p;
}

int64_t Population::HouseholdOf(int64_t person) const {
  const auto it = std::upper_bound(block_first_person_.begin(),
                                   block_first_person_.end(), person);
  const int64_t b = (it - block_first_person_.begin()) - 1;
  int64_t h = b * kBlock;
  int64_t first = block_first_person_[b];
  while (first + sizes_[h] <= person) first += sizes_[h++];
  return h;
}

void Population::Generate(int64_t begin, int64_t end,
                          const PopulationNeeds& needs,
                          PopulationShard* shard) const {
  const Ecosystem& eco = *ecosystem_;
  const std::vector<DeviceTypeInfo>& types = eco.device_types();
  const uint32_t num_types = static_cast<uint32_t>(types.size());
  bool ownership_by_age = false;
  bool ownership_by_tier = false;
  for (uint32_t t = 0; t < num_types; ++t) {
    if (!((needs.device_types >> t) & 1u)) continue;
    ownership_by_age |= types[t].ownership_by == v1::ATTRIBUTE_AGE_BAND;
    ownership_by_tier |= types[t].ownership_by == v1::ATTRIBUTE_CITY_TIER;
  }
  const bool draw_tier =
      (needs.city_tier || ownership_by_tier) && eco.city_tier().size() > 1;
  const bool draw_age =
      (needs.age_band || ownership_by_age) && eco.age_band().size() > 1;
  const bool draw_activity = needs.activity && eco.activity_shape() > 0.0;
  const double shape = eco.activity_shape();

  // Types every owner has (no draw) and types that need a draw; which
  // streams will be read at all. First blocks of those streams are computed
  // in batches below, several times faster than one by one.
  struct Maybe {
    uint32_t type;
    uint32_t word;  // in the owner's stream
  };
  uint32_t always_household = 0, always_person = 0;
  std::vector<Maybe> maybe_household, maybe_person;
  uint32_t household_rank = 0, person_rank = 0;
  for (uint32_t t = 0; t < num_types; ++t) {
    // A draw is needed unless every category owns one, or none does (a
    // mix of 0 and 1 by category needs one too).
    bool all = true, any = false;
    for (double p : types[t].ownership_probability) {
      all = all && p >= 1.0;
      any = any || p > 0.0;
    }
    const bool shared = types[t].household_owned;
    uint32_t& rank = shared ? household_rank : person_rank;
    // A type not needed keeps its word (rank) but is not drawn.
    const bool needed = (needs.device_types >> t) & 1u;
    if (all && needed) (shared ? always_household : always_person) |= 1u << t;
    if (any && !all && needed) {
      (shared ? maybe_household : maybe_person)
          .push_back({t, kFirstOwnershipWord + rank});
    }
    ++rank;
  }
  const bool household_draws = draw_tier || !maybe_household.empty();
  const bool person_draws = draw_age || !maybe_person.empty();

  const int64_t n = end - begin;
  shard->first_household = begin;
  shard->first_person = FirstPerson(begin);
  shard->member_begin.resize(n + 1);
  shard->city_tier.resize(n);
  shard->household_devices.resize(n);
  shard->member_begin[0] = 0;
  int64_t people = 0;
  for (int64_t i = 0; i < n; ++i) {
    people += sizes_[begin + i];
    shard->member_begin[i + 1] = static_cast<uint32_t>(people);
  }
  // Every person's devices are written below; activity and age band only
  // when drawn.
  shard->person_devices.resize(people);
  if (draw_activity) {
    shard->activity.resize(people);
  } else {
    shard->activity.assign(people, 1.0f);
  }
  if (person_draws) {
    shard->age_band.resize(people);
  } else {
    shard->age_band.assign(people, 0);
  }
  const uint32_t first_hh = static_cast<uint32_t>(begin);
  const uint32_t first_person = static_cast<uint32_t>(shard->first_person);
  auto batch = [&](bool needed, uint32_t stream, uint32_t first, int64_t count,
                   RngBlocks* blocks) -> const RngBlock* {
    if (!needed) return nullptr;
    blocks->resize(count);
    FirstBlocks(seed_, stream, 0, first, count, blocks->data());
    return blocks->data();
  };
  const RngBlock* hh_blocks =
      batch(household_draws, streams::kHouseholdAttributes, first_hh, n,
            &shard->household_blocks);
  const RngBlock* person_blocks =
      batch(person_draws, streams::kPersonAttributes, first_person, people,
            &shard->person_blocks);
  const RngBlock* activity_blocks =
      batch(draw_activity, streams::kPersonActivity, first_person, people,
            &shard->activity_blocks);

  // Integer shapes up to 4 read their words from the batched block: the
  // same draw as SampleGamma's exact path, in a loop that vectorises.
  const bool batch_gamma =
      draw_activity && shape == std::floor(shape) && shape <= 4;
  if (batch_gamma) {
    switch (static_cast<int>(shape)) {
      case 1:
        IntegerGammaBatch<1>(activity_blocks, people, shard->activity.data());
        break;
      case 2:
        IntegerGammaBatch<2>(activity_blocks, people, shard->activity.data());
        break;
      case 3:
        IntegerGammaBatch<3>(activity_blocks, people, shard->activity.data());
        break;
      default:
        IntegerGammaBatch<4>(activity_blocks, people, shard->activity.data());
    }
  }

  for (int64_t i = 0; i < n; ++i) {
    // Read only when household_draws, which computed hh_blocks.
    EntityWords hh(seed_, streams::kHouseholdAttributes, first_hh + i,
                   household_draws ? hh_blocks[i] : kNoBlock);
    const int tier =
        draw_tier ? eco.city_tier().Sample(hh.UniformAt(kCityTierWord)) : 0;
    uint32_t hh_devices = always_household;
    for (const Maybe& d : maybe_household) {
      // No branch on the random outcome: it would be mispredicted.
      hh_devices |=
          static_cast<uint32_t>(
              Owns(types[d.type].OwnershipProbability(0, tier), hh, d.word))
          << d.type;
    }
    shard->city_tier[i] = static_cast<uint8_t>(tier);
    shard->household_devices[i] = hh_devices;

    for (uint32_t m = shard->member_begin[i]; m < shard->member_begin[i + 1];
         ++m) {
      uint32_t devices = always_person;
      if (person_draws) {
        EntityWords ps(seed_, streams::kPersonAttributes, first_person + m,
                       person_blocks[m]);
        const int age =
            draw_age ? eco.age_band().Sample(ps.UniformAt(kAgeBandWord)) : 0;
        for (const Maybe& d : maybe_person) {
          devices |=
              static_cast<uint32_t>(Owns(
                  types[d.type].OwnershipProbability(age, tier), ps, d.word))
              << d.type;
        }
        shard->age_band[m] = static_cast<uint8_t>(age);
      }
      shard->person_devices[m] = devices;
      if (draw_activity && !batch_gamma) {
        Rng rng(seed_, streams::kPersonActivity, first_person + m, 0,
                activity_blocks[m]);
        shard->activity[m] =
            static_cast<float>(SampleGamma(rng, shape, 1.0 / shape));
      }
    }
  }
}

int64_t Population::SocialContactCount(int64_t person) const {
  const double mean = ecosystem_->mean_social_contacts();
  if (mean <= 0.0 || households() < 2) return 0;
  Rng rng(seed_, streams::kSocialContacts, static_cast<uint32_t>(person));
  return SamplePoisson(rng, mean);
}

int64_t Population::SocialContactTotal(int64_t first, int64_t n,
                                       RngBlocks* scratch) const {
  const double mean = ecosystem_->mean_social_contacts();
  if (mean <= 0.0 || households() < 2 || n <= 0) return 0;
  if (mean >= kPoissonInversionLimit) {
    int64_t total = 0;
    for (int64_t p = first; p < first + n; ++p) total += SocialContactCount(p);
    return total;
  }
  scratch->resize(n);
  FirstBlocks(seed_, streams::kSocialContacts, 0, static_cast<uint32_t>(first),
              n, scratch->data());
  const double e = Exp(-mean);
  const RngBlock* b = scratch->data();
  int64_t total = 0;
  for (int64_t i = 0; i < n; ++i)
    total += PoissonInverseHead(Rng::ToUniform(b[i][0]), mean, e);
  // Counts at the head's end are finished by the full inversion, as
  // SamplePoisson does from the same word.
  for (int64_t i = 0; i < n; ++i) {
    const double u = Rng::ToUniform(b[i][0]);
    if (PoissonInverseHead(u, mean, e) >= kPoissonHeadTerms)
      total += PoissonInverse(u, mean, e) - kPoissonHeadTerms;
  }
  return total;
}

void Population::SocialContacts(int64_t person,
                                std::vector<int64_t>* out) const {
  const double mean = ecosystem_->mean_social_contacts();
  if (mean <= 0.0 || households() < 2) return;
  Rng rng(seed_, streams::kSocialContacts, static_cast<uint32_t>(person));
  const int64_t count = SamplePoisson(rng, mean);
  const int64_t own = HouseholdOf(person);
  const int64_t own_first = FirstPerson(own);
  const int64_t own_size = sizes_[own];
  // Uniform over the people of other households: draw among people() -
  // own_size and step over the own household's ids.
  const uint32_t others = static_cast<uint32_t>(people_ - own_size);
  for (int64_t i = 0; i < count; ++i) {
    int64_t q = rng.UniformInt(others);
    if (q >= own_first) q += own_size;
    out->push_back(q);
  }
}

template <typename Made>
void Population::DrawLinks(const PopulationShard& shard, int household_index,
                           Made&& made, size_t last) const {
  const auto& links = ecosystem_->device_links();
  if (links.empty()) return;
  const auto& types = ecosystem_->device_types();
  const int64_t h = shard.first_household + household_index;
  Rng rng(seed_, streams::kDeviceLinks, static_cast<uint32_t>(h));
  const uint32_t hh_devices = shard.household_devices[household_index];
  const uint32_t m0 = shard.member_begin[household_index];
  const uint32_t m1 = shard.member_begin[household_index + 1];
  for (size_t l = 0; l < links.size() && l <= last; ++l) {
    const DeviceLinkInfo& link = links[l];
    const bool from_hh = types[link.from_type].household_owned;
    const bool to_hh = types[link.to_type].household_owned;
    const uint32_t from_bit = 1u << link.from_type;
    const uint32_t to_bit = 1u << link.to_type;
    if (from_hh && to_hh) {
      if ((hh_devices & from_bit) && (hh_devices & to_bit) &&
          rng.Uniform() < link.probability) {
        made(static_cast<int>(l), -1);
      }
      continue;
    }
    // At least one side is person-owned: one candidate pair per member.
    for (uint32_t m = m0; m < m1; ++m) {
      const uint32_t owned = shard.person_devices[m] | hh_devices;
      if ((owned & from_bit) && (owned & to_bit) &&
          rng.Uniform() < link.probability) {
        made(static_cast<int>(l), static_cast<int>(m - m0));
      }
    }
  }
}

void Population::CountLinks(const PopulationShard& shard, int household_index,
                            int64_t* links_by_kind) const {
  const auto& links = ecosystem_->device_links();
  DrawLinks(shard, household_index,
            [&](int l, int) { ++links_by_kind[links[l].kind]; });
}

uint32_t Population::LinkedMembers(const PopulationShard& shard,
                                   int household_index, int link) const {
  const int size = static_cast<int>(shard.member_begin[household_index + 1] -
                                    shard.member_begin[household_index]);
  uint32_t mask = 0;
  DrawLinks(
      shard, household_index,
      [&](int l, int member) {
        if (l != link) return;
        mask |=
            member < 0 ? (size >= 32 ? ~0u : (1u << size) - 1) : 1u << member;
      },
      static_cast<size_t>(link));
  return mask;
}

}  // namespace aiotreach
