#include "services/server/launcher.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"
#include "services/io/file_util.h"

extern char** environ;

namespace aiotreach {
namespace {

constexpr char kRanks[] = "{ranks}";
// Output lines kept for an error message.
constexpr size_t kKeptLines = 20;

std::string SelfBinary() {
  std::error_code error;
  const std::filesystem::path self =
      std::filesystem::read_symlink("/proc/self/exe", error);
  return error ? std::string() : self.string();
}

// `s` as one shell word.
std::string ShellQuote(const std::string& s) {
  return absl::StrCat("'", absl::StrReplaceAll(s, {{"'", "'\\''"}}), "'");
}

// The job's output, line by line: progress lines move the fraction, the
// last others are kept for an error message.
class OutputLines {
 public:
  explicit OutputLines(const std::function<void(double)>& progress)
      : progress_(progress) {}

  void Add(const char* data, size_t n) {
    partial_.append(data, n);
    size_t start = 0;
    for (size_t nl; (nl = partial_.find('\n', start)) != std::string::npos;
         start = nl + 1) {
      Line(partial_.substr(start, nl - start));
    }
    partial_.erase(0, start);
  }
  std::string Last() const { return absl::StrJoin(kept_, "\n"); }

 private:
  void Line(const std::string& line) {
    double f;
    if (absl::StartsWith(line, "progress ") &&
        absl::SimpleAtod(line.substr(9), &f)) {
      if (progress_) progress_(f);
      return;
    }
    if (line.empty()) return;
    kept_.push_back(line);
    if (kept_.size() > kKeptLines) kept_.pop_front();
  }

  std::function<void(double)> progress_;
  std::string partial_;
  std::deque<std::string> kept_;
};

}  // namespace

absl::Status ValidateLauncher(const LauncherOptions& options) {
  if (options.command.find(kRanks) == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--launcher: must contain {ranks} where the number of ranks goes "
        "(e.g. \"mpirun -np {ranks}\"), got \"",
        options.command, "\""));
  }
  const std::string binary =
      options.binary.empty() ? SelfBinary() : options.binary;
  if (binary.empty() || access(binary.c_str(), X_OK) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--launcher: cannot run the aiotreach binary \"", binary,
                     "\" for the jobs"));
  }
  return absl::OkStatus();
}

Launcher::Launcher(LauncherOptions options) : options_(std::move(options)) {
  if (options_.binary.empty()) options_.binary = SelfBinary();
  if (options_.work_dir.empty()) {
    options_.work_dir = (std::filesystem::temp_directory_path() /
                         absl::StrCat("aiotreach-launched-", getpid()))
                            .string();
    owns_work_dir_ = true;
  }
}

Launcher::~Launcher() {
  if (!owns_work_dir_) return;
  std::error_code ignored;
  std::filesystem::remove_all(options_.work_dir, ignored);
}

absl::StatusOr<v1::Report> Launcher::Run(
    const v1::Scenario& scenario, int ranks, const std::string& id,
    const std::function<bool()>& cancelled,
    const std::function<void(double)>& progress) {
  // The job's folder: the scenario, and its outputs under out/.
  const std::filesystem::path dir =
      std::filesystem::path(options_.work_dir) / id;
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  const std::string out_dir = (dir / "out").string();
  if (absl::Status made = MakeDirectories(out_dir); !made.ok()) return made;
  struct Cleanup {
    std::filesystem::path dir;
    ~Cleanup() {
      std::error_code e;
      std::filesystem::remove_all(dir, e);
    }
  } cleanup{dir};
  v1::Scenario job = scenario;
  if (job.name().empty()) job.set_name("run");
  std::string text;
  google::protobuf::TextFormat::PrintToString(job, &text);
  const std::string file = (dir / "scenario.textproto").string();
  if (absl::Status written = WriteFileAtomically(file, text); !written.ok())
    return written;

  const std::string command = absl::StrCat(
      absl::StrReplaceAll(options_.command, {{kRanks, absl::StrCat(ranks)}}),
      " ", ShellQuote(options_.binary), " run ", ShellQuote(file), " --out ",
      ShellQuote(out_dir), " --format json --quiet --progress_lines --threads ",
      options_.threads);

  // The job in its own process group, its output (both streams) to a pipe.
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0)
    return absl::InternalError("launcher: cannot make a pipe");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null",
                                   O_RDONLY, 0);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  const char* argv[] = {"/bin/sh", "-c", command.c_str(), nullptr};
  pid_t pid = -1;
  const int spawned = posix_spawn(&pid, "/bin/sh", &actions, &attr,
                                  const_cast<char* const*>(argv), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(pipe_fds[1]);
  if (spawned != 0) {
    close(pipe_fds[0]);
    return absl::UnavailableError(
        absl::StrCat("launcher: cannot start /bin/sh: error ", spawned));
  }

  OutputLines lines(progress);
  bool stopping = false;
  auto stop_at = std::chrono::steady_clock::time_point::max();
  char buffer[4096];
  while (true) {
    if (!stopping && cancelled && cancelled()) {
      stopping = true;
      kill(-pid, SIGTERM);
      stop_at = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    }
    if (stopping && std::chrono::steady_clock::now() > stop_at) {
      kill(-pid, SIGKILL);
      stop_at = std::chrono::steady_clock::time_point::max();
    }
    pollfd p{pipe_fds[0], POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    const ssize_t n = read(pipe_fds[0], buffer, sizeof(buffer));
    if (n <= 0) break;  // every process of the job closed its output
    lines.Add(buffer, static_cast<size_t>(n));
  }
  close(pipe_fds[0]);
  int status = 0;
  // Reaped only now, so the group's id cannot have been reused by another
  // process group while it was being signalled above.
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }

  if (stopping) return absl::CancelledError("run cancelled; job stopped");
  const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  const std::string base = absl::StrCat(out_dir, "/", job.name());
  if (!ok) {
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (code == 127) {
      return absl::UnavailableError(absl::StrCat(
          "launcher: cannot start \"", options_.command, "\": ", lines.Last()));
    }
    std::string why;
    for (const auto& entry :
         std::filesystem::directory_iterator(out_dir, ignored)) {
      if (absl::EndsWith(entry.path().string(), ".error.txt")) {
        absl::StatusOr<std::string> e = ReadFile(entry.path().string());
        if (e.ok()) why = *e;
      }
    }
    return absl::UnknownError(absl::StrCat(
        "the job over ", ranks, " ranks failed (",
        WIFEXITED(status) ? absl::StrCat("exit status ", code)
                          : absl::StrCat("signal ", WTERMSIG(status)),
        ")", why.empty() ? "" : absl::StrCat(": ", why),
        lines.Last().empty() ? ""
                             : absl::StrCat("; its output:\n", lines.Last())));
  }
  // The report: the one JSON file the job wrote.
  for (const auto& entry :
       std::filesystem::directory_iterator(out_dir, ignored)) {
    if (entry.path().extension() != ".json") continue;
    absl::StatusOr<std::string> json = ReadFile(entry.path().string());
    if (!json.ok()) return json.status();
    v1::Report report;
    google::protobuf::util::JsonParseOptions parse;
    if (!google::protobuf::util::JsonStringToMessage(*json, &report, parse)
             .ok()) {
      return absl::InternalError(absl::StrCat("launcher: the job's report ",
                                              entry.path().string(),
                                              " does not parse"));
    }
    return report;
  }
  return absl::InternalError(absl::StrCat(
      "launcher: the job succeeded but wrote no report in ", out_dir));
}

}  // namespace aiotreach
