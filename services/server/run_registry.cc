#include "services/server/run_registry.h"

#include <chrono>
#include <filesystem>
#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "engine/engine.h"
#include "services/io/file_util.h"

namespace aiotreach {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool Ended(v1::RunState s) {
  return s == v1::RUN_STATE_SUCCEEDED || s == v1::RUN_STATE_FAILED ||
         s == v1::RUN_STATE_CANCELLED || s == v1::RUN_STATE_INTERRUPTED ||
         s == v1::RUN_STATE_DAMAGED;
}

// "run-12" -> 12; 0 for anything else, "run-012" and "run-+12" included:
// one run, one id.
int64_t Number(absl::string_view id) {
  int64_t n = 0;
  absl::string_view digits = id;
  if (!absl::ConsumePrefix(&digits, "run-") || !absl::SimpleAtoi(digits, &n) ||
      n < 1 || absl::StrCat(n) != digits) {
    return 0;
  }
  return n;
}

absl::Status UnknownRun(const std::string& id) {
  return absl::NotFoundError(
      absl::StrCat("id: no run '", id, "' (see ListRuns)"));
}

constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 1000;

}  // namespace

RunRegistry::~RunRegistry() { Shutdown(absl::ZeroDuration()); }

std::string RunRegistry::PathOf(const std::string& id, const char* kind) const {
  return absl::StrCat(data_dir_, "/runs/", id, ".", kind);
}

void RunRegistry::Persist(const v1::RunInfo& info, const v1::Scenario* scenario,
                          const v1::Report* report) const {
  if (data_dir_.empty()) return;
  absl::Status s = MakeDirectories(data_dir_ + "/runs");
  const std::string& id = info.id();
  if (s.ok() && scenario != nullptr)
    s = WriteFileAtomically(PathOf(id, "scenario"),
                            scenario->SerializeAsString());
  // The report before the info that says the run succeeded.
  if (s.ok() && report != nullptr)
    s = WriteFileAtomically(PathOf(id, "report"), report->SerializeAsString());
  if (s.ok())
    s = WriteFileAtomically(PathOf(id, "info"), info.SerializeAsString());
  if (!s.ok()) std::cerr << "aiotreach serve: " << id << ": " << s << "\n";
}

absl::Status RunRegistry::Load() {
  if (data_dir_.empty()) return absl::OkStatus();
  const std::string dir = data_dir_ + "/runs";
  std::error_code error;
  if (!std::filesystem::exists(dir, error)) return absl::OkStatus();
  std::filesystem::directory_iterator it(dir, error);
  if (error) {
    return absl::InternalError(
        absl::StrCat("--data_dir: cannot read ", dir, ": ", error.message()));
  }
  std::vector<v1::RunInfo> interrupted;  // to write back, unlocked
  {
    absl::MutexLock lock(&mu_);
    for (const auto& entry : it) {
      const std::filesystem::path path = entry.path();
      if (path.extension() != ".info") continue;
      const std::string id = path.stem().string();
      const int64_t number = Number(id);
      if (number == 0) {
        std::cerr << "aiotreach serve: ignoring " << path.string()
                  << ": not a run's file (run ids are run-<n>)\n";
        continue;
      }
      auto run = std::make_unique<Run>();
      // What is wrong with the run's files, if anything.
      std::string damage;
      absl::StatusOr<std::string> info_bytes = ReadFile(path.string());
      absl::StatusOr<std::string> scenario_bytes =
          ReadFile(PathOf(id, "scenario"));
      if (!info_bytes.ok() || !run->info.ParseFromString(*info_bytes) ||
          run->info.id() != id) {
        damage = absl::StrCat(id, ".info is unreadable");
      } else if (!scenario_bytes.ok() ||
                 !run->scenario.ParseFromString(*scenario_bytes)) {
        damage = absl::StrCat(id, ".scenario is missing or unreadable");
      } else if (run->info.state() == v1::RUN_STATE_SUCCEEDED) {
        absl::StatusOr<std::string> report_bytes =
            ReadFile(PathOf(id, "report"));
        auto report = std::make_shared<v1::Report>();
        // report_bytes is 0 in records of servers before it existed: their
        // reports are taken if they parse.
        const bool cut_short = report_bytes.ok() &&
                               run->info.report_bytes() != 0 &&
                               static_cast<int64_t>(report_bytes->size()) !=
                                   run->info.report_bytes();
        if (!report_bytes.ok() || cut_short ||
            !report->ParseFromString(*report_bytes)) {
          damage = absl::StrCat(id,
                                ".report is missing, cut short or "
                                "unreadable");
        } else {
          run->report = std::move(report);
        }
      }
      if (!damage.empty()) {
        std::cerr << "aiotreach serve: run " << id << " is damaged: " << damage
                  << " (in " << dir << ")\n";
        const std::string name = run->info.scenario_name();
        run->info.Clear();
        run->info.set_id(id);
        run->info.set_scenario_name(name);
        run->info.set_state(v1::RUN_STATE_DAMAGED);
        run->info.set_phase("damaged");
        run->info.set_error(damage);
        run->report = nullptr;
      } else if (!Ended(run->info.state())) {
        run->info.set_state(v1::RUN_STATE_INTERRUPTED);
        run->info.set_phase("interrupted");
        run->info.set_error(
            "the server stopped while the run was in flight; start it again");
        run->info.set_finished_unix_ms(NowMs());
        interrupted.push_back(run->info);
      }
      next_number_ = std::max(next_number_, number + 1);
      runs_.emplace(number, std::move(run));
    }
  }
  for (const v1::RunInfo& info : interrupted) Persist(info, nullptr, nullptr);
  return absl::OkStatus();
}

absl::StatusOr<v1::RunInfo> RunRegistry::Start(const v1::Scenario& scenario,
                                               const std::string& ecosystem_id,
                                               int ranks) {
  if (ranks < 0 || ranks > 65536) {
    return absl::InvalidArgumentError(
        absl::StrCat("ranks: must be in [0, 65536], got ", ranks));
  }
  if (ranks >= 2) {
    if (launcher_ == nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat("ranks: this server runs every run itself; start it "
                       "with --launcher \"mpirun -np {ranks}\" to run over ",
                       ranks, " ranks"));
    }
    if (!ecosystem_id.empty()) {
      return absl::InvalidArgumentError(
          "ranks: a run over ranks takes its scenario's own ecosystem; the "
          "stored one (ecosystem_id) lives in this server");
    }
    if (const absl::Status s = ValidateScenario(scenario); !s.ok()) return s;
  } else if (const absl::Status s = runner_->Validate(scenario, ecosystem_id);
             !s.ok()) {
    return s;
  }
  // The run's place, held until it is admitted: OK means it will run.
  if (const absl::Status s = runner_->Reserve(); !s.ok()) return s;
  Run* run = nullptr;
  v1::RunInfo info;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) {
      runner_->Unreserve();
      return absl::UnavailableError("the server is shutting down");
    }
    const int64_t number = next_number_++;
    auto owned = std::make_unique<Run>();
    run = owned.get();
    run->info.set_id(absl::StrCat("run-", number));
    run->info.set_scenario_name(scenario.name());
    run->info.set_state(v1::RUN_STATE_QUEUED);
    run->info.set_phase("queued");
    run->info.set_created_unix_ms(NowMs());
    run->scenario = scenario;
    run->ecosystem_id = ecosystem_id;
    run->ranks = ranks >= 2 ? ranks : 0;
    run->info.set_ranks(run->ranks);
    info = run->info;
    runs_.emplace(number, std::move(owned));
  }
  // Written before the worker can touch the run: its later writes follow.
  Persist(info, &scenario, nullptr);
  if (!pool_.Schedule([this, run] { Execute(run); })) {
    runner_->Unreserve();
    run->cancel.Cancel();
    Finish(run, absl::UnavailableError("the server is shutting down"));
  }
  return info;
}

void RunRegistry::Update(Run* run,
                         const std::function<void(v1::RunInfo*)>& change) {
  absl::MutexLock lock(&mu_);
  change(&run->info);
  changed_.SignalAll();
}

void RunRegistry::Execute(Run* run) {
  auto running = [this, run](const char* phase) {
    v1::RunInfo info;
    Update(run, [&info, phase](v1::RunInfo* i) {
      i->set_state(v1::RUN_STATE_RUNNING);
      i->set_phase(phase);
      info = *i;
    });
    Persist(info, nullptr, nullptr);
  };
  auto progress = [this, run](double f) {
    Update(run, [f](v1::RunInfo* info) { info->set_fraction(f); });
  };
  auto cancelled = [run] { return run->cancel.cancelled(); };
  if (run->ranks >= 2) {
    // A job over ranks: it keeps the place it reserved until it ends (the
    // engine runs in the job, not under the runner's admission).
    running("simulating over ranks");
    absl::StatusOr<v1::Report> report = launcher_->Run(
        run->scenario, run->ranks, run->info.id(), cancelled, progress);
    runner_->Unreserve();
    Finish(run, std::move(report));
    return;
  }
  CallControl call;
  call.reserved = true;
  call.cancelled = cancelled;
  call.on_admitted = [running] { running("simulating"); };
  call.progress = progress;
  Finish(run, runner_->Run(run->scenario, run->ecosystem_id, call));
}

void RunRegistry::Finish(Run* run, absl::StatusOr<v1::Report> report) {
  v1::RunInfo info;
  std::shared_ptr<const v1::Report> kept;
  {
    absl::MutexLock lock(&mu_);
    v1::RunInfo& i = run->info;
    i.set_finished_unix_ms(NowMs());
    if (report.ok()) {
      run->report = std::make_shared<v1::Report>(*std::move(report));
      i.set_state(v1::RUN_STATE_SUCCEEDED);
      i.set_fraction(1.0);
      i.set_phase("done");
      i.set_report_bytes(static_cast<int64_t>(run->report->ByteSizeLong()));
    } else if (run->cancel.cancelled() &&
               (absl::IsCancelled(report.status()) ||
                absl::IsUnavailable(report.status()))) {
      i.set_state(v1::RUN_STATE_CANCELLED);
      i.set_phase("cancelled");
      i.set_error(std::string(report.status().message()));
    } else {
      i.set_state(v1::RUN_STATE_FAILED);
      i.set_phase("failed");
      i.set_error(std::string(report.status().message()));
    }
    info = i;
    kept = run->report;
  }
  // Files first, then the news: a watcher told "done" finds them on disk.
  Persist(info, nullptr, kept.get());
  absl::MutexLock lock(&mu_);
  changed_.SignalAll();
}

absl::StatusOr<v1::GetRunResponse> RunRegistry::Get(
    const std::string& id) const {
  absl::MutexLock lock(&mu_);
  const auto it = runs_.find(Number(id));
  if (it == runs_.end()) return UnknownRun(id);
  v1::GetRunResponse response;
  *response.mutable_run() = it->second->info;
  if (it->second->report != nullptr)
    *response.mutable_report() = *it->second->report;
  return response;
}

absl::StatusOr<v1::ListRunsResponse> RunRegistry::List(
    const v1::ListRunsRequest& request) const {
  int page_size = request.page_size();
  if (page_size < 0 || page_size > kMaxPageSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "page_size: must be in [0, ", kMaxPageSize, "], got ", page_size));
  }
  if (page_size == 0) page_size = kDefaultPageSize;
  // The token is the number of the last run of the previous page.
  int64_t before = INT64_MAX;
  if (!request.page_token().empty() &&
      (!absl::SimpleAtoi(request.page_token(), &before) || before < 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_token: not a token ListRuns returned, got '",
                     request.page_token(), "'"));
  }
  absl::MutexLock lock(&mu_);
  v1::ListRunsResponse response;
  for (auto it = runs_.rbegin(); it != runs_.rend(); ++it) {
    if (it->first >= before) continue;
    const v1::RunInfo& info = it->second->info;
    if (request.state() != v1::RUN_STATE_UNSPECIFIED &&
        info.state() != request.state()) {
      continue;
    }
    if (response.runs_size() == page_size) {
      response.set_next_page_token(
          absl::StrCat(Number(response.runs(page_size - 1).id())));
      break;
    }
    *response.add_runs() = info;
  }
  return response;
}

absl::StatusOr<v1::RunInfo> RunRegistry::Cancel(const std::string& id) {
  absl::MutexLock lock(&mu_);
  const auto it = runs_.find(Number(id));
  if (it == runs_.end()) return UnknownRun(id);
  Run& run = *it->second;
  if (Ended(run.info.state())) {
    return absl::FailedPreconditionError(absl::StrCat(
        id, " has already ended (", v1::RunState_Name(run.info.state()), ")"));
  }
  run.cancel.Cancel();
  return run.info;
}

absl::Status RunRegistry::Watch(
    const std::string& id,
    const std::function<bool(const v1::RunInfo&, const v1::Report*)>& update,
    const std::function<bool()>& stop) const {
  v1::RunInfo sent;
  bool first = true;
  while (true) {
    v1::RunInfo now;
    std::shared_ptr<const v1::Report> report;
    {
      absl::MutexLock lock(&mu_);
      const auto it = runs_.find(Number(id));
      if (it == runs_.end()) return UnknownRun(id);
      const Run& run = *it->second;
      while (!first && !Ended(run.info.state()) &&
             run.info.state() == sent.state() &&
             run.info.fraction() < sent.fraction() + 0.01) {
        changed_.WaitWithTimeout(&mu_, absl::Milliseconds(200));
        if (stop()) return absl::OkStatus();
      }
      now = run.info;
      report = run.report;
    }
    if (!update(now, report.get())) return absl::OkStatus();
    if (Ended(now.state())) return absl::OkStatus();
    sent = now;
    first = false;
  }
}

void RunRegistry::Shutdown(absl::Duration grace) {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    const absl::Time until = absl::Now() + grace;
    auto all_ended = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      for (const auto& [n, run] : runs_) {
        if (!Ended(run->info.state())) return false;
      }
      return true;
    };
    while (!all_ended() && absl::Now() < until)
      changed_.WaitWithTimeout(&mu_, absl::Milliseconds(50));
    for (auto& [n, run] : runs_) {
      if (!Ended(run->info.state())) run->cancel.Cancel();
    }
  }
  // Queued runs start, see their cancel and end CANCELLED at once.
  pool_.Join();
}

std::map<std::string, int64_t> RunRegistry::CountByState() const {
  std::map<std::string, int64_t> counts;
  absl::MutexLock lock(&mu_);
  for (const auto& [number, run] : runs_)
    ++counts[v1::RunState_Name(run->info.state())];
  return counts;
}

}  // namespace aiotreach
