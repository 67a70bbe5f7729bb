#include "services/server/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include <chrono>
#include <thread>

#include "absl/strings/str_cat.h"

namespace aiotreach {
namespace {

RunnerOptions RunnerOptionsOf(const ServerOptions& o) {
  RunnerOptions r;
  r.threads = o.threads;
  r.max_concurrent_runs = o.max_concurrent_runs;
  r.max_queued_runs = o.max_queued_runs;
  r.memory_budget_bytes = o.memory_budget_mb << 20;
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
  if (o.max_message_mb < 1 || o.max_message_mb > 2047) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--max_message_mb: must be in [1, 2047], got ", o.max_message_mb));
  }
  return absl::OkStatus();
}

}  // namespace

ReachServer::ReachServer(const ServerOptions& options)
    : store_(options.memory_budget_mb << 20),
      runner_(RunnerOptionsOf(options), &store_),
      runs_(&runner_, options.data_dir),
      service_(&runner_, &store_, &runs_, options.threads) {}

ReachServer::~ReachServer() { Shutdown(absl::ZeroDuration()); }

absl::StatusOr<std::unique_ptr<ReachServer>> ReachServer::Start(
    const ServerOptions& options) {
  if (const absl::Status s = Check(options); !s.ok()) return s;
  std::unique_ptr<ReachServer> server(new ReachServer(options));
  if (const absl::Status s = server->runs_.Load(); !s.ok()) return s;
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(options.listen, grpc::InsecureServerCredentials(),
                           &port);
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
  return server;
}

void ReachServer::Shutdown(absl::Duration grace) {
  if (shut_down_ || server_ == nullptr) return;
  shut_down_ = true;
  // Kept runs and calls in flight get the same grace, side by side.
  std::thread runs([this, grace] { runs_.Shutdown(grace); });
  server_->Shutdown(std::chrono::system_clock::now() +
                    absl::ToChronoMilliseconds(grace));
  server_->Wait();
  runs.join();
}

}  // namespace aiotreach
