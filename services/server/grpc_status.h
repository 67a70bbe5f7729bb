// The one place engine statuses become gRPC statuses.
//
//   return ToGrpcStatus(engine_result.status());
//
// Codes map one to one (absl::StatusCode and grpc::StatusCode share their
// numbering); the message is kept as the engine wrote it, naming the field
// and the value, and cut past kMaxStatusMessageBytes (it travels in the
// trailers, which peers refuse past their header limit).
#ifndef AIOTREACH_SERVICES_SERVER_GRPC_STATUS_H_
#define AIOTREACH_SERVICES_SERVER_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include <cstddef>

#include "absl/status/status.h"

namespace aiotreach {

inline constexpr size_t kMaxStatusMessageBytes = 4096;

grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace aiotreach

#endif  // AIOTREACH_SERVICES_SERVER_GRPC_STATUS_H_
