// The commands of the `aiotreach` binary, callable without a process so
// they can be tested: each takes its options and output streams and returns
// the process exit status.
//
//   CliOptions options;
//   options.out_dir = "out";
//   int status = RunFiles({"sims/bench/w1_100k.textproto"}, options,
//                         std::cout, std::cerr);
#ifndef AIOTREACH_SERVICES_CLI_CLI_H_
#define AIOTREACH_SERVICES_CLI_CLI_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "aiotreach/v1/scenario.pb.h"
#include "aiotreach/v1/whatif.pb.h"
#include "services/cli/budgets.h"
#include "services/cli/cli_options.h"

namespace aiotreach {

// A scenario file of a batch and the folder, relative to the folder it was
// found in (empty for a file given directly), that mirrors it under OUT.
struct BatchInput {
  std::string path;
  std::string rel_dir;
};

// Files as given; folders searched recursively for *.textproto, *.txtpb,
// *.pbtxt and *.json, sorted by path, leaving out `skip_dir` (the output
// folder, when it lies inside an input folder) and the files and folders
// inside them named as one of `exclude` (run --exclude). InvalidArgument
// for an unreadable folder or one without scenario files.
absl::StatusOr<std::vector<BatchInput>> ExpandInputs(
    const std::vector<std::string>& paths, const std::string& skip_dir = "",
    const std::vector<std::string>& exclude = {});

// `aiotreach run`: runs every scenario of the files and folders in
// `paths` (ExpandInputs), several at once within options.threads, and
// writes OUT/<relative folder>/<name>.json, the CSV tables and <name>.hash
// (written last; --skip-up-to-date compares it), or <name>.error.txt naming
// the field and value; then OUT/summary.csv. Prints a row per scenario as
// it finishes and each failure to `err`. A failing file does not stop the
// others unless fail_fast. Returns 0 if all succeeded, 1 otherwise.
int RunFiles(const std::vector<std::string>& paths, const CliOptions& options,
             std::ostream& out, std::ostream& err);

// `aiotreach compare BASE VARIANT...`: runs them with the base's seed
// (common random numbers, engine/what_if.h), prints a delta table of the
// headline figures (absolute and relative; replicate intervals when the
// scenarios ask for replicates) and writes OUT/compare_<base>.csv and .json.
// Returns 0, or 1 with the error (naming base./variants[i]. fields).
int CompareFiles(const std::string& base,
                 const std::vector<std::string>& variants,
                 const CliOptions& options, std::ostream& out,
                 std::ostream& err);

// `aiotreach sweep FILE (--placement NAME | --split A=0.4,B=0.6)
// (--budgets ... | --shares ...)`: the reach curve of the spec
// (engine/what_if.h, common random numbers), each point marked when it
// bought nothing more; printed and written to OUT/<name>.sweep.csv, .json
// and .html.
int SweepFile(const std::string& file, const v1::SweepSpec& spec,
              const CliOptions& options, std::ostream& out, std::ostream& err);

// `aiotreach optimize FILE --budget 2m ...`: the budget optimizer
// (engine/optimizer.h): prints the allocation, the objective, the marginal
// cost of reach and the frontier, and writes OUT/<name>.optimize.csv (the
// allocation), _frontier.csv, .json and .html.
int OptimizeFile(const std::string& file, const v1::OptimizeOptions& request,
                 const CliOptions& options, std::ostream& out,
                 std::ostream& err);

// `aiotreach calibrate FILE --observed observed.csv --fit A,B`: fits the
// named parameters to the observed figures (engine/calibrate.h); prints
// the fit and writes OUT/<name>.calibrated.textproto (the scenario with the
// fitted values), .calibration.csv (parameters), .residuals.csv and
// .calibration.json.
int CalibrateFile(const std::string& file, const std::string& observed_csv,
                  v1::CalibrateOptions request, const CliOptions& options,
                  std::ostream& out, std::ostream& err);

// summary.csv's warnings for a report: "under_delivery:<placement>:<pct>%",
// "cap_binding:<cap>:<refused>" and "saturation:reach:<pct>%", joined by
// ";" (empty when there is nothing to say).
std::string SummaryWarnings(const v1::Report& report);

// `aiotreach validate`: parses and validates each file. Returns 0 if all
// are valid, 1 otherwise.
int ValidateFiles(const std::vector<std::string>& files, std::ostream& out,
                  std::ostream& err);

}  // namespace aiotreach

#endif  // AIOTREACH_SERVICES_CLI_CLI_H_
