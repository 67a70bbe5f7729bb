#include "engine/cluster.h"

#include <cstring>

#include "absl/strings/str_cat.h"

namespace aiotreach {

std::pair<int64_t, int64_t> RankRange(int64_t count, int rank, int ranks) {
  // count * rank / ranks without overflow for any count <= 2^62 and
  // ranks < 2^31: split count = q ranks + r.
  const int64_t q = count / ranks, r = count % ranks;
  auto start = [&](int64_t k) { return q * k + r * k / ranks; };
  return {start(rank), start(rank + 1)};
}

absl::Status AgreeStatus(const Cluster* cluster, const absl::Status& mine) {
  if (cluster == nullptr || cluster->size() == 1) return mine;
  // The code as a 4-byte prefix, then the message; empty for OK.
  std::string part;
  if (!mine.ok()) {
    const int32_t code = static_cast<int32_t>(mine.code());
    part.assign(reinterpret_cast<const char*>(&code), sizeof code);
    part.append(mine.message().data(), mine.message().size());
  }
  const std::vector<std::string> all = cluster->AllGather(part);
  for (size_t r = 0; r < all.size(); ++r) {
    const std::string& p = all[r];
    if (p.size() < sizeof(int32_t)) continue;
    int32_t code;
    std::memcpy(&code, p.data(), sizeof code);
    // Another rank's own trouble (rank 0 was fine) says where it was.
    return absl::Status(
        static_cast<absl::StatusCode>(code),
        absl::StrCat(r > 0 ? absl::StrCat("rank ", r, ": ") : "",
                     p.substr(sizeof code)));
  }
  return absl::OkStatus();
}

}  // namespace aiotreach
