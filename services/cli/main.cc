// aiotreach: simulate cross-device campaign reach from scenario files.
//
//   aiotreach run FILE... [--out DIR] [--format json,csv] [--threads N]
//   aiotreach validate FILE...
//
// Flags live here only; they are copied into CliOptions (cli.h), whose
// fields document their defaults.
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "services/cli/cli.h"

namespace {

constexpr char kUsage[] = R"(usage:
  aiotreach run FILE... [--out DIR] [--format json,csv] [--threads N]
      Runs each scenario file (.textproto/.txtpb/.pbtxt or .json), writes a
      report per scenario to DIR (default: reports) and prints a summary.
  aiotreach validate FILE...
      Parses and validates each file without running it.
  aiotreach help
Exit status: 0 if every file succeeded, 1 if any failed, 2 on bad usage.
)";

int Usage(const std::string& error) {
  if (!error.empty()) std::cerr << "aiotreach: " << error << "\n";
  std::cerr << kUsage;
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return Usage("");
  const std::string command = args[0];
  if (command == "help" || command == "--help" || command == "-h") {
    std::cout << kUsage;
    return 0;
  }
  aiotreach::CliOptions options;
  std::vector<std::string> files;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    std::string flag = a;
    std::string value;
    const bool is_flag = a.rfind("--", 0) == 0;
    if (is_flag) {
      const size_t eq = a.find('=');
      if (eq != std::string::npos) {
        flag = a.substr(0, eq);
        value = a.substr(eq + 1);
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return Usage(flag + ": needs a value");
      }
    }
    if (!is_flag) {
      files.push_back(a);
    } else if (flag == "--out") {
      options.out_dir = value;
    } else if (flag == "--format") {
      options.formats = absl::StrSplit(value, ',', absl::SkipEmpty());
    } else if (flag == "--threads") {
      if (!absl::SimpleAtoi(value, &options.threads) || options.threads < 0) {
        return Usage("--threads: must be an integer >= 0, got '" + value + "'");
      }
    } else if (flag == "--shard_households") {
      if (!absl::SimpleAtoi(value, &options.shard_households) ||
          options.shard_households < 1) {
        return Usage("--shard_households: must be an integer >= 1, got '" +
                     value + "'");
      }
    } else {
      return Usage("unknown flag " + flag);
    }
  }
  if (files.empty()) return Usage(command + ": no scenario files given");
  if (command == "run")
    return aiotreach::RunFiles(files, options, std::cout, std::cerr);
  if (command == "validate")
    return aiotreach::ValidateFiles(files, std::cout, std::cerr);
  return Usage("unknown command '" + command + "'");
}
