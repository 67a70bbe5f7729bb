// Test helpers for calls to a running ReachServer.
//
//   std::vector<v1::WatchRunResponse> seen = WatchToEnd(stub.get(), "run-1");
#ifndef AIOTREACH_SERVICES_SERVER_RPC_TESTING_H_
#define AIOTREACH_SERVICES_SERVER_RPC_TESTING_H_

#include <grpcpp/client_context.h>

#include <string>
#include <vector>

#include "aiotreach/v1/service.grpc.pb.h"
#include "gtest/gtest.h"

namespace aiotreach {

// Every WatchRun message until the run ends; a failed stream fails the
// test.
inline std::vector<v1::WatchRunResponse> WatchToEnd(
    v1::ReachService::Stub* stub, const std::string& id) {
  grpc::ClientContext context;
  v1::WatchRunRequest watch;
  watch.set_id(id);
  auto reader = stub->WatchRun(&context, watch);
  std::vector<v1::WatchRunResponse> seen;
  v1::WatchRunResponse message;
  while (reader->Read(&message)) seen.push_back(message);
  EXPECT_TRUE(reader->Finish().ok());
  return seen;
}

}  // namespace aiotreach

#endif  // AIOTREACH_SERVICES_SERVER_RPC_TESTING_H_
