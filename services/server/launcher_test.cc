// `aiotreach serve --launcher`: a kept run over MPI ranks is a job of the
// real binary under mpirun (2 local ranks, oversubscribed), watched,
// cancelled and stored like any run, with the in-process run's report.
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "aiotreach/v1/service.grpc.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "services/io/file_util.h"
#include "services/server/rpc_testing.h"
#include "services/server/server.h"

namespace aiotreach {
namespace {

using ::testing::HasSubstr;

std::string Binary() {
  return std::string(std::getenv("TEST_SRCDIR")) + "/" +
         std::getenv("TEST_WORKSPACE") + "/services/main/aiotreach";
}

// small-city with a daily cap: the day path, whose pacing and caps cross
// ranks.
v1::Scenario Capped(int64_t people) {
  v1::Scenario s;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"pb(
        name: "capped"
        seed: 9
        ecosystem { preset { name: "small-city" } }
        flight_days: 7
        placements {
          name: "tv_boot"
          device_type: "tv"
          opportunity { bernoulli { probability: 0.35 } }
          share_of_voice: 0.3
          audience {
            kind: AUDIENCE_KIND_TURNER_AND_PRESENT
            co_presence_probability: 0.3
          }
        }
        placements {
          name: "phone_splash"
          device_type: "phone"
          opportunity { poisson { rate: 3 scale_by_activity: true } }
          impression_goal: 30000
        }
        frequency_caps {
          name: "2 a day"
          scope: CAP_SCOPE_PERSON
          period: CAP_PERIOD_DAY
          limit: 2
        }
      )pb",
      &s));
  s.set_population(people);
  return s;
}

// Processes whose command line names `needle` (from /proc).
int ProcessesNaming(const std::string& needle) {
  int n = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    absl::StatusOr<std::string> cmdline =
        ReadFile(entry.path().string() + "/cmdline");
    if (cmdline.ok() && cmdline->find(needle) != std::string::npos) ++n;
  }
  return n;
}

class LauncherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Open MPI refuses root without these; local ranks need no network.
    setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
    setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
    setenv("OMPI_MCA_btl", "self,vader", 1);
    setenv("OMPI_MCA_plm_rsh_agent", "false", 1);
    // Under AddressSanitizer, Open MPI's own allocations at start are
    // reported as leaks when a rank exits: leak checking stays on for this
    // process, off for the jobs' ranks (read when they start).
    const char* asan = std::getenv("ASAN_OPTIONS");
    const std::string options =
        std::string(asan != nullptr && *asan != '\0' ? asan : "") +
        (asan != nullptr && *asan != '\0' ? ":" : "") + "detect_leaks=0";
    setenv("ASAN_OPTIONS", options.c_str(), 1);
    data_dir_ = ::testing::TempDir() + "/launcher_data";
    std::filesystem::remove_all(data_dir_);
  }

  void StartWith(const std::string& launcher) {
    ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.threads = 1;
    options.memory_budget_mb = 256;
    options.data_dir = data_dir_;
    options.launcher = launcher;
    options.launcher_binary = Binary();
    absl::StatusOr<std::unique_ptr<ReachServer>> server =
        ReachServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    stub_ = v1::ReachService::NewStub(grpc::CreateChannel(
        server_->address(), grpc::InsecureChannelCredentials()));
  }

  grpc::Status Start(const v1::Scenario& scenario, int ranks,
                     v1::StartRunResponse* started,
                     const std::string& ecosystem_id = "") {
    grpc::ClientContext context;
    v1::StartRunRequest start;
    *start.mutable_scenario() = scenario;
    start.set_ranks(ranks);
    start.set_ecosystem_id(ecosystem_id);
    return stub_->StartRun(&context, start, started);
  }

  std::vector<v1::WatchRunResponse> WatchToEnd(const std::string& id) {
    return aiotreach::WatchToEnd(stub_.get(), id);
  }

  std::string data_dir_;
  std::unique_ptr<ReachServer> server_;
  std::unique_ptr<v1::ReachService::Stub> stub_;
};

TEST_F(LauncherTest, RunOverRanksGivesTheInProcessReport) {
  StartWith("mpirun --oversubscribe -np {ranks}");
  v1::StartRunResponse started;
  const grpc::Status status = Start(Capped(20000), 2, &started);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(started.run().ranks(), 2);
  const std::vector<v1::WatchRunResponse> seen = WatchToEnd(started.run().id());
  ASSERT_FALSE(seen.empty());
  const v1::WatchRunResponse& last = seen.back();
  ASSERT_EQ(last.run().state(), v1::RUN_STATE_SUCCEEDED) << last.run().error();
  EXPECT_EQ(last.run().fraction(), 1.0);
  // The same report as the server's own engine gives.
  grpc::ClientContext context;
  v1::RunScenarioRequest request;
  *request.mutable_scenario() = Capped(20000);
  v1::RunScenarioResponse direct;
  ASSERT_TRUE(stub_->RunScenario(&context, request, &direct).ok());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
      last.report(), direct.report()));
  EXPECT_GT(last.report().reach_people(), 0);
  // Kept like any run: GetRun has it, and the job's folder is gone.
  grpc::ClientContext get_context;
  v1::GetRunRequest get;
  get.set_id(started.run().id());
  v1::GetRunResponse got;
  ASSERT_TRUE(stub_->GetRun(&get_context, get, &got).ok());
  EXPECT_EQ(got.report().reach_people(), direct.report().reach_people());
  EXPECT_FALSE(
      std::filesystem::exists(data_dir_ + "/jobs/" + started.run().id()));
}

// CancelRun stops the job (every rank) and the run ends CANCELLED.
TEST_F(LauncherTest, CancelStopsTheJob) {
  StartWith("mpirun --oversubscribe -np {ranks}");
  v1::Scenario endless = Capped(3'000'000);
  endless.set_flight_days(731);
  v1::StartRunResponse started;
  ASSERT_TRUE(Start(endless, 2, &started).ok());
  const std::string id = started.run().id();
  // Wait until the job reports progress (however slow the machine).
  const auto give_up =
      std::chrono::steady_clock::now() + std::chrono::minutes(5);
  while (true) {
    grpc::ClientContext context;
    v1::GetRunRequest get;
    get.set_id(id);
    v1::GetRunResponse got;
    ASSERT_TRUE(stub_->GetRun(&context, get, &got).ok());
    ASSERT_NE(got.run().state(), v1::RUN_STATE_FAILED) << got.run().error();
    if (got.run().fraction() > 0.0) break;
    ASSERT_LT(std::chrono::steady_clock::now(), give_up) << "no progress";
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  grpc::ClientContext cancel_context;
  v1::CancelRunRequest cancel;
  cancel.set_id(id);
  v1::CancelRunResponse cancelled;
  ASSERT_TRUE(stub_->CancelRun(&cancel_context, cancel, &cancelled).ok());
  const std::vector<v1::WatchRunResponse> seen = WatchToEnd(id);
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back().run().state(), v1::RUN_STATE_CANCELLED);
  EXPECT_FALSE(std::filesystem::exists(data_dir_ + "/jobs/" + id));
  // Every rank of the job goes (wait for it, however slow the machine).
  const std::string job = "jobs/" + id + "/";
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (ProcessesNaming(job) > 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(ProcessesNaming(job), 0);
}

TEST_F(LauncherTest, RanksNeedALauncherAndTheScenariosOwnEcosystem) {
  StartWith("");
  v1::StartRunResponse started;
  grpc::Status status = Start(Capped(1000), 2, &started);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("--launcher"));
  server_.reset();
  StartWith("mpirun --oversubscribe -np {ranks}");
  status = Start(Capped(1000), 2, &started, "eco-1");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("ranks:"));
  status = Start(Capped(1000), -1, &started);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  // A launcher without {ranks} does not start.
  ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.launcher = "mpirun -np 2";
  options.launcher_binary = Binary();
  absl::StatusOr<std::unique_ptr<ReachServer>> bad =
      ReachServer::Start(options);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()),
              HasSubstr("--launcher: must contain {ranks}"));
}

// A launcher that cannot start fails the run with the shell's message; a
// job that fails (more ranks than households) fails it with the job's.
TEST_F(LauncherTest, LauncherAndJobFailuresFailTheRunClearly) {
  StartWith("no-such-launcher-xyz {ranks}");
  v1::StartRunResponse started;
  ASSERT_TRUE(Start(Capped(1000), 2, &started).ok());
  std::vector<v1::WatchRunResponse> seen = WatchToEnd(started.run().id());
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back().run().state(), v1::RUN_STATE_FAILED);
  EXPECT_THAT(seen.back().run().error(), HasSubstr("cannot start"));
  EXPECT_THAT(seen.back().run().error(), HasSubstr("no-such-launcher-xyz"));
  server_.reset();
  StartWith("mpirun --oversubscribe -np {ranks}");
  ASSERT_TRUE(Start(Capped(2), 3, &started).ok());
  seen = WatchToEnd(started.run().id());
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back().run().state(), v1::RUN_STATE_FAILED);
  EXPECT_THAT(seen.back().run().error(), HasSubstr("ranks: 3 MPI ranks for"));
}

}  // namespace
}  // namespace aiotreach
