// The synthetic population of an ecosystem: households, people, devices.
//
// Households are numbered 0, 1, 2, ...; household h's size, city tier and
// shared devices are drawn from (seed, h), and person p's age band, devices
// and activity multiplier from (seed, p). Households are drawn until the
// requested number of people exist; the last one is cut to fit. Person ids
// are contiguous within a household.
//
// Build() draws only the household sizes (one word per household) to fix
// who is where; Generate() then draws any range of households on its own,
// into a compact structure of arrays. Any shard of households can thus be
// produced independently, by any thread or process, with the same result.
//
//   auto pop = Population::Build(*eco, 1'000'000, seed, /*threads=*/2);
//   PopulationShard shard;
//   (*pop)->Generate(0, 4096, PopulationNeeds::All(), &shard);
//
// Thread-safe: immutable after Build(); Generate() may run concurrently.
#ifndef AIOTREACH_ENGINE_POPULATION_H_
#define AIOTREACH_ENGINE_POPULATION_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/cancel.h"
#include "engine/ecosystem.h"
#include "engine/rng.h"

namespace aiotreach {

// The most people a population may hold (ids are 32-bit).
inline constexpr int64_t kMaxPopulation = 1'000'000'000;

// Which person and household attributes a caller will read. Attributes not
// needed are not drawn (each attribute has its own keyed words, so skipping
// one changes no other).
struct PopulationNeeds {
  bool activity = true;
  bool age_band = true;
  bool city_tier = true;
  bool gender = true;
  // Device types whose ownership is drawn (bit t: type t); the others are
  // left unowned in the shard. Each type has its own word, so skipping one
  // changes no other.
  uint32_t device_types = ~0u;
  static PopulationNeeds All() { return {}; }
};

// Households [first_household, first_household + households()) as arrays.
struct PopulationShard {
  int64_t first_household = 0;
  int64_t first_person = 0;
  // member_begin[i]..member_begin[i+1]: household i's people, as indices
  // into the person arrays. Size households() + 1.
  std::vector<uint32_t> member_begin;
  std::vector<uint8_t> city_tier;  // per household
  // Bit t set: owns a device of (household-owned) type t.
  std::vector<uint32_t> household_devices;
  std::vector<float> activity;    // per person; mean 1
  std::vector<uint8_t> age_band;  // per person
  std::vector<uint8_t> gender;    // per person, when drawn
  // Bit t set: owns a device of (person-owned) type t.
  std::vector<uint32_t> person_devices;

  int households() const { return static_cast<int>(member_begin.size()) - 1; }
  int people() const {
    return member_begin.empty() ? 0 : static_cast<int>(member_begin.back());
  }

  // Scratch space reused between Generate() calls: the first Philox block
  // of each entity's streams, computed in batches.
  RngBlocks household_blocks;
  RngBlocks person_blocks;
  RngBlocks activity_blocks;
  RngBlocks gender_blocks;
  // Block 1 (words 4 to 7), drawn when a word there is read.
  RngBlocks household_blocks2;
  RngBlocks person_blocks2;
  std::vector<uint8_t> person_tier;  // each person's household's tier
};

// One household's devices, as the device-link draws read them.
struct HouseholdDevices {
  int64_t household = 0;  // its id
  uint32_t shared = 0;    // bit t: owns a household-owned device of type t
  int size = 0;
  uint32_t personal[kMaxHouseholdSize] = {};  // each member's own types

  // Household i of a shard whose first household is `first_household`,
  // its members' ranges in `member_begin`, and device masks in `shared`
  // (per household) and `personal` (per person): any arrays indexed so.
  template <typename Shared, typename Personal>
  static HouseholdDevices Of(int64_t first_household,
                             const std::vector<uint32_t>& member_begin,
                             const Shared& shared, const Personal& personal,
                             int i) {
    HouseholdDevices d;
    d.household = first_household + i;
    d.shared = static_cast<uint32_t>(shared[i]);
    const uint32_t m0 = member_begin[i];
    d.size = static_cast<int>(member_begin[i + 1] - m0);
    for (int m = 0; m < d.size; ++m)
      d.personal[m] = static_cast<uint32_t>(personal[m0 + m]);
    return d;
  }
  // Household i of `shard`.
  static HouseholdDevices Of(const PopulationShard& shard, int i) {
    return Of(shard.first_household, shard.member_begin,
              shard.household_devices, shard.person_devices, i);
  }
};

class Population {
 public:
  // Draws household sizes until `people` exist. InvalidArgument if people
  // is outside [1, kMaxPopulation]; CancelledError if `cancel` fires
  // (polled every block of households).
  static absl::StatusOr<std::unique_ptr<const Population>> Build(
      std::shared_ptr<const Ecosystem> ecosystem, int64_t people, uint64_t seed,
      int threads, const CancelToken* cancel = nullptr);

  Population(const Population&) = delete;
  Population& operator=(const Population&) = delete;

  const Ecosystem& ecosystem() const { return *ecosystem_; }
  uint64_t seed() const { return seed_; }
  int64_t people() const { return people_; }
  int64_t households() const { return static_cast<int64_t>(sizes_.size()); }
  int household_size(int64_t h) const { return sizes_[h]; }

  // First person id of household h.
  int64_t FirstPerson(int64_t h) const;

  // Draws households [begin, end) into `shard` (reusing its storage).
  void Generate(int64_t begin, int64_t end, const PopulationNeeds& needs,
                PopulationShard* shard) const;

  // The social contacts of person p: people of other households, drawn
  // from (seed, p). Appends to `out`.
  void SocialContacts(int64_t person, std::vector<int64_t>* out) const;

  // Number of social contacts of person p (the size SocialContacts adds).
  int64_t SocialContactCount(int64_t person) const;

  // The social contacts of people [first, first + n) summed: the same
  // counts as SocialContactCount, drawn in one vectorised batch. `scratch`
  // is reused between calls.
  int64_t SocialContactTotal(int64_t first, int64_t n,
                             RngBlocks* scratch) const;

  // Device links drawn for household `household_index` of `shard`, counted
  // by LinkKind into links_by_kind[kind] (indexed by the enum's value).
  void CountLinks(const PopulationShard& shard, int household_index,
                  int64_t* links_by_kind) const {
    CountLinks(HouseholdDevices::Of(shard, household_index), links_by_kind);
  }
  void CountLinks(const HouseholdDevices& household,
                  int64_t* links_by_kind) const;

  // Members of the household whose devices the ecosystem's
  // device_links[link] joins (bit k: the k-th member; every member when
  // both ends are household-owned). The same draws as CountLinks; the
  // devices must include every type of links [0, link]
  // (PopulationNeeds::device_types). `first_block`, if given, is the
  // household's entry of LinkBlocks.
  uint32_t LinkedMembers(const PopulationShard& shard, int household_index,
                         int link,
                         const RngBlock* first_block = nullptr) const {
    return LinkedMembers(HouseholdDevices::Of(shard, household_index), link,
                         first_block);
  }
  uint32_t LinkedMembers(const HouseholdDevices& household, int link,
                         const RngBlock* first_block = nullptr) const;

  // The first blocks of the link draws of the shard's households, in one
  // vectorised batch (for LinkedMembers of many of them).
  void LinkBlocks(const PopulationShard& shard, RngBlocks* blocks) const;

  // The household of person p.
  int64_t HouseholdOf(int64_t person) const;

 private:
  Population(std::shared_ptr<const Ecosystem> ecosystem, uint64_t seed)
      : ecosystem_(std::move(ecosystem)), seed_(seed) {}

  // Calls made(link index, member offset or -1 for a household-household
  // link) for each link drawn for the household, in draw order, up to link
  // `last` (all by default).
  template <typename Made>
  void DrawLinks(const HouseholdDevices& household, Made&& made,
                 size_t last = ~size_t{0},
                 const RngBlock* first_block = nullptr) const;

  std::shared_ptr<const Ecosystem> ecosystem_;
  uint64_t seed_;
  int64_t people_ = 0;
  std::vector<uint8_t> sizes_;  // per household
  // The first person of households 0, kIndexStride, 2 kIndexStride, ...:
  // FirstPerson and HouseholdOf add at most kIndexStride - 1 sizes.
  static constexpr int64_t kIndexStride = 64;
  std::vector<uint32_t> first_person_;
  // Every kIndexStride-th entry of first_person_.
  std::vector<uint32_t> coarse_first_person_;
};

}  // namespace aiotreach

#endif  // AIOTREACH_ENGINE_POPULATION_H_
