// The aiotreach gRPC server: ReachService, gRPC health checking and server
// reflection on one port.
//
//   ServerOptions options;
//   options.listen = "127.0.0.1:0";  // port 0: a free one
//   absl::StatusOr<std::unique_ptr<ReachServer>> server =
//       ReachServer::Start(options);
//   std::cout << (*server)->address();  // "127.0.0.1:40123"
//   (*server)->Shutdown(absl::Seconds(10));
#ifndef AIOTREACH_SERVICES_SERVER_SERVER_H_
#define AIOTREACH_SERVICES_SERVER_SERVER_H_

#include <grpcpp/server.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/http/http_gateway.h"
#include "services/server/ecosystem_store.h"
#include "services/server/launcher.h"
#include "services/server/metrics.h"
#include "services/server/reach_service.h"
#include "services/server/run_registry.h"
#include "services/server/runner.h"

namespace aiotreach {

struct ServerOptions {
  // host:port to listen on; loopback by default. Port 0 picks a free one.
  std::string listen = "127.0.0.1:50051";
  int threads = 0;              // engine threads a run; 0: all cores
  int max_concurrent_runs = 2;  // runs at once; more wait in a queue
  int max_queued_runs = 64;     // waiting runs beyond it: RESOURCE_EXHAUSTED
  // Memory for runs and stored ecosystems together, MiB.
  int64_t memory_budget_mb = 4096;
  // Privacy floors (RunnerOptions): --min_cell_people, --epsilon_budget.
  int64_t min_cell_people = 0;
  double epsilon_budget = 0.0;
  int max_message_mb = 64;  // largest request or response, MiB
  // Where runs started by StartRun are kept (runs/<id>.*); empty: in
  // memory only, gone at exit.
  std::string data_dir;
  // PEM files: with both, the server speaks TLS only.
  std::string tls_cert;
  std::string tls_key;
  // A file whose first line is a token: every ReachService call must then
  // carry "authorization: Bearer <token>" metadata (UNAUTHENTICATED
  // otherwise). Health checking stays open.
  std::string auth_token_file;
  // A launcher command with {ranks} ("mpirun -np {ranks}"): StartRun with
  // ranks >= 2 runs the scenario as a job over that many MPI ranks; empty:
  // runs stay in the server.
  std::string launcher;
  // The aiotreach binary the launcher starts; empty: this one.
  std::string launcher_binary;
  // host:port for HTTP/JSON, /healthz, /metrics and the what-if page beside
  // gRPC (services/http); empty: none. The same TLS files and token apply.
  std::string http_listen;
};

// Keeps freed memory in the process instead of returning it to the
// kernel, so that run after run reuses pages rather than faulting fresh
// ones in (a sixth of a small run's time otherwise). Process-wide: call
// once, from a serving process's main.
void TuneAllocatorForServing();

class ReachServer {
 public:
  // Listens and serves. InvalidArgument for bad options, Unavailable if
  // the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<ReachServer>> Start(
      const ServerOptions& options);

  ~ReachServer();

  // The address actually listened on, with the port chosen for port 0.
  const std::string& address() const { return address_; }
  // The HTTP address likewise; empty without --http_listen.
  const std::string& http_address() const;

  // /metrics' text: the counters and the server's gauges now.
  std::string RenderMetrics() const;

  // Stops taking new calls, lets calls and runs in flight finish for up to
  // `grace`, then cancels them (runs stop through the engine's cancel
  // token; kept runs end CANCELLED).
  void Shutdown(absl::Duration grace);

  const Runner& runner() const { return runner_; }

 private:
  ReachServer(const ServerOptions& options, std::string token);

  TokenCheck auth_;
  Metrics metrics_;
  EcosystemStore store_;
  Runner runner_;
  std::unique_ptr<Launcher> launcher_;  // null without --launcher
  RunRegistry runs_;
  ReachServiceImpl service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<HttpGateway> http_;  // null without --http_listen
  std::string address_;
  bool shut_down_ = false;
};

}  // namespace aiotreach

#endif  // AIOTREACH_SERVICES_SERVER_SERVER_H_
