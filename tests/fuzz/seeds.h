// Seed inputs for the fuzz targets, made from the scenarios under sims/:
// each target's input format (see the *_fuzzer.cc files). make_seeds writes
// them as a corpus for tools/fuzz; the regression tests run every target
// over them and over the saved crashes in regressions/<target>/.
#ifndef AIOTREACH_TESTS_FUZZ_SEEDS_H_
#define AIOTREACH_TESTS_FUZZ_SEEDS_H_

#include <string>
#include <vector>

namespace aiotreach {

// Inputs for scenario_fuzzer: a format byte (0 text, 1 JSON) and the file.
std::vector<std::string> ScenarioSeeds(const std::vector<std::string>& files);

// Inputs for request_fuzzer: an RPC byte and the binary request, for each
// RPC that takes a scenario or an ecosystem.
std::vector<std::string> RequestSeeds(const std::vector<std::string>& files);

// Inputs for report_fuzzer: reports of the scenarios run at 2,000 people.
std::vector<std::string> ReportSeeds(const std::vector<std::string>& files);

// The inputs of `target` ("scenario", "request" or "report").
std::vector<std::string> SeedsFor(const std::string& target,
                                  const std::vector<std::string>& files);

}  // namespace aiotreach

#endif  // AIOTREACH_TESTS_FUZZ_SEEDS_H_
