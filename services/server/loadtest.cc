// Measures RunScenario latency under concurrent clients: starts the server
// in-process (or uses --address), runs `clients` threads that each call
// RunScenario back to back with one scenario file for `seconds`, and prints
// the latency percentiles and throughput as a Markdown table row.
//
//   loadtest --scenario sims/field/phone_tv_speaker.textproto --clients 8
#include <grpcpp/create_channel.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "aiotreach/v1/service.grpc.pb.h"
#include "services/io/scenario_io.h"
#include "services/server/server.h"

namespace {

int Fail(const std::string& message) {
  std::cerr << "loadtest: " << message << "\n"
            << "usage: loadtest --scenario FILE [--clients N] [--seconds S] "
               "[--address HOST:PORT] [--threads N] "
               "[--max_concurrent_runs N]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> flags = {{"--clients", "1"},
                                              {"--seconds", "10"},
                                              {"--threads", "1"},
                                              {"--max_concurrent_runs", "2"}};
  for (int i = 1; i + 1 < argc; i += 2) flags[argv[i]] = argv[i + 1];
  if (argc % 2 == 0) return Fail("flags come in pairs");
  int clients = 0, seconds = 0, threads = 0, concurrent = 0;
  if (!absl::SimpleAtoi(flags["--clients"], &clients) || clients < 1 ||
      !absl::SimpleAtoi(flags["--seconds"], &seconds) || seconds < 1 ||
      !absl::SimpleAtoi(flags["--threads"], &threads) || threads < 0 ||
      !absl::SimpleAtoi(flags["--max_concurrent_runs"], &concurrent) ||
      concurrent < 1) {
    return Fail("bad number");
  }
  if (flags["--scenario"].empty()) return Fail("--scenario is required");
  absl::StatusOr<aiotreach::v1::Scenario> scenario =
      aiotreach::LoadScenarioFile(flags["--scenario"]);
  if (!scenario.ok()) return Fail(std::string(scenario.status().message()));

  aiotreach::TuneAllocatorForServing();
  std::unique_ptr<aiotreach::ReachServer> server;
  std::string address = flags["--address"];
  if (address.empty()) {
    aiotreach::ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.threads = threads;
    options.max_concurrent_runs = concurrent;
    options.max_queued_runs = 1024;
    absl::StatusOr<std::unique_ptr<aiotreach::ReachServer>> started =
        aiotreach::ReachServer::Start(options);
    if (!started.ok()) return Fail(std::string(started.status().message()));
    server = std::move(*started);
    address = server->address();
  }
  auto channel =
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  aiotreach::v1::RunScenarioRequest request;
  *request.mutable_scenario() = *scenario;

  using Clock = std::chrono::steady_clock;
  const Clock::time_point end = Clock::now() + std::chrono::seconds(seconds);
  std::mutex mu;
  std::vector<double> latencies_ms;
  std::atomic<int> errors{0};
  std::vector<std::thread> workers;
  for (int c = 0; c < clients; ++c) {
    workers.emplace_back([&] {
      auto stub = aiotreach::v1::ReachService::NewStub(channel);
      std::vector<double> mine;
      while (Clock::now() < end) {
        grpc::ClientContext context;
        aiotreach::v1::RunScenarioResponse response;
        const Clock::time_point t0 = Clock::now();
        const grpc::Status status =
            stub->RunScenario(&context, request, &response);
        const double ms =
            std::chrono::duration<double, std::milli>(Clock::now() - t0)
                .count();
        if (status.ok()) {
          mine.push_back(ms);
        } else {
          ++errors;
        }
      }
      std::lock_guard<std::mutex> lock(mu);
      latencies_ms.insert(latencies_ms.end(), mine.begin(), mine.end());
    });
  }
  for (std::thread& t : workers) t.join();
  if (latencies_ms.empty()) return Fail("no call succeeded");
  std::sort(latencies_ms.begin(), latencies_ms.end());
  auto at = [&](double q) {
    return latencies_ms[std::min(latencies_ms.size() - 1,
                                 static_cast<size_t>(q * latencies_ms.size()))];
  };
  std::printf("| %s | %d | %zu | %.1f | %.1f | %.1f | %.1f | %.1f | %d |\n",
              scenario->name().c_str(), clients, latencies_ms.size(), at(0.5),
              at(0.9), at(0.99), latencies_ms.back(),
              latencies_ms.size() / static_cast<double>(seconds),
              errors.load());
  if (server != nullptr) server->Shutdown(absl::Seconds(5));
  return 0;
}
