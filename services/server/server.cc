#include "services/server/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/impl/server_builder_option.h>
#include <grpcpp/impl/server_builder_plugin.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/stubs/logging.h"
#include "grpc/health/v1/health.pb.h"
#include "services/io/file_util.h"

namespace aiotreach {
namespace {

RunnerOptions RunnerOptionsOf(const ServerOptions& o) {
  RunnerOptions r;
  r.threads = o.threads;
  r.max_concurrent_runs = o.max_concurrent_runs;
  r.max_queued_runs = o.max_queued_runs;
  r.memory_budget_bytes = o.memory_budget_mb << 20;
  r.min_cell_people = o.min_cell_people;
  r.epsilon_budget = o.epsilon_budget;
  return r;
}

absl::Status Check(const ServerOptions& o) {
  if (o.listen.empty() || o.listen.find(':') == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("--listen: want host:port, got '", o.listen, "'"));
  }
  if (o.threads < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--threads: must be >= 0, got ", o.threads));
  }
  if (o.max_concurrent_runs < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--max_concurrent_runs: must be >= 1, got ", o.max_concurrent_runs));
  }
  if (o.max_queued_runs < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--max_queued_runs: must be >= 0, got ", o.max_queued_runs));
  }
  if (o.memory_budget_mb < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--memory_budget_mb: must be >= 1, got ", o.memory_budget_mb));
  }
  if (o.tls_cert.empty() != o.tls_key.empty()) {
    return absl::InvalidArgumentError(
        "--tls_cert and --tls_key: give both or neither");
  }
  if (!o.launcher.empty()) {
    LauncherOptions l;
    l.command = o.launcher;
    l.binary = o.launcher_binary;
    if (const absl::Status s = ValidateLauncher(l); !s.ok()) return s;
  }
  if (o.max_message_mb < 1 || o.max_message_mb > 2047) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--max_message_mb: must be in [1, 2047], got ", o.max_message_mb));
  }
  return absl::OkStatus();
}

// The file's contents, or InvalidArgument naming the flag.
absl::StatusOr<std::string> ReadFlagFile(const char* flag,
                                         const std::string& path) {
  absl::StatusOr<std::string> content = ReadFile(path);
  if (!content.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": ", content.status().message()));
  }
  return content;
}

// The first line of the token file, trimmed.
absl::StatusOr<std::string> ReadToken(const std::string& path) {
  if (path.empty()) return std::string();
  absl::StatusOr<std::string> content = ReadFlagFile("--auth_token_file", path);
  if (!content.ok()) return content.status();
  std::string token(absl::StripAsciiWhitespace(
      absl::string_view(*content).substr(0, content->find('\n'))));
  if (token.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("--auth_token_file: ", path,
                                                   " has no token on its "
                                                   "first line"));
  }
  return token;
}

// Removes the builder's plugin of a given name: how a server with a token
// leaves out reflection, whose plugin gRPC registers for every builder.
class WithoutPlugin : public grpc::ServerBuilderOption {
 public:
  explicit WithoutPlugin(std::string name) : name_(std::move(name)) {}
  void UpdateArguments(grpc::ChannelArguments*) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>*
                         plugins) override {
    plugins->erase(
        std::remove_if(plugins->begin(), plugins->end(),
                       [this](const auto& p) { return p->name() == name_; }),
        plugins->end());
  }

 private:
  std::string name_;
};

// Protobuf logs an ERROR line for every request with invalid UTF-8 in a
// string field, before any token check: anyone could fill the log. Those
// calls already answer INVALID_ARGUMENT (RequestStatusInterceptors), so the
// serving process drops these lines; protobuf's other messages go to
// stderr as before. Process-wide, installed once.
void LogProtobufWithoutParseNoise(google::protobuf::LogLevel level,
                                  const char* filename, int line,
                                  const std::string& message) {
  if (level == google::protobuf::LOGLEVEL_ERROR &&
      message.find("invalid UTF-8") != std::string::npos) {
    return;
  }
  static const char* const kLevels[] = {"INFO", "WARNING", "ERROR", "FATAL"};
  std::cerr << "[libprotobuf " << kLevels[level] << " " << filename << ":"
            << line << "] " << message << std::endl;
}

}  // namespace

ReachServer::ReachServer(const ServerOptions& options, std::string token)
    : auth_(std::move(token)),
      store_(options.memory_budget_mb << 20),
      runner_(RunnerOptionsOf(options), &store_, &metrics_),
      runs_(&runner_, options.data_dir),
      service_(&runner_, &store_, &runs_, options.threads, &auth_) {
  if (!options.launcher.empty()) {
    LauncherOptions l;
    l.command = options.launcher;
    l.binary = options.launcher_binary;
    l.threads = options.threads;
    // Jobs keep their files beside the runs while they run.
    if (!options.data_dir.empty()) l.work_dir = options.data_dir + "/jobs";
    launcher_ = std::make_unique<Launcher>(l);
    runs_.set_launcher(launcher_.get());
  }
}

void TuneAllocatorForServing() {
  // Large buffers from the heap, not fresh mappings; freed heap memory kept
  // up to 1 GiB rather than trimmed back to the kernel.
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
}

ReachServer::~ReachServer() { Shutdown(absl::ZeroDuration()); }

absl::StatusOr<std::unique_ptr<ReachServer>> ReachServer::Start(
    const ServerOptions& options) {
  if (const absl::Status s = Check(options); !s.ok()) return s;
  static std::once_flag quiet_protobuf;
  std::call_once(quiet_protobuf, [] {
    google::protobuf::SetLogHandler(&LogProtobufWithoutParseNoise);
  });
  absl::StatusOr<std::string> token = ReadToken(options.auth_token_file);
  if (!token.ok()) return token.status();
  std::shared_ptr<grpc::ServerCredentials> credentials =
      grpc::InsecureServerCredentials();
  if (!options.tls_cert.empty()) {
    absl::StatusOr<std::string> cert =
        ReadFlagFile("--tls_cert", options.tls_cert);
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key =
        ReadFlagFile("--tls_key", options.tls_key);
    if (!key.ok()) return key.status();
    grpc::SslServerCredentialsOptions ssl;
    ssl.pem_key_cert_pairs.push_back({*key, *cert});
    credentials = grpc::SslServerCredentials(ssl);
  }
  std::unique_ptr<ReachServer> server(
      new ReachServer(options, *std::move(token)));
  if (const absl::Status s = server->runs_.Load(); !s.ok()) return s;
  grpc::EnableDefaultHealthCheckService(true);
  // gRPC's built-in health service has no protobuf descriptor; touching
  // the vendored one links it in, so reflection (and `buf curl`) can
  // describe grpc.health.v1.Health too.
  grpc::health::v1::HealthCheckResponse::descriptor();
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  // Reflection describes the API to anyone who asks; gRPC 1.51 cannot put
  // it behind the token check, so a server with a token leaves it out
  // (clients then take the schema from proto/). Health stays open.
  if (!options.auth_token_file.empty()) {
    builder.SetOption(
        std::make_unique<WithoutPlugin>("proto_server_reflection"));
  }
  // One listening socket per address: with SO_REUSEPORT, gRPC binds port 0
  // once per poller, opening a second socket on another, unprinted port
  // that serves the full API (and lets another process share a fixed
  // port).
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.experimental().SetInterceptorCreators(
      RequestStatusInterceptors(&server->auth_, &server->metrics_));
  int port = 0;
  builder.AddListeningPort(options.listen, credentials, &port);
  builder.RegisterService(&server->service_);
  builder.SetMaxReceiveMessageSize(options.max_message_mb << 20);
  builder.SetMaxSendMessageSize(options.max_message_mb << 20);
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || port == 0) {
    return absl::UnavailableError(
        absl::StrCat("--listen: cannot listen on '", options.listen,
                     "' (in use, or not an address of this machine)"));
  }
  const std::string host = options.listen.substr(0, options.listen.rfind(':'));
  server->address_ = absl::StrCat(host, ":", port);
  if (!options.http_listen.empty()) {
    // The gateway calls this server in process: the same checks and limits
    // as any gRPC call.
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(options.max_message_mb << 20);
    args.SetMaxSendMessageSize(options.max_message_mb << 20);
    HttpOptions http;
    http.listen = options.http_listen;
    http.tls_cert = options.tls_cert;
    http.tls_key = options.tls_key;
    http.max_body_bytes = int64_t{options.max_message_mb} << 20;
    HttpHooks hooks;
    ReachServer* self = server.get();
    hooks.allows = [self](absl::string_view authorization) {
      return self->auth_.AllowsHeader(authorization);
    };
    hooks.metrics = [self] { return self->RenderMetrics(); };
    hooks.answered = [self](absl::string_view route, int status) {
      self->metrics_.Http(route, status);
    };
    absl::StatusOr<std::unique_ptr<HttpGateway>> gateway = HttpGateway::Start(
        http, server->server_->InProcessChannel(args), std::move(hooks));
    if (!gateway.ok()) return gateway.status();
    server->http_ = *std::move(gateway);
  }
  return server;
}

const std::string& ReachServer::http_address() const {
  static const std::string kNone;
  return http_ != nullptr ? http_->address() : kNone;
}

std::string ReachServer::RenderMetrics() const {
  MetricGauges g;
  const Runner::Load load = runner_.load();
  g.queued_runs = load.queued;
  g.running_runs = load.running;
  g.memory_estimated_bytes = load.reserved_bytes;
  g.memory_budget_bytes = runner_.options().memory_budget_bytes;
  g.stored_ecosystem_bytes = store_.used_bytes();
  g.stored_ecosystems = static_cast<int64_t>(store_.List().size());
  g.kept_runs = runs_.CountByState();
  return metrics_.Render(g);
}

void ReachServer::Shutdown(absl::Duration grace) {
  if (shut_down_ || server_ == nullptr) return;
  shut_down_ = true;
  // Kept runs and calls in flight get the same grace, side by side. The
  // HTTP gateway stops after the gRPC server, whose shutdown ends the
  // gateway's calls in flight (watch streams included).
  std::thread runs([this, grace] { runs_.Shutdown(grace); });
  server_->Shutdown(std::chrono::system_clock::now() +
                    absl::ToChronoMilliseconds(grace));
  server_->Wait();
  if (http_ != nullptr) http_->Shutdown();
  runs.join();
}

}  // namespace aiotreach
