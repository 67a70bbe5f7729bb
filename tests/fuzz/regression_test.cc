// Runs one fuzz target over its seeds (made from sims/) and its saved
// crashes (regressions/<target>/): every input that once crashed a target
// stays a test, under the ordinary build and under --config=asan.
//
//   regression_test TARGET --sims FILE... --saved FILE...
#include <cstdint>
#include <iostream>
#include <string>
#include <vector>

#include "services/io/file_util.h"
#include "tests/fuzz/seeds.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  const std::string target = argv[1];
  std::vector<std::string> sims, saved;
  std::vector<std::string>* into = &sims;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--sims") {
      into = &sims;
    } else if (a == "--saved") {
      into = &saved;
    } else {
      into->push_back(a);
    }
  }
  std::vector<std::string> inputs = aiotreach::SeedsFor(target, sims);
  const size_t seeds = inputs.size();
  for (const std::string& path : saved) {
    absl::StatusOr<std::string> bytes = aiotreach::ReadFile(path);
    if (!bytes.ok()) {
      std::cerr << bytes.status() << "\n";
      return 1;
    }
    inputs.push_back(*bytes);
  }
  for (const std::string& in : inputs) {
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(in.data()),
                           in.size());
  }
  std::cout << target << ": " << seeds << " seeds and " << inputs.size() - seeds
            << " saved inputs, no crash\n";
  return seeds > 0 ? 0 : 1;
}
