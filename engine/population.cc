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

// Households per block of the size draws (a task of Build); a multiple of
// kIndexStride.
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
  // `second_block`, if given, is the entity's block 1 (words 4 to 7),
  // also from a batch.
  EntityWords(uint64_t seed, uint32_t stream, uint32_t entity,
              const RngBlock& first_block,
              const RngBlock* second_block = nullptr)
      : seed_(seed),
        stream_(stream),
        entity_(entity),
        first_(first_block),
        second_(second_block) {}

  uint32_t WordAt(uint32_t word) {
    if (word < 4) return first_[word];
    if (word < 8 && second_ != nullptr) return (*second_)[word - 4];
    return LaterWord(word);
  }

 private:
  // Out of line: inlined, the compiler interleaved this Philox call with
  // the loops that never take it, and paid for it on every entity.
  [[gnu::noinline]] uint32_t LaterWord(uint32_t word) {
    if (word / 4 != later_index_) {
      later_index_ = word / 4;
      later_ = r123::Philox4x32()(
          {{later_index_, entity_, stream_, 0}},
          {{static_cast<uint32_t>(seed_), static_cast<uint32_t>(seed_ >> 32)}});
    }
    return later_[word % 4];
  }

  uint64_t seed_;
  uint32_t stream_;
  uint32_t entity_;
  const RngBlock& first_;
  const RngBlock* second_;
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
  while (before + block_sum[b] < people) before += block_sum[b++];
  int64_t h = b * kBlock;
  while (before + pop->sizes_[h] < people) before += pop->sizes_[h++];
  pop->sizes_[h] = static_cast<uint8_t>(people - before);
  pop->sizes_.resize(h + 1);
  // The size blocks grew 10% at a time: give back a large excess only (a
  // copy of the whole array otherwise).
  if (pop->sizes_.capacity() > pop->sizes_.size() + pop->sizes_.size() / 32)
    pop->sizes_.shrink_to_fit();

  // The first person of every kIndexStride-th household, block by block
  // from the blocks' sums (the cut changes no household before it).
  const int64_t households = h + 1;
  const int64_t used_blocks = b + 1;
  std::vector<int64_t> block_first(used_blocks);
  for (int64_t k = 1; k < used_blocks; ++k)
    block_first[k] = block_first[k - 1] + block_sum[k - 1];
  pop->first_person_.resize((households + kIndexStride - 1) / kIndexStride);
  ParallelFor(used_blocks, threads, [&](int64_t k, int) {
    int64_t p = block_first[k];
    const int64_t end = std::min(households, (k + 1) * kBlock);
    for (int64_t i = k * kBlock; i < end; ++i) {
      if (i % kIndexStride == 0)
        pop->first_person_[i / kIndexStride] = static_cast<uint32_t>(p);
      p += pop->sizes_[i];
    }
  });
  for (size_t k = 0; k < pop->first_person_.size(); k += kIndexStride)
    pop->coarse_first_person_.push_back(pop->first_person_[k]);
  return std::unique_ptr<const Population>(std::move(pop));
}

int64_t Population::FirstPerson(int64_t h) const {
  int64_t p = first_person_[h / kIndexStride];
  for (int64_t i = h - h % kIndexStride; i < h; ++i) p += sizes_[i];
  return p;
}

int64_t Population::HouseholdOf(int64_t person) const {
  // The coarse index (small enough to stay in cache) finds the stretch of
  // the fine one to search.
  const uint32_t p = static_cast<uint32_t>(person);
  const int64_t c = (std::upper_bound(coarse_first_person_.begin(),
                                      coarse_first_person_.end(), p) -
                     coarse_first_person_.begin()) -
                    1;
  const auto from = first_person_.begin() + c * kIndexStride;
  const auto to =
      first_person_.begin() +
      std::min<int64_t>(first_person_.size(), (c + 1) * kIndexStride);
  const auto it = std::upper_bound(from, to, p);
  int64_t h = ((it - first_person_.begin()) - 1) * kIndexStride;
  int64_t first = *(it - 1);
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
  const bool draw_gender = needs.gender && eco.gender().size() > 1;
  const double shape = eco.activity_shape();

  // Types every owner has (no draw) and types that need a draw; which
  // streams will be read at all. First blocks of those streams are computed
  // in batches below, several times faster than one by one. A type that
  // needs a draw is owned when its word is below the threshold of the
  // owner's category (Rng::WordThreshold: the same outcome as comparing
  // the word's uniform with the probability).
  struct Maybe {
    uint32_t type;
    uint32_t word;  // in the owner's stream
    v1::Attribute by;
    std::vector<uint64_t> thresholds;  // by category of `by`, or one
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
      Maybe d{t, kFirstOwnershipWord + rank, types[t].ownership_by, {}};
      for (double p : types[t].ownership_probability)
        d.thresholds.push_back(Rng::WordThreshold(p));
      (shared ? maybe_household : maybe_person).push_back(std::move(d));
    }
    ++rank;
  }
  const std::vector<uint64_t> tier_thresholds =
      draw_tier ? eco.city_tier().WordThresholds() : std::vector<uint64_t>();
  const std::vector<uint64_t> age_thresholds =
      draw_age ? eco.age_band().WordThresholds() : std::vector<uint64_t>();
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
  // Block `block` of each entity's stream, in a batch, when needed.
  auto batch = [&](bool needed, uint32_t stream, uint32_t block, uint32_t first,
                   int64_t count, RngBlocks* blocks) -> const RngBlock* {
    if (!needed) return nullptr;
    blocks->resize(count);
    EntityBlocks(seed_, stream, 0, block, first, count, blocks->data());
    return blocks->data();
  };
  // Words 4 to 7 (many uncertain types, as link draws need) are batched
  // too when read.
  auto reads_block1 = [](const std::vector<Maybe>& maybe) {
    return std::any_of(maybe.begin(), maybe.end(),
                       [](const Maybe& d) { return d.word >= 4; });
  };
  const RngBlock* hh_blocks =
      batch(household_draws, streams::kHouseholdAttributes, 0, first_hh, n,
            &shard->household_blocks);
  const RngBlock* person_blocks =
      batch(person_draws, streams::kPersonAttributes, 0, first_person, people,
            &shard->person_blocks);
  const RngBlock* activity_blocks =
      batch(draw_activity, streams::kPersonActivity, 0, first_person, people,
            &shard->activity_blocks);
  // Genders: word 0 of a stream of their own, compared with the
  // thresholds of the categories.
  if (draw_gender) {
    const RngBlock* gender_blocks =
        batch(true, streams::kPersonGender, 0, first_person, people,
              &shard->gender_blocks);
    shard->gender.assign(people, 0);
    uint8_t* genders = shard->gender.data();
    for (uint64_t t : eco.gender().WordThresholds()) {
      for (int64_t m = 0; m < people; ++m)
        genders[m] += gender_blocks[m][0] >= t;
    }
  } else {
    shard->gender.assign(people, 0);
  }
  const RngBlock* hh_blocks2 =
      batch(reads_block1(maybe_household), streams::kHouseholdAttributes, 1,
            first_hh, n, &shard->household_blocks2);
  const RngBlock* person_blocks2 =
      batch(reads_block1(maybe_person), streams::kPersonAttributes, 1,
            first_person, people, &shard->person_blocks2);

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
  } else if (draw_activity) {
    for (int64_t m = 0; m < people; ++m) {
      Rng rng(seed_, streams::kPersonActivity,
              first_person + static_cast<uint32_t>(m), 0, activity_blocks[m]);
      shard->activity[m] =
          static_cast<float>(SampleGamma(rng, shape, 1.0 / shape));
    }
  }

  // One attribute at a time over the whole shard: loops without calls or
  // branches on random outcomes, which the compiler unrolls and vectorises.
  // An uncertain type `d` over `count` owners (entities entity0, ...):
  // owned when the type's word (from the batched blocks, or the entity's
  // own later block past block 1) is below the threshold of the owner's
  // category, read from `category` (null: the single entry).
  auto mark_owned = [&](const Maybe& d, const RngBlock* first,
                        const RngBlock* second, uint32_t stream,
                        uint32_t entity0, int64_t count,
                        const uint8_t* category, uint32_t* owned) {
    const uint64_t* t = d.thresholds.data();
    for (int64_t k = 0; k < count; ++k) {
      const uint32_t w =
          EntityWords(seed_, stream, entity0 + static_cast<uint32_t>(k),
                      first[k], second != nullptr ? &second[k] : nullptr)
              .WordAt(d.word);
      owned[k] |=
          static_cast<uint32_t>(w < t[category != nullptr ? category[k] : 0])
          << d.type;
    }
  };
  // Households: city tier, then each uncertain shared type (by tier).
  uint8_t* tiers = shard->city_tier.data();
  uint32_t* hh_devices = shard->household_devices.data();
  std::fill(tiers, tiers + n, uint8_t{0});
  std::fill(hh_devices, hh_devices + n, always_household);
  for (uint64_t t : tier_thresholds) {
    for (int64_t i = 0; i < n; ++i)
      tiers[i] += hh_blocks[i][kCityTierWord] >= t;
  }
  for (const Maybe& d : maybe_household) {
    mark_owned(d, hh_blocks, hh_blocks2, streams::kHouseholdAttributes,
               first_hh, n, d.by == v1::ATTRIBUTE_CITY_TIER ? tiers : nullptr,
               hh_devices);
  }
  // People: age band, then each uncertain personal type (by the person's
  // age band or household's tier).
  uint32_t* devices = shard->person_devices.data();
  std::fill(devices, devices + people, always_person);
  if (!person_draws) return;
  uint8_t* ages = shard->age_band.data();
  std::fill(ages, ages + people, uint8_t{0});
  for (uint64_t t : age_thresholds) {
    for (int64_t m = 0; m < people; ++m)
      ages[m] += person_blocks[m][kAgeBandWord] >= t;
  }
  const bool any_by_tier = std::any_of(
      maybe_person.begin(), maybe_person.end(),
      [](const Maybe& d) { return d.by == v1::ATTRIBUTE_CITY_TIER; });
  std::vector<uint8_t>& person_tier = shard->person_tier;
  if (any_by_tier) {
    person_tier.resize(people);
    for (int64_t i = 0; i < n; ++i) {
      std::fill(person_tier.begin() + shard->member_begin[i],
                person_tier.begin() + shard->member_begin[i + 1], tiers[i]);
    }
  }
  for (const Maybe& d : maybe_person) {
    const uint8_t* category = d.by == v1::ATTRIBUTE_AGE_BAND ? ages
                              : d.by == v1::ATTRIBUTE_CITY_TIER
                                  ? person_tier.data()
                                  : nullptr;
    mark_owned(d, person_blocks, person_blocks2, streams::kPersonAttributes,
               first_person, people, category, devices);
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
void Population::DrawLinks(const HouseholdDevices& household, Made&& made,
                           size_t last, const RngBlock* first_block) const {
  const auto& links = ecosystem_->device_links();
  if (links.empty()) return;
  const auto& types = ecosystem_->device_types();
  const uint32_t h = static_cast<uint32_t>(household.household);
  Rng rng = first_block != nullptr
                ? Rng(seed_, streams::kDeviceLinks, h, 0, *first_block)
                : Rng(seed_, streams::kDeviceLinks, h);
  const uint32_t hh_devices = household.shared;
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
    for (int m = 0; m < household.size; ++m) {
      const uint32_t owned = household.personal[m] | hh_devices;
      if ((owned & from_bit) && (owned & to_bit) &&
          rng.Uniform() < link.probability) {
        made(static_cast<int>(l), m);
      }
    }
  }
}

void Population::CountLinks(const HouseholdDevices& household,
                            int64_t* links_by_kind) const {
  const auto& links = ecosystem_->device_links();
  DrawLinks(household, [&](int l, int) { ++links_by_kind[links[l].kind]; });
}

void Population::LinkBlocks(const PopulationShard& shard,
                            RngBlocks* blocks) const {
  blocks->resize(shard.households());
  FirstBlocks(seed_, streams::kDeviceLinks, 0,
              static_cast<uint32_t>(shard.first_household), shard.households(),
              blocks->data());
}

uint32_t Population::LinkedMembers(const HouseholdDevices& household, int link,
                                   const RngBlock* first_block) const {
  const int size = household.size;
  uint32_t mask = 0;
  DrawLinks(
      household,
      [&](int l, int member) {
        if (l != link) return;
        mask |=
            member < 0 ? (size >= 32 ? ~0u : (1u << size) - 1) : 1u << member;
      },
      static_cast<size_t>(link), first_block);
  return mask;
}

}  // namespace aiotreach
