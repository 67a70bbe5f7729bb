// HTTP/JSON beside gRPC: every ReachService method as POST /v1/<Method>
// with the request and response in proto3 JSON (the same messages, field
// names as in the .proto files), /healthz, /metrics in Prometheus's text
// format, and the what-if page. Calls go to the gRPC server through an
// in-process channel, so they take the same path as any gRPC call: the
// same token check, validation, admission, limits and metrics. No second
// engine path. Built on Debian's cpp-httplib.
//
//   HttpOptions options;
//   options.listen = "127.0.0.1:0";
//   absl::StatusOr<std::unique_ptr<HttpGateway>> http =
//       HttpGateway::Start(options, server->InProcessChannel(args), hooks);
//   (*http)->address();  // "127.0.0.1:40124"
//
// docs/SERVICE.md documents the routes, status codes and error bodies.
#ifndef AIOTREACH_SERVICES_HTTP_HTTP_GATEWAY_H_
#define AIOTREACH_SERVICES_HTTP_HTTP_GATEWAY_H_

#include <grpcpp/channel.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace httplib {
class Server;
}

namespace aiotreach {

struct HttpOptions {
  // host:port; port 0 picks a free one.
  std::string listen;
  // PEM files: with both, HTTPS only.
  std::string tls_cert;
  std::string tls_key;
  // The largest request body; larger ones get 413.
  int64_t max_body_bytes = int64_t{64} << 20;
};

// What the gateway asks of the server it fronts.
struct HttpHooks {
  // True if an Authorization header value carries the server's token (or
  // the server has none). /healthz and the page are open; /metrics and the
  // API need the token.
  std::function<bool(absl::string_view authorization)> allows;
  // The Prometheus text for /metrics.
  std::function<std::string()> metrics;
  // Records an answered request: the route pattern and the status.
  std::function<void(absl::string_view route, int status)> answered;
};

class HttpGateway {
 public:
  // Listens and serves on a thread of its own. InvalidArgument for bad
  // options (naming the flag), Unavailable if the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<HttpGateway>> Start(
      const HttpOptions& options, std::shared_ptr<grpc::Channel> channel,
      HttpHooks hooks);
  ~HttpGateway();

  // The address listened on, with the port chosen for port 0.
  const std::string& address() const { return address_; }

  // Stops listening; requests in flight end first (watch streams end
  // when the gRPC server shuts down).
  void Shutdown();

 private:
  HttpGateway() = default;
  void AddRoutes();

  std::shared_ptr<grpc::Channel> channel_;
  HttpHooks hooks_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::string address_;
};

// The HTTP status of a gRPC status code (as grpc-gateway maps them).
int HttpStatusOf(int grpc_code);

}  // namespace aiotreach

#endif  // AIOTREACH_SERVICES_HTTP_HTTP_GATEWAY_H_
