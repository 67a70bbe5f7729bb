// Writes the fuzz targets' seed corpora from scenario files:
//   make_seeds OUT_DIR sims/bench/w1_100k.textproto ...
// makes OUT_DIR/scenario, OUT_DIR/request and OUT_DIR/report, one file a
// seed. Used by tools/fuzz.
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/io/file_util.h"
#include "tests/fuzz/seeds.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: make_seeds OUT_DIR SCENARIO...\n";
    return 2;
  }
  const std::string out = argv[1];
  const std::vector<std::string> files(argv + 2, argv + argc);
  for (const char* target : {"scenario", "request", "report"}) {
    const std::string dir = absl::StrCat(out, "/", target);
    if (!aiotreach::MakeDirectories(dir).ok()) return 1;
    const std::vector<std::string> seeds = aiotreach::SeedsFor(target, files);
    for (size_t i = 0; i < seeds.size(); ++i) {
      const absl::Status s = aiotreach::WriteFileAtomically(
          absl::StrCat(dir, "/seed_", i), seeds[i]);
      if (!s.ok()) {
        std::cerr << s << "\n";
        return 1;
      }
    }
    std::cout << target << ": " << seeds.size() << " seeds\n";
  }
  return 0;
}
