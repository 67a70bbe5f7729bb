#include "engine/reach_counter.h"

#include <numeric>

namespace aiotreach {
namespace {

std::vector<int> Identity(int n) {
  std::vector<int> v(n);
  std::iota(v.begin(), v.end(), 0);
  return v;
}

}  // namespace

void CountMask(uint64_t mask, int64_t n, const int* rows,
               const BreakdownCounters& b) {
  if ((mask & (mask - 1)) == 0) {
    const int r = rows[__builtin_ctzll(mask)];
    b.reach[r] += n;
    b.exclusive[r] += n;
    return;
  }
  for (uint64_t rest = mask; rest != 0; rest &= rest - 1) {
    const int r = rows[__builtin_ctzll(rest)];
    b.reach[r] += n;
    for (uint64_t later = rest & (rest - 1); later != 0; later &= later - 1) {
      b.overlap[r * b.rows + rows[__builtin_ctzll(later)]] += n;
    }
  }
}

MaskCounter::MaskCounter(std::vector<int> rows) : rows_(std::move(rows)) {
  if (rows_.size() <= kMaxTableBits)
    table_.assign(size_t{1} << rows_.size(), 0);
}

void MaskCounter::Fold(const BreakdownCounters& b) {
  for (size_t mask = 1; mask < table_.size(); ++mask) {
    if (table_[mask] != 0) CountMask(mask, table_[mask], rows_.data(), b);
    table_[mask] = 0;
  }
}

ReachCounter::ReachCounter(const Campaign& campaign, Tally* tally)
    : tally_(*tally),
      max_frequency_(campaign.max_frequency()),
      histogram_(tally->histogram()),
      daily_new_reach_(tally->daily_new_reach()),
      daily_new_households_(tally->daily_new_households()),
      placement_rows_(tally->placements()),
      type_rows_(tally->device_types()),
      type_bit_(tally->shape().device_types, 0),
      row_frequency_(tally->shape().row_frequency),
      placements_(tally->shape().placements),
      placement_masks_(
          Identity(static_cast<int>(campaign.placements().size()))),
      type_masks_(campaign.CarryingTypes()) {
  const std::vector<int> carrying = campaign.CarryingTypes();
  for (size_t c = 0; c < carrying.size(); ++c)
    type_bit_[carrying[c]] = uint64_t{1} << c;
}

AudienceCounter::AudienceCounter(const AudienceLayout& layout, Tally* tally)
    : tally_(*tally),
      max_frequency_(tally->shape().max_frequency),
      enabled_(layout.rows() > 0),
      age_first_(layout.age_first),
      gender_first_(layout.gender_first),
      tier_first_(layout.tier_first),
      size_first_(layout.size_first) {}

}  // namespace aiotreach
