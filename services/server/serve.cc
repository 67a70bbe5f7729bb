#include "services/server/serve.h"

#include <pthread.h>
#include <signal.h>

namespace aiotreach {

int Serve(const ServerOptions& options, absl::Duration grace, std::ostream& out,
          std::ostream& err) {
  // Block the stop signals before any gRPC thread starts, so that they
  // inherit the mask and this thread alone takes them, in sigwait.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  TuneAllocatorForServing();
  absl::StatusOr<std::unique_ptr<ReachServer>> server =
      ReachServer::Start(options);
  if (!server.ok()) {
    err << "aiotreach serve: " << server.status().message() << "\n";
    return 1;
  }
  out << "aiotreach serve: listening on " << (*server)->address() << std::endl;
  if (!(*server)->http_address().empty()) {
    out << "aiotreach serve: HTTP on " << (*server)->http_address()
        << " (the what-if page at /, POST /v1/<Method>, /healthz, /metrics)"
        << std::endl;
  }
  int signal = 0;
  sigwait(&stop, &signal);
  out << "aiotreach serve: " << (signal == SIGINT ? "SIGINT" : "SIGTERM")
      << ", shutting down (runs in flight get " << absl::FormatDuration(grace)
      << ")" << std::endl;
  (*server)->Shutdown(grace);
  out << "aiotreach serve: stopped" << std::endl;
  return 0;
}

}  // namespace aiotreach
