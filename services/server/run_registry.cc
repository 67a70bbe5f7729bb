#include "services/server/run_registry.h"

#include <chrono>
#include <filesystem>
#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
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
         s == v1::RUN_STATE_CANCELLED || s == v1::RUN_STATE_INTERRUPTED;
}

// "run-12" -> 12, or 0.
int64_t Number(absl::string_view id) {
  int64_t n = 0;
  if (!absl::ConsumePrefix(&id, "run-") || !absl::SimpleAtoi(id, &n)) return 0;
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

void RunRegistry::Persist(const Run& run, bool with_scenario) const {
  if (data_dir_.empty()) return;
  absl::Status s = MakeDirectories(data_dir_ + "/runs");
  const std::string& id = run.info.id();
  if (s.ok() && with_scenario) {
    s = WriteFileAtomically(PathOf(id, "scenario"),
                            run.scenario.SerializeAsString());
  }
  // The report before the info that says the run succeeded.
  if (s.ok() && run.report != nullptr) {
    s = WriteFileAtomically(PathOf(id, "report"),
                            run.report->SerializeAsString());
  }
  if (s.ok())
    s = WriteFileAtomically(PathOf(id, "info"), run.info.SerializeAsString());
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
  absl::MutexLock lock(&mu_);
  for (const auto& entry : it) {
    const std::filesystem::path path = entry.path();
    if (path.extension() != ".info") continue;
    const std::string id = path.stem().string();
    const int64_t number = Number(id);
    absl::StatusOr<std::string> info_bytes = ReadFile(path.string());
    absl::StatusOr<std::string> scenario_bytes =
        ReadFile(PathOf(id, "scenario"));
    auto run = std::make_unique<Run>();
    if (number == 0 || !info_bytes.ok() || !scenario_bytes.ok() ||
        !run->info.ParseFromString(*info_bytes) ||
        !run->scenario.ParseFromString(*scenario_bytes)) {
      continue;  // never written whole: files are renamed into place
    }
    if (run->info.state() == v1::RUN_STATE_SUCCEEDED) {
      absl::StatusOr<std::string> report_bytes = ReadFile(PathOf(id, "report"));
      auto report = std::make_shared<v1::Report>();
      if (report_bytes.ok() && report->ParseFromString(*report_bytes))
        run->report = std::move(report);
    }
    if (!Ended(run->info.state())) {
      run->info.set_state(v1::RUN_STATE_INTERRUPTED);
      run->info.set_phase("interrupted");
      run->info.set_error(
          "the server stopped while the run was in flight; start it again");
      run->info.set_finished_unix_ms(NowMs());
      Persist(*run, /*with_scenario=*/false);
    }
    next_number_ = std::max(next_number_, number + 1);
    runs_.emplace(number, std::move(run));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::RunInfo> RunRegistry::Start(
    const v1::Scenario& scenario, const std::string& ecosystem_id) {
  if (const absl::Status s = runner_->Validate(scenario, ecosystem_id);
      !s.ok()) {
    return s;
  }
  if (!runner_->HasRoom()) {
    return absl::ResourceExhaustedError(
        "the server runs and queues as many runs as it takes "
        "(--max_concurrent_runs); try again later");
  }
  absl::MutexLock lock(&mu_);
  if (stopping_) return absl::UnavailableError("the server is shutting down");
  const int64_t number = next_number_++;
  auto owned = std::make_unique<Run>();
  Run* run = owned.get();
  run->info.set_id(absl::StrCat("run-", number));
  run->info.set_scenario_name(scenario.name());
  run->info.set_state(v1::RUN_STATE_QUEUED);
  run->info.set_phase("queued");
  run->info.set_created_unix_ms(NowMs());
  run->scenario = scenario;
  run->ecosystem_id = ecosystem_id;
  runs_.emplace(number, std::move(owned));
  Persist(*run, /*with_scenario=*/true);
  threads_.emplace_back([this, run] { Execute(run); });
  return run->info;
}

void RunRegistry::Update(Run* run,
                         const std::function<void(v1::RunInfo*)>& change) {
  absl::MutexLock lock(&mu_);
  change(&run->info);
  changed_.SignalAll();
}

void RunRegistry::Execute(Run* run) {
  CallControl call;
  call.cancelled = [run] { return run->cancel.cancelled(); };
  call.on_admitted = [this, run] {
    Update(run, [](v1::RunInfo* info) {
      info->set_state(v1::RUN_STATE_RUNNING);
      info->set_phase("simulating");
    });
    absl::MutexLock lock(&mu_);
    Persist(*run, false);
  };
  call.progress = [this, run](double f) {
    Update(run, [f](v1::RunInfo* info) { info->set_fraction(f); });
  };
  absl::StatusOr<v1::Report> report =
      runner_->Run(run->scenario, run->ecosystem_id, call);
  absl::MutexLock lock(&mu_);
  v1::RunInfo& info = run->info;
  info.set_finished_unix_ms(NowMs());
  if (report.ok()) {
    run->report = std::make_shared<v1::Report>(*std::move(report));
    info.set_state(v1::RUN_STATE_SUCCEEDED);
    info.set_fraction(1.0);
    info.set_phase("done");
  } else if (run->cancel.cancelled() && absl::IsCancelled(report.status())) {
    info.set_state(v1::RUN_STATE_CANCELLED);
    info.set_phase("cancelled");
    info.set_error(std::string(report.status().message()));
  } else {
    info.set_state(v1::RUN_STATE_FAILED);
    info.set_phase("failed");
    info.set_error(std::string(report.status().message()));
  }
  Persist(*run, false);
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
  std::vector<std::thread> threads;
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
    threads.swap(threads_);
  }
  for (std::thread& t : threads) t.join();
}

}  // namespace aiotreach
