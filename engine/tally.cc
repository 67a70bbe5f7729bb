#include "engine/tally.h"

namespace aiotreach {

Tally::Tally(const TallyShape& shape) : shape_(shape) {
  size_t size = kNumScalars;
  histogram_ = size;
  size += shape.max_frequency;
  daily_ = size;
  size += 3 * static_cast<size_t>(shape.flight_days);
  links_ = size;
  size += shape.link_kinds;
  placements_ = size;
  size += BreakdownSize(shape.placements);
  device_types_ = size;
  size += BreakdownSize(shape.device_types);
  delivery_ = size;
  size += 7 * static_cast<size_t>(shape.placements);
  caps_ = size;
  size += 3 * static_cast<size_t>(shape.caps);
  daily_placements_ = size;
  size += static_cast<size_t>(shape.flight_days) * shape.placements;
  daily_refused_ = size;
  size += shape.flight_days;
  hourly_ = size;
  size += 24;
  cross_device_ = size;
  size += static_cast<size_t>(shape.placements) * shape.device_types;
  retarget_ = size;
  size += 2 * static_cast<size_t>(shape.retargets);
  sampling_ = size;
  size += static_cast<size_t>(shape.sampling_blocks) * kSamplingMetrics;
  weekly_ = size;
  size += shape.weeks;
  audiences_ = size;
  size += static_cast<size_t>(shape.audience_rows) * (3 + shape.max_frequency);
  row_frequency_ = size;
  if (shape.row_frequency) {
    size += static_cast<size_t>(shape.placements + shape.device_types) *
            shape.max_frequency;
  }
  values_.assign(size, 0);
}

DeliveryCounters Tally::delivery() const {
  int64_t* base = const_cast<int64_t*>(&values_[delivery_]);
  const int n = shape_.placements;
  return DeliveryCounters{base,         base + n,     base + 2 * n,
                          base + 3 * n, base + 4 * n, base + 5 * n,
                          base + 6 * n};
}

CapCounters Tally::caps() const {
  int64_t* base = const_cast<int64_t*>(&values_[caps_]);
  const int n = shape_.caps;
  return CapCounters{base, base + n, base + 2 * n};
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
