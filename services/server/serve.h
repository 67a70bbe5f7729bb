// `aiotreach serve`: runs the server until SIGTERM or SIGINT, then stops
// taking calls, lets runs in flight finish for up to `grace` and cancels the
// rest. Prints the address it listens on (with the port chosen for port 0).
#ifndef AIOTREACH_SERVICES_SERVER_SERVE_H_
#define AIOTREACH_SERVICES_SERVER_SERVE_H_

#include <ostream>

#include "absl/time/time.h"
#include "services/server/server.h"

namespace aiotreach {

// Returns the process's exit status: 0 after a clean shutdown, 1 if the
// server could not start (the reason on `err`).
int Serve(const ServerOptions& options, absl::Duration grace, std::ostream& out,
          std::ostream& err);

}  // namespace aiotreach

#endif  // AIOTREACH_SERVICES_SERVER_SERVE_H_
