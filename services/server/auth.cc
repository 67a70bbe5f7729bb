#include "services/server/auth.h"

#include <grpcpp/server_context.h>

#include "absl/strings/str_cat.h"

namespace aiotreach {

bool TokenCheck::Allows(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) const {
  if (token_.empty()) return true;
  const auto it = metadata.find("authorization");
  const std::string expected = "Bearer " + token_;
  if (it == metadata.end() || it->second.size() != expected.size())
    return false;
  // Compare every byte, whatever the first difference.
  unsigned char diff = 0;
  for (size_t i = 0; i < expected.size(); ++i)
    diff |= static_cast<unsigned char>(it->second.data()[i] ^ expected[i]);
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
                           const TokenCheck* auth)
      : info_(info), auth_(auth) {}

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
    }
    methods->Proceed();
  }

 private:
  grpc::experimental::ServerRpcInfo* info_;
  const TokenCheck* auth_;
};

class RequestStatusFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit RequestStatusFactory(const TokenCheck* auth) : auth_(auth) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new RequestStatusInterceptor(info, auth_);
  }

 private:
  const TokenCheck* auth_;
};

}  // namespace

std::vector<
    std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
RequestStatusInterceptors(const TokenCheck* auth) {
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      out;
  out.push_back(std::make_unique<RequestStatusFactory>(auth));
  return out;
}

}  // namespace aiotreach
