#include "services/server/grpc_status.h"

#include <string>

#include "gtest/gtest.h"

namespace aiotreach {
namespace {

TEST(GrpcStatusTest, CodesMapOneToOne) {
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
  const grpc::Status s = ToGrpcStatus(absl::InvalidArgumentError("a.b: bad"));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(), "a.b: bad");
  EXPECT_EQ(ToGrpcStatus(absl::ResourceExhaustedError("x")).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
}

// An 8.4 MB message once overflowed gRPC's header limit.
TEST(GrpcStatusTest, LongMessagesAreCutAtACharacterBoundary) {
  std::string long_message = "x";
  for (int i = 0; i < 1'000'000; ++i) long_message += "广";
  const grpc::Status s = ToGrpcStatus(absl::InvalidArgumentError(long_message));
  EXPECT_LE(s.error_message().size(), kMaxStatusMessageBytes + 40);
  EXPECT_NE(s.error_message().find("... (cut from 3000001 bytes)"),
            std::string::npos);
  // 1 + 3k bytes kept: the cut falls between characters.
  EXPECT_EQ((s.error_message().find("...") - 1) % 3, 0u);
}

}  // namespace
}  // namespace aiotreach
