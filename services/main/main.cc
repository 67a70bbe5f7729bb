// aiotreach: simulate cross-device campaign reach from scenario files, or
// serve the engine over gRPC.
//
//   aiotreach run FILE... [--out DIR] [--format json,csv] [--threads N]
//   aiotreach calibrate FILE --observed observed.csv --fit PARAM,...
//   aiotreach validate FILE...
//   aiotreach serve [--listen HOST:PORT] [--threads N] ...
//
// Flags live here only; they are copied into CliOptions (cli.h) and
// ServerOptions (services/server/server.h), whose fields document their
// defaults.
#include <malloc.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "engine/huge_array.h"
#include "engine/report_builder.h"
#include "services/cli/cli.h"
#include "services/mpi/mpi_cluster.h"
#include "services/server/serve.h"

namespace {

constexpr char kUsage[] = R"(usage:
  aiotreach run PATH... [--out DIR] [--format json,csv,html] [--threads N]
                [--memory_budget_mb N] [--fail-fast] [--quiet]
                [--skip-up-to-date] [--exclude NAME,...] [--progress_lines]
      Runs each scenario file (.textproto/.txtpb/.pbtxt or .json) and every
      one found in folders (recursively), several at once within --threads;
      writes DIR/<relative folder>/<file stem>.json and CSV tables (default
      DIR: reports), <stem>.error.txt for a bad one, DIR/summary.csv; prints
      a summary. --skip-up-to-date redoes only scenarios whose file or the
      engine version changed; --exclude leaves out files and folders of those
      names inside the folders given; --progress_lines writes "progress F"
      lines to stderr for a program to read. Scenarios running at once share
      --memory_budget_mb (default: 3/4 of this machine's memory); one that
      could never fit fails with its estimate before anything is allocated.
  aiotreach compare BASE VARIANT... [--out DIR] [--threads N]
      Runs the base and each variant with the base's seed (common random
      numbers) and prints the change of each headline figure; writes
      DIR/compare_<base>.csv and .json.
  aiotreach sweep FILE (--placement NAME | --split A=0.4,B=0.6)
                  (--budgets 0.5m,1m,2m | --from 0.5m --to 4m --steps 8 |
                  --shares 0.1,0.2,0.4 | --days 1,7,14) [--out DIR]
                  [--threads N]
      The reach curve of a budget-bought placement over budgets, of a total
      budget split at fixed shares, of a placement's share of voice
      (--shares), or of a placement run the first k days of the flight
      (--days; a day-priced placement's days bought), with common random
      numbers; marks points that bought nothing more; writes
      DIR/<name>.sweep.csv, .json and .html.
  aiotreach optimize FILE --budget 2m [--objective reach|reach_k:3|households|
                     conversions] [--step 50k] [--min NAME=x,...]
                     [--max NAME=y,...] [--placements A,B] [--out DIR]
                     [--threads N]
      Splits the budget over the budget-bought placements (greedy steps,
      then exchange moves; common random numbers): prints the allocation,
      the marginal cost of reach and the frontier; writes
      DIR/<name>.optimize.csv, _frontier.csv, .json and .html.
  aiotreach calibrate FILE --observed observed.csv --fit PARAM,...
                      [--max_iterations N] [--out DIR] [--threads N]
      Fits the named scenario parameters (e.g. activity_shape,
      placements.tv_boot.opportunity.bernoulli.probability) to observed
      figures (CSV: figure,value,standard_error) by Levenberg-Marquardt with
      common random numbers; prints the fitted values with standard errors,
      the residuals and chi-square; writes DIR/<name>.calibrated.textproto,
      .calibration.csv, .residuals.csv and .calibration.json.
  aiotreach validate FILE...
      Parses and validates each file without running it.
  aiotreach serve [--listen HOST:PORT] [--threads N] [--max_concurrent_runs N]
                  [--max_queued_runs N] [--memory_budget_mb N]
                  [--max_message_mb N] [--grace_seconds S] [--data_dir DIR]
                  [--tls_cert FILE --tls_key FILE] [--auth_token_file FILE]
                  [--launcher "mpirun -np {ranks}"] [--min_cell_people K]
                  [--epsilon_budget E] [--http_listen HOST:PORT]
      Serves aiotreach.v1.ReachService, gRPC health and reflection on
      HOST:PORT (default 127.0.0.1:50051; port 0 picks a free one and prints
      it) until SIGTERM or SIGINT. With --http_listen, also HTTP/JSON
      (POST /v1/<Method>), /healthz, /metrics and the what-if page at /
      (docs/SERVICE.md). Runs
      started with StartRun are kept in DIR and survive a restart. With TLS files the server speaks TLS; with
      a token file every call needs "authorization: Bearer <token>". With
      --launcher, StartRun with ranks >= 2 runs the scenario as a job over
      that many MPI ranks (`<launcher> aiotreach run ...`). --min_cell_people
      raises every run's privacy.min_cell_people to K; --epsilon_budget
      makes runs on stored ecosystems need privacy noise and refuses those
      past E epsilon an ecosystem (docs/PRIVACY.md).
  aiotreach help
Exit status: 0 if every file succeeded, 1 if any failed, 2 on bad usage.
)";

// Set on MPI ranks other than 0: rank 0 alone prints usage errors.
bool quiet_usage = false;

int Usage(const std::string& error) {
  if (quiet_usage) return 2;
  if (error.empty()) {
    std::cerr << kUsage;
  } else {  // the error alone, not a page of usage around it
    std::cerr << "aiotreach: " << error
              << "\n(aiotreach help: every command and flag)\n";
  }
  return 2;
}

struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::string> flags;  // "--out" -> "DIR"
};

// Flags that take no value.
bool IsSwitch(const std::string& flag) {
  return flag == "--fail-fast" || flag == "--quiet" ||
         flag == "--skip-up-to-date" || flag == "--progress_lines";
}

// Splits "--flag value", "--flag=value", switches and positional
// arguments. Returns false (with `error`) for a flag without a value.
bool Split(const std::vector<std::string>& args, Args* out,
           std::string* error) {
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("--", 0) != 0) {
      out->positional.push_back(a);
      continue;
    }
    const size_t eq = a.find('=');
    if (IsSwitch(a)) {
      out->flags[a] = "true";
    } else if (eq != std::string::npos) {
      out->flags[a.substr(0, eq)] = a.substr(eq + 1);
    } else if (i + 1 < args.size()) {
      out->flags[a] = args[++i];
    } else {
      *error = a + ": needs a value";
      return false;
    }
  }
  return true;
}

// Parses an integer flag into `value` if present; false with `error` if it
// is not an integer of at least `min`.
template <typename Int>
bool IntFlag(const Args& args, const std::string& flag, Int min, Int* value,
             std::string* error) {
  const auto it = args.flags.find(flag);
  if (it == args.flags.end()) return true;
  if (!absl::SimpleAtoi(it->second, value) || *value < min) {
    *error = flag + ": must be an integer >= " + std::to_string(min) +
             ", got '" + it->second + "'";
    return false;
  }
  return true;
}

// The first flag not in `known`, or "".
std::string Unknown(const Args& args, const std::vector<std::string>& known) {
  for (const auto& [flag, value] : args.flags) {
    bool found = false;
    for (const std::string& k : known) found = found || k == flag;
    if (!found) return flag;
  }
  return "";
}

int Serve(const Args& args) {
  const std::string unknown = Unknown(
      args,
      {"--listen", "--threads", "--max_concurrent_runs", "--max_queued_runs",
       "--memory_budget_mb", "--max_message_mb", "--grace_seconds",
       "--data_dir", "--tls_cert", "--tls_key", "--auth_token_file",
       "--launcher", "--min_cell_people", "--epsilon_budget", "--http_listen"});
  if (!unknown.empty()) return Usage("serve: unknown flag " + unknown);
  if (!args.positional.empty())
    return Usage("serve: unexpected argument '" + args.positional[0] + "'");
  aiotreach::ServerOptions options;
  if (const auto it = args.flags.find("--listen"); it != args.flags.end())
    options.listen = it->second;
  for (const auto& [flag, field] :
       {std::pair{"--data_dir", &options.data_dir},
        std::pair{"--tls_cert", &options.tls_cert},
        std::pair{"--tls_key", &options.tls_key},
        std::pair{"--auth_token_file", &options.auth_token_file},
        std::pair{"--launcher", &options.launcher},
        std::pair{"--http_listen", &options.http_listen}}) {
    if (const auto it = args.flags.find(flag); it != args.flags.end())
      *field = it->second;
  }
  int grace_seconds = 10;
  std::string error;
  if (!IntFlag(args, "--threads", 0, &options.threads, &error) ||
      !IntFlag(args, "--max_concurrent_runs", 1, &options.max_concurrent_runs,
               &error) ||
      !IntFlag(args, "--max_queued_runs", 0, &options.max_queued_runs,
               &error) ||
      !IntFlag<int64_t>(args, "--memory_budget_mb", 1,
                        &options.memory_budget_mb, &error) ||
      !IntFlag(args, "--max_message_mb", 1, &options.max_message_mb, &error) ||
      !IntFlag(args, "--grace_seconds", 0, &grace_seconds, &error) ||
      !IntFlag<int64_t>(args, "--min_cell_people", 0, &options.min_cell_people,
                        &error)) {
    return Usage(error);
  }
  if (const auto it = args.flags.find("--epsilon_budget");
      it != args.flags.end()) {
    if (!absl::SimpleAtod(it->second, &options.epsilon_budget) ||
        !(options.epsilon_budget > 0) || options.epsilon_budget > 1e6) {
      return Usage("--epsilon_budget: expected a number in (0, 1e6], got '" +
                   it->second + "'");
    }
  }
  return aiotreach::Serve(options, absl::Seconds(grace_seconds), std::cout,
                          std::cerr);
}

// Options shared by compare and sweep: --out, --threads,
// --memory_budget_mb.
bool WhatIfOptions(const Args& args, aiotreach::CliOptions* options,
                   std::string* error) {
  if (const auto it = args.flags.find("--out"); it != args.flags.end())
    options->out_dir = it->second;
  return IntFlag(args, "--threads", 0, &options->threads, error) &&
         IntFlag<int64_t>(args, "--memory_budget_mb", 1,
                          &options->memory_budget_mb, error);
}

int Compare(const Args& args, const aiotreach::Cluster* cluster) {
  const std::string unknown =
      Unknown(args, {"--out", "--threads", "--memory_budget_mb"});
  if (!unknown.empty()) return Usage("compare: unknown flag " + unknown);
  if (args.positional.size() < 2)
    return Usage("compare: give a base scenario and at least one variant");
  aiotreach::CliOptions options;
  std::string error;
  if (!WhatIfOptions(args, &options, &error)) return Usage(error);
  options.cluster = cluster;
  return aiotreach::CompareFiles(
      args.positional[0],
      std::vector<std::string>(args.positional.begin() + 1,
                               args.positional.end()),
      options, std::cout, std::cerr);
}

int Sweep(const Args& args, const aiotreach::Cluster* cluster) {
  const std::string unknown =
      Unknown(args, {"--out", "--threads", "--memory_budget_mb", "--placement",
                     "--split", "--budgets", "--shares", "--days", "--from",
                     "--to", "--steps"});
  if (!unknown.empty()) return Usage("sweep: unknown flag " + unknown);
  if (args.positional.size() != 1)
    return Usage("sweep: give exactly one scenario file");
  aiotreach::CliOptions options;
  std::string error;
  if (!WhatIfOptions(args, &options, &error)) return Usage(error);
  options.cluster = cluster;
  aiotreach::v1::SweepSpec spec;
  const auto placement = args.flags.find("--placement");
  const auto split = args.flags.find("--split");
  if ((placement == args.flags.end()) == (split == args.flags.end()))
    return Usage("sweep: give --placement or --split");
  if (placement != args.flags.end()) spec.set_placement(placement->second);
  if (split != args.flags.end()) {
    for (absl::string_view item :
         absl::StrSplit(split->second, ',', absl::SkipEmpty())) {
      const size_t eq = item.find('=');
      double share = 0;
      if (eq == absl::string_view::npos || eq == 0 ||
          !absl::SimpleAtod(item.substr(eq + 1), &share)) {
        return Usage("--split: expected NAME=SHARE (e.g. tv_boot=0.4), got '" +
                     std::string(item) + "'");
      }
      aiotreach::v1::PlacementShare* s = spec.add_split();
      s->set_placement(std::string(item.substr(0, eq)));
      s->set_share(share);
    }
  }
  // --days and --shares: a list of numbers, each parsed by `parse`.
  for (const auto& [flag, example] :
       {std::pair<std::string, std::string>{"--days",
                                            "whole days such as 1,7,14"},
        {"--shares", "numbers such as 0.1,0.2"}}) {
    const auto it = args.flags.find(flag);
    if (it == args.flags.end()) continue;
    for (absl::string_view v :
         absl::StrSplit(it->second, ',', absl::SkipEmpty())) {
      int days = 0;
      double share = 0;
      const bool ok = flag == "--days" ? absl::SimpleAtoi(v, &days)
                                       : absl::SimpleAtod(v, &share);
      if (!ok) {
        return Usage(flag + ": expected " + example + ", got '" +
                     std::string(v) + "'");
      }
      if (flag == "--days") {
        spec.add_days(days);
      } else {
        spec.add_shares_of_voice(share);
      }
    }
    return aiotreach::SweepFile(args.positional[0], spec, options, std::cout,
                                std::cerr);
  }
  absl::StatusOr<std::vector<double>> budgets;
  if (const auto it = args.flags.find("--budgets"); it != args.flags.end()) {
    budgets = aiotreach::ParseBudgets(it->second);
  } else if (args.flags.count("--from") && args.flags.count("--to")) {
    int steps = 5;
    if (!IntFlag(args, "--steps", 2, &steps, &error)) return Usage(error);
    budgets = aiotreach::BudgetRange(args.flags.at("--from"),
                                     args.flags.at("--to"), steps);
  } else {
    return Usage(
        "sweep: give --budgets, or --from and --to (and --steps), or --shares");
  }
  if (!budgets.ok()) return Usage(std::string(budgets.status().message()));
  for (double b : *budgets) spec.add_budgets(b);
  return aiotreach::SweepFile(args.positional[0], spec, options, std::cout,
                              std::cerr);
}

// "tv_boot=100k,phone_splash=0.5m" into `bounds`; false with `error`.
bool ParseBounds(
    const Args& args, const std::string& flag,
    google::protobuf::RepeatedPtrField<aiotreach::v1::PlacementBudget>* bounds,
    std::string* error) {
  const auto it = args.flags.find(flag);
  if (it == args.flags.end()) return true;
  for (absl::string_view item : absl::StrSplit(it->second, ',')) {
    const size_t eq = item.find('=');
    absl::StatusOr<std::vector<double>> amount =
        eq == absl::string_view::npos
            ? absl::InvalidArgumentError("")
            : aiotreach::ParseBudgets(std::string(item.substr(eq + 1)));
    if (eq == 0 || !amount.ok() || amount->size() != 1) {
      *error = flag + ": expected NAME=AMOUNT (e.g. tv_boot=500k), got '" +
               std::string(item) + "'";
      return false;
    }
    aiotreach::v1::PlacementBudget* b = bounds->Add();
    b->set_placement(std::string(item.substr(0, eq)));
    b->set_budget(amount->front());
  }
  return true;
}

int Optimize(const Args& args, const aiotreach::Cluster* cluster) {
  const std::string unknown = Unknown(
      args, {"--out", "--threads", "--memory_budget_mb", "--budget",
             "--objective", "--step", "--min", "--max", "--placements"});
  if (!unknown.empty()) return Usage("optimize: unknown flag " + unknown);
  if (args.positional.size() != 1)
    return Usage("optimize: give exactly one scenario file");
  aiotreach::CliOptions options;
  std::string error;
  if (!WhatIfOptions(args, &options, &error)) return Usage(error);
  options.cluster = cluster;
  aiotreach::v1::OptimizeOptions request;
  for (const auto& [flag, setter] :
       {std::pair<std::string,
                  void (aiotreach::v1::OptimizeOptions::*)(double)>{
            "--budget", &aiotreach::v1::OptimizeOptions::set_budget},
        {"--step", &aiotreach::v1::OptimizeOptions::set_step}}) {
    const auto it = args.flags.find(flag);
    if (it == args.flags.end()) continue;
    absl::StatusOr<std::vector<double>> v = aiotreach::ParseBudgets(it->second);
    if (!v.ok() || v->size() != 1)
      return Usage(flag + ": expected an amount such as 2m or 50k, got '" +
                   it->second + "'");
    (request.*setter)(v->front());
  }
  if (!args.flags.count("--budget"))
    return Usage("optimize: --budget is required");
  if (const auto it = args.flags.find("--objective"); it != args.flags.end())
    request.set_objective(it->second);
  if (const auto it = args.flags.find("--placements"); it != args.flags.end()) {
    for (absl::string_view name :
         absl::StrSplit(it->second, ',', absl::SkipEmpty()))
      request.add_placements(std::string(name));
  }
  if (!ParseBounds(args, "--min", request.mutable_min(), &error) ||
      !ParseBounds(args, "--max", request.mutable_max(), &error)) {
    return Usage(error);
  }
  return aiotreach::OptimizeFile(args.positional[0], request, options,
                                 std::cout, std::cerr);
}

int Calibrate(const Args& args, const aiotreach::Cluster* cluster) {
  const std::string unknown =
      Unknown(args, {"--out", "--threads", "--memory_budget_mb", "--observed",
                     "--fit", "--max_iterations"});
  if (!unknown.empty()) return Usage("calibrate: unknown flag " + unknown);
  if (args.positional.size() != 1)
    return Usage("calibrate: give exactly one scenario file");
  aiotreach::CliOptions options;
  std::string error;
  if (!WhatIfOptions(args, &options, &error)) return Usage(error);
  options.cluster = cluster;
  const auto observed = args.flags.find("--observed");
  const auto fit = args.flags.find("--fit");
  if (observed == args.flags.end() || fit == args.flags.end())
    return Usage("calibrate: --observed and --fit are required");
  aiotreach::v1::CalibrateOptions request;
  for (absl::string_view name :
       absl::StrSplit(fit->second, ',', absl::SkipEmpty()))
    request.add_fit(std::string(name));
  if (const auto it = args.flags.find("--max_iterations");
      it != args.flags.end()) {
    int n = 0;
    if (!absl::SimpleAtoi(it->second, &n) || n < 1)
      return Usage("--max_iterations: expected a positive integer, got '" +
                   it->second + "'");
    request.set_max_iterations(n);
  }
  return aiotreach::CalibrateFile(args.positional[0], observed->second, request,
                                  options, std::cout, std::cerr);
}

int RunOrValidate(const std::string& command, const Args& args,
                  const aiotreach::Cluster* cluster) {
  const std::string unknown =
      Unknown(args, {"--out", "--format", "--threads", "--shard_households",
                     "--memory_budget_mb", "--fail-fast", "--quiet",
                     "--skip-up-to-date", "--exclude", "--progress_lines"});
  if (!unknown.empty()) return Usage("unknown flag " + unknown);
  aiotreach::CliOptions options;
  if (const auto it = args.flags.find("--out"); it != args.flags.end())
    options.out_dir = it->second;
  if (const auto it = args.flags.find("--format"); it != args.flags.end())
    options.formats = absl::StrSplit(it->second, ',', absl::SkipEmpty());
  options.fail_fast = args.flags.count("--fail-fast") > 0;
  options.quiet = args.flags.count("--quiet") > 0;
  options.skip_up_to_date = args.flags.count("--skip-up-to-date") > 0;
  options.progress_lines = args.flags.count("--progress_lines") > 0;
  if (const auto it = args.flags.find("--exclude"); it != args.flags.end())
    options.exclude = absl::StrSplit(it->second, ',', absl::SkipEmpty());
  options.progress_bar = isatty(STDOUT_FILENO) != 0;
  std::string error;
  if (!IntFlag(args, "--threads", 0, &options.threads, &error) ||
      !IntFlag<int64_t>(args, "--shard_households", 1,
                        &options.shard_households, &error) ||
      !IntFlag<int64_t>(args, "--memory_budget_mb", 1,
                        &options.memory_budget_mb, &error)) {
    return Usage(error);
  }
  if (args.positional.empty())
    return Usage(command + ": no scenario files given");
  if (command == "run") {
    options.cluster = cluster;
    return aiotreach::RunFiles(args.positional, options, std::cout, std::cerr);
  }
  return aiotreach::ValidateFiles(args.positional, std::cout, std::cerr);
}

// A batch command keeps the memory it frees for its own reuse instead of
// handing it back to the kernel and faulting it in again, grows the heap
// 64 MiB at a time, and puts the first kHeapReserve of its heap on
// transparent huge pages (where the kernel gives them on request): a
// page fault then maps 2 MiB, not 4 KiB. The launch stream at platform
// scale spent a tenth of its time in page faults (docs/PERFORMANCE.md).
// Arrays up to 32 MiB come from the heap. `serve` keeps glibc's defaults,
// so that memory goes back between runs.
constexpr size_t kHeapReserve = size_t{1} << 30;
void TuneAllocatorForBatch() {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, std::numeric_limits<int>::max());
  mallopt(M_TOP_PAD, 64 << 20);
  // Extend the heap by the reserve (no mmap for this one block), advise
  // it, and free it: it stays in the heap as free memory that later
  // allocations carve up. Untouched, it costs no memory.
  mallopt(M_MMAP_MAX, 0);
  void* block = std::malloc(kHeapReserve);
  if (block != nullptr) {
    aiotreach::AdviseHugePages(block, kHeapReserve);
    std::free(block);
  }
  mallopt(M_MMAP_MAX, 65536);
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> argv_strings(argv, argv + argc);
  if (argc < 2) return Usage("");
  const std::string command = argv_strings[1];
  if (command == "help" || command == "--help" || command == "-h") {
    std::cout << kUsage;
    return 0;
  }
  Args args;
  std::string error;
  if (!Split(std::vector<std::string>(argv_strings.begin() + 1,
                                      argv_strings.end()),
             &args, &error)) {
    return Usage(error);
  }
  // Started by mpirun (or srun): `run` spreads each scenario over the
  // ranks (docs/CLUSTER.md); MPI is finalised when `mpi` goes.
  std::unique_ptr<aiotreach::MpiCluster> mpi =
      aiotreach::MpiCluster::InitIfLaunched(&argc, &argv);
  if (mpi != nullptr) {
    if (const absl::Status same =
            mpi->CheckSameVersion(aiotreach::kEngineVersion);
        !same.ok()) {
      if (mpi->rank() == 0)
        std::cerr << "aiotreach: " << same.message() << "\n";
      return 2;
    }
    // Usage errors are rank 0's to print.
    if (mpi->rank() != 0) quiet_usage = true;
    if (command != "run" && command != "compare" && command != "sweep" &&
        command != "optimize" && command != "calibrate" && mpi->size() > 1) {
      return Usage(
          "only run, compare, sweep, optimize and calibrate run over MPI "
          "ranks (got '" +
          command + "' on " + std::to_string(mpi->size()) + " ranks)");
    }
  }
  if (command == "serve") return Serve(args);
  TuneAllocatorForBatch();
  if (command == "compare") return Compare(args, mpi.get());
  if (command == "sweep") return Sweep(args, mpi.get());
  if (command == "optimize") return Optimize(args, mpi.get());
  if (command == "calibrate") return Calibrate(args, mpi.get());
  if (command == "run" || command == "validate")
    return RunOrValidate(command, args, mpi.get());
  return Usage("unknown command '" + command + "'");
}
