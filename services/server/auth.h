// The service's bearer-token check, and the interceptor that gives every
// call the right status when its request never reached a handler.
//
//   TokenCheck auth("s3cret");
//   if (!auth.Allows(context->client_metadata())) return TokenCheck::Denied();
//
//   builder.experimental().SetInterceptorCreators(
//       RequestStatusInterceptors(&auth));
//
// gRPC 1.51 lets a server interceptor rewrite a call's status but not stop
// its handler, so the handlers ask TokenCheck (ReachServiceImpl::Authorize)
// and the interceptor covers what they never see: a request gRPC could not
// parse came back INTERNAL with an empty message, before any token check.
// It now comes back UNAUTHENTICATED without the token and INVALID_ARGUMENT
// with it. Health checking is open (docs/SERVICE.md).
//
// Thread-safe.
#ifndef AIOTREACH_SERVICES_SERVER_AUTH_H_
#define AIOTREACH_SERVICES_SERVER_AUTH_H_

#include <grpcpp/support/server_interceptor.h>
#include <grpcpp/support/status.h>
#include <grpcpp/support/string_ref.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "services/server/metrics.h"

namespace aiotreach {

class TokenCheck {
 public:
  // An empty token allows every call.
  explicit TokenCheck(std::string token) : token_(std::move(token)) {}

  // True if the metadata carries "authorization: Bearer <token>", compared
  // in constant time (the time taken says nothing of the token).
  bool Allows(
      const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) const;

  // The same check of an HTTP Authorization header's value.
  bool AllowsHeader(absl::string_view authorization) const;

  bool required() const { return !token_.empty(); }

  // UNAUTHENTICATED, saying what to send.
  static grpc::Status Denied();

 private:
  const std::string token_;
};

// The interceptors of every call: one today, the request-status rewrite
// above, which also records each call's method, final status and latency
// in `metrics` (if not null). `auth` and `metrics` must outlive the server.
std::vector<
    std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
RequestStatusInterceptors(const TokenCheck* auth, Metrics* metrics = nullptr);

}  // namespace aiotreach

#endif  // AIOTREACH_SERVICES_SERVER_AUTH_H_
