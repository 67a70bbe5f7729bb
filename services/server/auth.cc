#include "services/server/auth.h"

#include <grpcpp/server_context.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace aiotreach {

bool TokenCheck::Allows(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) const {
  if (token_.empty()) return true;
  const auto it = metadata.find("authorization");
  if (it == metadata.end()) return false;
  return AllowsHeader(absl::string_view(it->second.data(), it->second.size()));
}

bool TokenCheck::AllowsHeader(absl::string_view authorization) const {
  if (token_.empty()) return true;
  const std::string expected = "Bearer " + token_;
  if (authorization.size() != expected.size()) return false;
  // Compare every byte, whatever the first difference.
  unsigned char diff = 0;
  for (size_t i = 0; i < expected.size(); ++i)
    diff |= static_cast<unsigned char>(authorization[i] ^ expected[i]);
  return diff == 0;
}

grpc::Status TokenCheck::Denied() {
  return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                      "send \"authorization: Bearer <token>\" metadata with "
                      "the server's token (--auth_token_file)");
}

namespace {

using grpc::experimental::InterceptionHookPoints;

// Rewrites the status of a call whose request gRPC could not parse (its
// handler never ran; gRPC says INTERNAL with an empty message): our
// handlers never answer INTERNAL without a message.
class RequestStatusInterceptor : public grpc::experimental::Interceptor {
 public:
  RequestStatusInterceptor(grpc::experimental::ServerRpcInfo* info,
                           const TokenCheck* auth, Metrics* metrics)
      : info_(info), auth_(auth), metrics_(metrics), start_(absl::Now()) {}

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status status = methods->GetSendStatus();
      if (status.error_code() == grpc::StatusCode::INTERNAL &&
          status.error_message().empty()) {
        const auto* context =
            static_cast<const grpc::ServerContext*>(info_->server_context());
        if (auth_->required() && !auth_->Allows(context->client_metadata())) {
          methods->ModifySendStatus(TokenCheck::Denied());
        } else {
          methods->ModifySendStatus(grpc::Status(
              grpc::StatusCode::INVALID_ARGUMENT,
              absl::StrCat("request: not a valid request message for ",
                           info_->method(),
                           " (the bytes do not parse as its protobuf)")));
        }
      }
      if (metrics_ != nullptr) {
        const absl::string_view method(info_->method());
        metrics_->Rpc(method.substr(method.rfind('/') + 1),
                      methods->GetSendStatus().error_code(),
                      absl::ToDoubleSeconds(absl::Now() - start_));
      }
    }
    methods->Proceed();
  }

 private:
  grpc::experimental::ServerRpcInfo* info_;
  const TokenCheck* auth_;
  Metrics* metrics_;
  const absl::Time start_;
};

class RequestStatusFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  RequestStatusFactory(const TokenCheck* auth, Metrics* metrics)
      : auth_(auth), metrics_(metrics) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new RequestStatusInterceptor(info, auth_, metrics_);
  }

 private:
  const TokenCheck* auth_;
  Metrics* metrics_;
};

}  // namespace

std::vector<
    std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
RequestStatusInterceptors(const TokenCheck* auth, Metrics* metrics) {
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      out;
  out.push_back(std::make_unique<RequestStatusFactory>(auth, metrics));
  return out;
}

}  // namespace aiotreach
