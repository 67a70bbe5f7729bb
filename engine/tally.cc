#include "engine/tally.h"

namespace aiotreach {

Tally::Tally(const TallyShape& shape) : shape_(shape) {
  size_t size = kNumScalars;
  histogram_ = size;
  size += shape.max_frequency;
  daily_ = size;
  size += 4 * static_cast<size_t>(shape.flight_days);
  links_ = size;
  size += shape.link_kinds;
  placements_ = size;
  size += BreakdownSize(shape.placements);
  device_types_ = size;
  size += BreakdownSize(shape.device_types);
  values_.assign(size, 0);
}

BreakdownCounters Tally::Breakdown(size_t offset, int rows) {
  int64_t* base = &values_[offset];
  return BreakdownCounters{base,
                           base + rows,
                           base + 2 * rows,
                           base + 3 * rows,
                           base + 4 * rows,
                           base + 5 * rows,
                           base + 6 * rows,
                           rows};
}

void Tally::Merge(const Tally& other) {
  for (size_t i = 0; i < values_.size(); ++i) values_[i] += other.values_[i];
}

}  // namespace aiotreach
