#include "services/server/grpc_status.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace aiotreach {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  const int code = static_cast<int>(status.code());
  // Both enums number the canonical codes 0..16 alike.
  const grpc::StatusCode grpc_code = code >= 0 && code <= 16
                                         ? static_cast<grpc::StatusCode>(code)
                                         : grpc::StatusCode::UNKNOWN;
  absl::string_view message = status.message();
  if (message.size() <= kMaxStatusMessageBytes)
    return grpc::Status(grpc_code, std::string(message));
  // Cut at a UTF-8 character boundary, saying so: a message travels in the
  // trailers, which a peer may refuse past a few KiB.
  size_t cut = kMaxStatusMessageBytes;
  while (cut > 0 && (static_cast<unsigned char>(message[cut]) & 0xC0) == 0x80)
    --cut;
  return grpc::Status(grpc_code,
                      absl::StrCat(message.substr(0, cut), "... (cut from ",
                                   message.size(), " bytes)"));
}

}  // namespace aiotreach
