// The server in-process on a free loopback port, called through real gRPC
// stubs: each RPC, each error code it can return, health checking,
// deadlines and cancellation, concurrency.
#include "services/server/server.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/impl/client_unary_call.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/byte_buffer.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "aiotreach/v1/service.grpc.pb.h"
#include "engine/calibrate.h"
#include "engine/engine.h"
#include "engine/optimizer.h"
#include "engine/what_if.h"
#include "google/protobuf/text_format.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "services/io/file_util.h"
#include "services/server/rpc_testing.h"

namespace aiotreach {
namespace {

v1::Scenario Parse(const std::string& text) {
  v1::Scenario s;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &s));
  return s;
}

v1::Scenario SmallCity(int64_t people) {
  v1::Scenario s = Parse(R"pb(
    name: "svc"
    seed: 3
    ecosystem { preset { name: "small-city" } }
    flight_days: 14
    placements {
      name: "tv_boot"
      device_type: "tv"
      opportunity { bernoulli { probability: 0.35 } }
      share_of_voice: 0.2
      audience {
        kind: AUDIENCE_KIND_TURNER_AND_PRESENT
        co_presence_probability: 0.3
      }
    }
    placements {
      name: "phone_splash"
      device_type: "phone"
      opportunity { poisson { rate: 3 scale_by_activity: true } }
      share_of_voice: 0.02
    }
  )pb");
  s.set_population(people);
  return s;
}

// Starts a kept run; returns its id ("" and a failure if refused).
std::string StartKeptRun(v1::ReachService::Stub* stub,
                         const v1::Scenario& scenario) {
  grpc::ClientContext context;
  v1::StartRunRequest start;
  *start.mutable_scenario() = scenario;
  v1::StartRunResponse started;
  const grpc::Status status = stub->StartRun(&context, start, &started);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return started.run().id();
}

// Asks the server to cancel run `id`.
grpc::Status CancelKeptRun(v1::ReachService::Stub* stub,
                           const std::string& id) {
  grpc::ClientContext context;
  v1::CancelRunRequest cancel;
  cancel.set_id(id);
  v1::CancelRunResponse cancelled;
  return stub->CancelRun(&context, cancel, &cancelled);
}

class ServerTest : public ::testing::Test {
 protected:
  void StartWith(const ServerOptions& options) {
    absl::StatusOr<std::unique_ptr<ReachServer>> server =
        ReachServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    channel_ = grpc::CreateChannel(server_->address(),
                                   grpc::InsecureChannelCredentials());
    stub_ = v1::ReachService::NewStub(channel_);
  }
  void SetUp() override {
    ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.threads = 1;
    options.memory_budget_mb = 256;
    StartWith(options);
  }

  grpc::Status Run(const v1::Scenario& scenario, v1::RunScenarioResponse* out,
                   const std::string& ecosystem_id = "") {
    grpc::ClientContext context;
    v1::RunScenarioRequest request;
    *request.mutable_scenario() = scenario;
    request.set_ecosystem_id(ecosystem_id);
    return stub_->RunScenario(&context, request, out);
  }

  std::unique_ptr<ReachServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::ReachService::Stub> stub_;
};

// The listening TCP sockets this process holds (from /proc).
int ListeningSockets() {
  std::set<std::string> inodes;
  for (const auto& fd : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code error;
    const std::string target =
        std::filesystem::read_symlink(fd.path(), error).string();
    if (!error && target.rfind("socket:[", 0) == 0)
      inodes.insert(target.substr(8, target.size() - 9));
  }
  int n = 0;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    absl::StatusOr<std::string> content = ReadFile(table);
    if (!content.ok()) continue;
    for (absl::string_view line : absl::StrSplit(*content, '\n')) {
      const std::vector<absl::string_view> f =
          absl::StrSplit(line, ' ', absl::SkipEmpty());
      // st (column 4) 0A is LISTEN; inode is column 10.
      if (f.size() > 9 && f[3] == "0A" && inodes.count(std::string(f[9]))) ++n;
    }
  }
  return n;
}

// One socket for the one address asked for: port 0 once opened a second
// listener on another, unprinted port serving the full API.
TEST_F(ServerTest, ListensOnTheChosenPortOnly) {
  EXPECT_EQ(server_->address().rfind("127.0.0.1:", 0), 0u);
  EXPECT_NE(server_->address(), "127.0.0.1:0");
  EXPECT_EQ(ListeningSockets(), 1);
}

TEST_F(ServerTest, RunScenarioReturnsTheEnginesReport) {
  v1::RunScenarioResponse response;
  const grpc::Status status = Run(SmallCity(5000), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  absl::StatusOr<v1::Report> direct = RunScenario(SmallCity(5000), {});
  ASSERT_TRUE(direct.ok());
  EXPECT_EQ(response.report().SerializeAsString(), direct->SerializeAsString());
}

TEST_F(ServerTest, BadScenarioIsInvalidArgumentNamingFieldAndValue) {
  v1::Scenario s = SmallCity(1000);
  s.mutable_placements(1)->set_share_of_voice(1.5);
  v1::RunScenarioResponse response;
  const grpc::Status status = Run(s, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "placements[1].share_of_voice: must be in [0, 1], got 1.5");
}

TEST_F(ServerTest, StoredEcosystemsLifecycle) {
  grpc::ClientContext create_context;
  v1::CreateEcosystemRequest create;
  create.set_name("city");
  create.mutable_ecosystem()->mutable_preset()->set_name("small-city");
  create.mutable_ecosystem()->set_population_seed(9);
  create.set_population(4000);
  v1::CreateEcosystemResponse created;
  ASSERT_TRUE(stub_->CreateEcosystem(&create_context, create, &created).ok());
  const std::string id = created.ecosystem().id();
  EXPECT_EQ(id, "eco-1");
  EXPECT_EQ(created.ecosystem().people(), 4000);
  EXPECT_GT(created.ecosystem().households(), 1000);
  EXPECT_GT(created.ecosystem().memory_bytes(), 0);

  grpc::ClientContext get_context;
  v1::GetEcosystemRequest get;
  get.set_id(id);
  v1::GetEcosystemResponse got;
  ASSERT_TRUE(stub_->GetEcosystem(&get_context, get, &got).ok());
  EXPECT_EQ(got.ecosystem().name(), "city");

  grpc::ClientContext list_context;
  v1::ListEcosystemsResponse listed;
  ASSERT_TRUE(stub_->ListEcosystems(&list_context, {}, &listed).ok());
  ASSERT_EQ(listed.ecosystems_size(), 1);

  // A scenario on it equals the same scenario drawing that population.
  v1::Scenario on_stored = SmallCity(0);
  on_stored.clear_ecosystem();
  v1::RunScenarioResponse stored_report;
  const grpc::Status run = Run(on_stored, &stored_report, id);
  ASSERT_TRUE(run.ok()) << run.error_message();
  v1::Scenario inline_scenario = SmallCity(4000);
  inline_scenario.mutable_ecosystem()->set_population_seed(9);
  v1::RunScenarioResponse inline_report;
  ASSERT_TRUE(Run(inline_scenario, &inline_report).ok());
  EXPECT_EQ(stored_report.report().SerializeAsString(),
            inline_report.report().SerializeAsString());

  // An ecosystem in the scenario as well is an error.
  v1::RunScenarioResponse ignored;
  EXPECT_EQ(Run(SmallCity(0), &ignored, id).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  grpc::ClientContext delete_context;
  v1::DeleteEcosystemRequest del;
  del.set_id(id);
  v1::DeleteEcosystemResponse deleted;
  ASSERT_TRUE(stub_->DeleteEcosystem(&delete_context, del, &deleted).ok());
  grpc::ClientContext again_context;
  const grpc::Status gone = stub_->GetEcosystem(&again_context, get, &got);
  EXPECT_EQ(gone.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(gone.error_message().find("eco-1"), std::string::npos);
}

TEST_F(ServerTest, UnknownIdsAreNotFound) {
  v1::Scenario s = SmallCity(0);
  s.clear_ecosystem();
  v1::RunScenarioResponse response;
  EXPECT_EQ(Run(s, &response, "eco-42").error_code(),
            grpc::StatusCode::NOT_FOUND);
  grpc::ClientContext context;
  v1::DeleteEcosystemRequest del;
  del.set_id("nope");
  v1::DeleteEcosystemResponse deleted;
  EXPECT_EQ(stub_->DeleteEcosystem(&context, del, &deleted).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(ServerTest, BadEcosystemIsInvalidArgument) {
  grpc::ClientContext context;
  v1::CreateEcosystemRequest create;
  create.mutable_ecosystem()->mutable_preset()->set_name("big-city");
  v1::CreateEcosystemResponse created;
  const grpc::Status status =
      stub_->CreateEcosystem(&context, create, &created);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("ecosystem.preset.name"),
            std::string::npos);
}

// The memory budget (256 MiB here): a population past it is refused with
// the estimate and the budget, before anything is allocated.
TEST_F(ServerTest, MemoryBudgetIsResourceExhausted) {
  grpc::ClientContext context;
  v1::CreateEcosystemRequest create;
  create.mutable_ecosystem()->mutable_preset()->set_name("small-city");
  create.set_population(1'000'000'000);
  v1::CreateEcosystemResponse created;
  const grpc::Status eco = stub_->CreateEcosystem(&context, create, &created);
  EXPECT_EQ(eco.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(eco.error_message().find("needs about"), std::string::npos);
  EXPECT_NE(eco.error_message().find("256.0 MiB"), std::string::npos);

  // Day by day, a run keeps ~15 bytes a person: 40 million need 600 MB.
  v1::Scenario big = SmallCity(40'000'000);
  big.add_frequency_caps()->set_scope(v1::CAP_SCOPE_PERSON);
  big.mutable_frequency_caps(0)->set_period(v1::CAP_PERIOD_DAY);
  big.mutable_frequency_caps(0)->set_limit(1);
  v1::RunScenarioResponse response;
  const grpc::Status run = Run(big, &response);
  EXPECT_EQ(run.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(run.error_message().find("--memory_budget_mb"), std::string::npos);
  // A kept run that could never fit is refused at StartRun, not told OK
  // and failed later.
  grpc::ClientContext start_context;
  v1::StartRunRequest start;
  *start.mutable_scenario() = big;
  v1::StartRunResponse started;
  const grpc::Status kept = stub_->StartRun(&start_context, start, &started);
  EXPECT_EQ(kept.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(started.run().id().empty());
}

// A run under a short deadline ends with DEADLINE_EXCEEDED and the engine
// stops: no run is left in flight. (50 million people for 14 days take
// seconds on the flight-at-once path, a few MiB: far past 100 ms.)
TEST_F(ServerTest, DeadlineStopsTheRun) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::milliseconds(100));
  v1::RunScenarioRequest request;
  *request.mutable_scenario() = SmallCity(50'000'000);
  v1::RunScenarioResponse response;
  const grpc::Status status = stub_->RunScenario(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  // The engine polls every kCancelPollUnits units of work; the bound here
  // only keeps a broken build from hanging, it assumes no speed.
  const absl::Time until = absl::Now() + absl::Seconds(120);
  while (server_->runner().running() > 0 && absl::Now() < until)
    absl::SleepFor(absl::Milliseconds(10));
  EXPECT_EQ(server_->runner().running(), 0);
}

TEST_F(ServerTest, ClientCancellationStopsTheRun) {
  grpc::ClientContext context;
  v1::RunScenarioRequest request;
  *request.mutable_scenario() = SmallCity(50'000'000);
  v1::RunScenarioResponse response;
  std::thread canceller([&] {
    absl::SleepFor(absl::Milliseconds(100));
    context.TryCancel();
  });
  const grpc::Status status = stub_->RunScenario(&context, request, &response);
  canceller.join();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::CANCELLED);
  const absl::Time until = absl::Now() + absl::Seconds(120);
  while (server_->runner().running() > 0 && absl::Now() < until)
    absl::SleepFor(absl::Milliseconds(10));
  EXPECT_EQ(server_->runner().running(), 0);
}

// 32 concurrent identical calls on small-city (its 50,000 people) all
// succeed (two at a time, the rest queued) with identical reports.
TEST_F(ServerTest, ConcurrentCallsAllSucceedIdentically) {
  constexpr int kCalls = 32;
  std::vector<std::string> reports(kCalls);
  std::vector<grpc::StatusCode> codes(kCalls);
  std::vector<std::thread> threads;
  for (int i = 0; i < kCalls; ++i) {
    threads.emplace_back([&, i] {
      v1::RunScenarioResponse response;
      codes[i] = Run(SmallCity(0), &response).error_code();
      reports[i] = response.report().SerializeAsString();
    });
  }
  for (std::thread& t : threads) t.join();
  for (int i = 0; i < kCalls; ++i) {
    EXPECT_EQ(codes[i], grpc::StatusCode::OK) << i;
    EXPECT_EQ(reports[i], reports[0]) << i;
  }
  EXPECT_GT(reports[0].size(), 100u);
}

// A server on a free loopback port with one engine thread, and a stub.
struct TestServer {
  std::unique_ptr<ReachServer> server;
  std::unique_ptr<v1::ReachService::Stub> stub;
};
TestServer StartTestServer(int max_concurrent_runs, int max_queued_runs) {
  ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.threads = 1;
  options.max_concurrent_runs = max_concurrent_runs;
  options.max_queued_runs = max_queued_runs;
  absl::StatusOr<std::unique_ptr<ReachServer>> server =
      ReachServer::Start(options);
  EXPECT_TRUE(server.ok()) << server.status();
  TestServer t{std::move(*server), nullptr};
  t.stub = v1::ReachService::NewStub(grpc::CreateChannel(
      t.server->address(), grpc::InsecureChannelCredentials()));
  return t;
}

TEST(ServerQueueTest, FullQueueIsResourceExhausted) {
  TestServer t = StartTestServer(1, 0);
  v1::ReachService::Stub* stub = t.stub.get();
  // One long run holds the only slot; the next call finds no room.
  grpc::ClientContext long_context;
  std::thread long_run([&] {
    v1::RunScenarioRequest request;
    *request.mutable_scenario() = SmallCity(50'000'000);
    v1::RunScenarioResponse response;
    stub->RunScenario(&long_context, request, &response);
  });
  const absl::Time until = absl::Now() + absl::Seconds(5);
  while (t.server->runner().running() == 0 && absl::Now() < until)
    absl::SleepFor(absl::Milliseconds(5));
  grpc::ClientContext context;
  v1::RunScenarioRequest request;
  *request.mutable_scenario() = SmallCity(1000);
  v1::RunScenarioResponse response;
  const grpc::Status status = stub->RunScenario(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(status.error_message().find("--max_concurrent_runs"),
            std::string::npos);
  long_context.TryCancel();
  long_run.join();
}

v1::RunInfo GetRunInfo(v1::ReachService::Stub* stub, const std::string& id,
                       grpc::StatusCode* code = nullptr) {
  grpc::ClientContext context;
  v1::GetRunRequest get;
  get.set_id(id);
  v1::GetRunResponse got;
  const grpc::Status status = stub->GetRun(&context, get, &got);
  if (code != nullptr) *code = status.error_code();
  return got.run();
}

// Waits, without assuming a speed, until `done(info)` holds for run `id`.
v1::RunInfo WaitForRun(v1::ReachService::Stub* stub, const std::string& id,
                       const std::function<bool(const v1::RunInfo&)>& done) {
  const absl::Time until = absl::Now() + absl::Seconds(300);
  v1::RunInfo info = GetRunInfo(stub, id);
  while (!done(info) && absl::Now() < until) {
    absl::SleepFor(absl::Milliseconds(10));
    info = GetRunInfo(stub, id);
  }
  return info;
}

bool RunEnded(const v1::RunInfo& info) {
  return info.state() >= v1::RUN_STATE_SUCCEEDED;
}

// The process's memory mappings now: a thread's stack stays mapped until
// it is joined, so unjoined threads show here even after they end.
int Mappings() {
  absl::StatusOr<std::string> maps = ReadFile("/proc/self/maps");
  EXPECT_TRUE(maps.ok());
  return static_cast<int>(std::count(maps->begin(), maps->end(), '\n'));
}

// Kept runs execute on a pool: 200 of them leave no thread behind (each
// once kept one until shutdown, and ~32,500 runs aborted the server).
TEST(ServerPoolTest, KeptRunsShareABoundedPoolOfThreads) {
  TestServer t = StartTestServer(2, 1000);
  v1::ReachService::Stub* stub = t.stub.get();
  // Warm up gRPC's own threads with one run.
  WaitForRun(stub, StartKeptRun(stub, SmallCity(50)), RunEnded);
  const int before = Mappings();
  std::vector<std::string> ids;
  for (int i = 0; i < 200; ++i)
    ids.push_back(StartKeptRun(stub, SmallCity(50)));
  for (const std::string& id : ids) {
    EXPECT_EQ(WaitForRun(stub, id, RunEnded).state(), v1::RUN_STATE_SUCCEEDED);
  }
  EXPECT_LT(Mappings() - before, 50);
}

// A run StartRun accepted holds its place: a synchronous call arriving
// while it waits is refused, not the kept run (the room check and the
// admission were once separate steps).
TEST(ServerQueueTest, AStartedRunIsNeverRefusedForRoom) {
  TestServer t = StartTestServer(1, 1);
  v1::ReachService::Stub* stub = t.stub.get();
  const std::string long_id = StartKeptRun(stub, SmallCity(50'000'000));
  EXPECT_EQ(WaitForRun(stub, long_id,
                       [](const v1::RunInfo& i) {
                         return i.state() != v1::RUN_STATE_QUEUED;
                       })
                .state(),
            v1::RUN_STATE_RUNNING);
  const std::string queued_id = StartKeptRun(stub, SmallCity(500));
  grpc::ClientContext context;
  v1::RunScenarioRequest request;
  *request.mutable_scenario() = SmallCity(500);
  v1::RunScenarioResponse response;
  EXPECT_EQ(stub->RunScenario(&context, request, &response).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  grpc::ClientContext start_context;
  v1::StartRunRequest start;
  *start.mutable_scenario() = SmallCity(500);
  v1::StartRunResponse started;
  EXPECT_EQ(stub->StartRun(&start_context, start, &started).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  ASSERT_TRUE(CancelKeptRun(stub, long_id).ok());
  EXPECT_EQ(WaitForRun(stub, queued_id, RunEnded).state(),
            v1::RUN_STATE_SUCCEEDED);
  EXPECT_EQ(GetRunInfo(stub, long_id).state(), v1::RUN_STATE_CANCELLED);
}

// Compare and sweep go through the engine's what-if functions: the same
// results as calling them directly.
TEST_F(ServerTest, CompareScenariosMatchesTheEngine) {
  v1::Scenario variant = SmallCity(5000);
  variant.set_name("more_tv");
  variant.mutable_placements(0)->set_share_of_voice(0.4);
  grpc::ClientContext context;
  v1::CompareScenariosRequest request;
  *request.mutable_base() = SmallCity(5000);
  *request.add_variants() = variant;
  v1::CompareScenariosResponse response;
  const grpc::Status status =
      stub_->CompareScenarios(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  absl::StatusOr<v1::Comparison> direct =
      CompareScenarios(SmallCity(5000), {variant}, RunOptions());
  ASSERT_TRUE(direct.ok());
  EXPECT_EQ(response.comparison().SerializeAsString(),
            direct->SerializeAsString());
  EXPECT_GT(response.comparison().variants(0).deltas(0).delta(), 0);

  grpc::ClientContext bad_context;
  request.mutable_variants(0)->set_seed(99);
  const grpc::Status bad =
      stub_->CompareScenarios(&bad_context, request, &response);
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(bad.error_message().find("variants[0].seed"), std::string::npos);
}

TEST_F(ServerTest, SweepBudgetGivesAMonotoneCurve) {
  v1::Scenario s = SmallCity(5000);
  v1::Placement* splash = s.mutable_placements(1);
  splash->set_budget(10);
  splash->set_cpm(20);
  grpc::ClientContext context;
  v1::SweepBudgetRequest request;
  *request.mutable_scenario() = s;
  request.set_placement("phone_splash");
  for (double b : {10, 20, 40, 80}) request.add_budgets(b);
  v1::SweepBudgetResponse response;
  const grpc::Status status = stub_->SweepBudget(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.curve().points_size(), 4);
  for (int i = 1; i < 4; ++i) {
    EXPECT_GE(response.curve().points(i).reach_people(),
              response.curve().points(i - 1).reach_people());
  }
  grpc::ClientContext bad_context;
  request.set_placement("tv_boot");
  EXPECT_EQ(stub_->SweepBudget(&bad_context, request, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  // A share of voice sweep of the TV boot ad, through the same call.
  grpc::ClientContext sov_context;
  request.clear_budgets();
  for (double v : {0.2, 0.8}) request.add_shares_of_voice(v);
  const grpc::Status sov = stub_->SweepBudget(&sov_context, request, &response);
  ASSERT_TRUE(sov.ok()) << sov.error_message();
  EXPECT_EQ(response.curve().swept(), "share_of_voice");
  ASSERT_EQ(response.curve().points_size(), 2);
  EXPECT_GT(response.curve().points(1).impressions(),
            response.curve().points(0).impressions());
}

// The optimizer over gRPC: the same result as the engine's, and bad
// options named.
TEST_F(ServerTest, OptimizeBudgetSplitsTheBudget) {
  v1::Scenario s = SmallCity(5000);
  for (int p = 0; p < 2; ++p) {
    s.mutable_placements(p)->set_budget(20);
    s.mutable_placements(p)->set_cpm(p == 0 ? 60 : 20);
  }
  grpc::ClientContext context;
  v1::OptimizeBudgetRequest request;
  *request.mutable_scenario() = s;
  request.mutable_options()->set_budget(60);
  request.mutable_options()->set_step(10);
  v1::OptimizeBudgetResponse response;
  const grpc::Status status =
      stub_->OptimizeBudget(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  const v1::Optimization& o = response.optimization();
  ASSERT_EQ(o.allocation_size(), 2);
  EXPECT_NEAR(o.allocation(0).budget() + o.allocation(1).budget(), 60, 1e-9);
  absl::StatusOr<v1::Optimization> direct =
      OptimizeBudget(s, request.options(), RunOptions());
  ASSERT_TRUE(direct.ok()) << direct.status();
  EXPECT_EQ(o.objective_value(), direct->objective_value());
  EXPECT_EQ(o.allocation(0).budget(), direct->allocation(0).budget());
  grpc::ClientContext bad_context;
  request.mutable_options()->set_objective("clicks");
  const grpc::Status bad =
      stub_->OptimizeBudget(&bad_context, request, &response);
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(bad.error_message().find("objective: unknown objective 'clicks'"),
            std::string::npos);
}

// Calibration over gRPC: the same fit as the engine's, and an unknown
// figure named.
TEST_F(ServerTest, CalibrateFitsLikeTheEngine) {
  const v1::Scenario s = SmallCity(5000);
  grpc::ClientContext context;
  v1::CalibrateRequest request;
  *request.mutable_scenario() = s;
  request.mutable_options()->add_fit(
      absl::StrCat("placements.", s.placements(0).name(), ".share_of_voice"));
  v1::ObservedFigure* f = request.mutable_options()->add_observed();
  f->set_figure("reach_pct");
  f->set_value(20);
  f->set_standard_error(1);
  v1::CalibrateResponse response;
  const grpc::Status status = stub_->Calibrate(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  absl::StatusOr<v1::Calibration> direct =
      Calibrate(s, request.options(), RunOptions());
  ASSERT_TRUE(direct.ok()) << direct.status();
  ASSERT_EQ(response.calibration().parameters_size(), 1);
  EXPECT_EQ(response.calibration().parameters(0).value(),
            direct->parameters(0).value());
  EXPECT_EQ(response.calibration().chi_square(), direct->chi_square());
  grpc::ClientContext bad_context;
  f->set_figure("reach_percent");
  const grpc::Status bad = stub_->Calibrate(&bad_context, request, &response);
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(bad.error_message().find("observed[0].figure: no figure "
                                     "'reach_percent'"),
            std::string::npos)
      << bad.error_message();
}

// StartRun, then WatchRun until the end: progress, then the report, the
// same as a direct run.
TEST_F(ServerTest, StartedRunsCanBeWatchedAndFetched) {
  const std::string id = StartKeptRun(stub_.get(), SmallCity(20000));
  EXPECT_EQ(id, "run-1");
  const std::vector<v1::WatchRunResponse> seen = WatchToEnd(stub_.get(), id);
  ASSERT_GE(seen.size(), 2u);
  for (size_t i = 1; i < seen.size(); ++i)
    EXPECT_GE(seen[i].run().fraction(), seen[i - 1].run().fraction());
  const v1::WatchRunResponse& last = seen.back();
  EXPECT_EQ(last.run().state(), v1::RUN_STATE_SUCCEEDED);
  absl::StatusOr<v1::Report> direct = RunScenario(SmallCity(20000), {});
  ASSERT_TRUE(direct.ok());
  EXPECT_EQ(last.report().SerializeAsString(), direct->SerializeAsString());

  grpc::ClientContext get_context;
  v1::GetRunRequest get;
  get.set_id(id);
  v1::GetRunResponse got;
  ASSERT_TRUE(stub_->GetRun(&get_context, get, &got).ok());
  EXPECT_EQ(got.report().SerializeAsString(), direct->SerializeAsString());

  // Ended runs cannot be cancelled.
  grpc::ClientContext cancel_context;
  v1::CancelRunRequest cancel;
  cancel.set_id(id);
  v1::CancelRunResponse cancelled;
  EXPECT_EQ(stub_->CancelRun(&cancel_context, cancel, &cancelled).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(ServerTest, CancelRunStopsIt) {
  const std::string id = StartKeptRun(stub_.get(), SmallCity(50'000'000));
  ASSERT_TRUE(CancelKeptRun(stub_.get(), id).ok());
  const std::vector<v1::WatchRunResponse> seen = WatchToEnd(stub_.get(), id);
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back().run().state(), v1::RUN_STATE_CANCELLED);
  EXPECT_FALSE(seen.back().has_report());
}

// The probe's scenario: within every documented limit (100,000 people, 64
// placements at rate 10,000 a day, 731 days) and practically endless. A
// kept run of it once stayed RUNNING for minutes after CancelRun, and a
// deadline returned while the run went on; both stop it now.
v1::Scenario EndlessScenario() {
  v1::Scenario s = SmallCity(100'000);
  s.set_flight_days(731);
  s.clear_placements();
  for (int j = 0; j < 64; ++j) {
    v1::Placement* p = s.add_placements();
    p->set_name("splash_" + std::to_string(j));
    p->set_device_type("phone");
    p->mutable_opportunity()->mutable_poisson()->set_rate(10000);
    p->set_share_of_voice(1.0);
  }
  return s;
}

TEST_F(ServerTest, AnEndlessRunStopsOnCancelAndDeadline) {
  const std::string id = StartKeptRun(stub_.get(), EndlessScenario());
  WaitForRun(stub_.get(), id, [](const v1::RunInfo& info) {
    return info.state() == v1::RUN_STATE_RUNNING;
  });
  ASSERT_TRUE(CancelKeptRun(stub_.get(), id).ok());
  EXPECT_EQ(WaitForRun(stub_.get(), id, RunEnded).state(),
            v1::RUN_STATE_CANCELLED);

  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::milliseconds(300));
  v1::RunScenarioRequest request;
  *request.mutable_scenario() = EndlessScenario();
  v1::RunScenarioResponse response;
  EXPECT_EQ(stub_->RunScenario(&context, request, &response).error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
  // The engine stops too: nothing is left running (waited for, not timed).
  const absl::Time until = absl::Now() + absl::Seconds(120);
  while (server_->runner().running() > 0 && absl::Now() < until)
    absl::SleepFor(absl::Milliseconds(10));
  EXPECT_EQ(server_->runner().running(), 0);
}

TEST_F(ServerTest, RunErrors) {
  grpc::ClientContext start_context;
  v1::StartRunRequest start;
  *start.mutable_scenario() = SmallCity(100);
  start.mutable_scenario()->set_flight_days(0);
  v1::StartRunResponse started;
  const grpc::Status bad = stub_->StartRun(&start_context, start, &started);
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(bad.error_message().find("flight_days"), std::string::npos);
  grpc::ClientContext get_context;
  v1::GetRunRequest get;
  get.set_id("run-99");
  v1::GetRunResponse got;
  EXPECT_EQ(stub_->GetRun(&get_context, get, &got).error_code(),
            grpc::StatusCode::NOT_FOUND);
  grpc::ClientContext list_context;
  v1::ListRunsRequest list;
  list.set_page_token("garbage");
  v1::ListRunsResponse listed;
  EXPECT_EQ(stub_->ListRuns(&list_context, list, &listed).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

// ListRuns pages newest first and filters by state.
TEST_F(ServerTest, ListRunsPagesAndFilters) {
  for (int i = 0; i < 5; ++i) StartKeptRun(stub_.get(), SmallCity(1000));
  // Wait until all succeed.
  const absl::Time until = absl::Now() + absl::Seconds(30);
  v1::ListRunsResponse all;
  do {
    grpc::ClientContext context;
    v1::ListRunsRequest request;
    request.set_state(v1::RUN_STATE_SUCCEEDED);
    all.Clear();
    ASSERT_TRUE(stub_->ListRuns(&context, request, &all).ok());
  } while (all.runs_size() < 5 && absl::Now() < until);
  ASSERT_EQ(all.runs_size(), 5);
  EXPECT_EQ(all.runs(0).id(), "run-5");
  std::vector<std::string> paged;
  std::string token;
  do {
    grpc::ClientContext context;
    v1::ListRunsRequest request;
    request.set_page_size(2);
    request.set_page_token(token);
    v1::ListRunsResponse page;
    ASSERT_TRUE(stub_->ListRuns(&context, request, &page).ok());
    EXPECT_LE(page.runs_size(), 2);
    for (const v1::RunInfo& r : page.runs()) paged.push_back(r.id());
    token = page.next_page_token();
  } while (!token.empty());
  EXPECT_EQ(paged, (std::vector<std::string>{"run-5", "run-4", "run-3", "run-2",
                                             "run-1"}));
  grpc::ClientContext context;
  v1::ListRunsRequest failed;
  failed.set_state(v1::RUN_STATE_FAILED);
  v1::ListRunsResponse none;
  ASSERT_TRUE(stub_->ListRuns(&context, failed, &none).ok());
  EXPECT_EQ(none.runs_size(), 0);
}

TEST_F(ServerTest, HealthCheckServes) {
  auto health = grpc::health::v1::Health::NewStub(channel_);
  grpc::ClientContext context;
  grpc::health::v1::HealthCheckResponse response;
  const grpc::Status status = health->Check(&context, {}, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

TEST(ServerOptionsTest, BadOptionsAreRefused) {
  ServerOptions options;
  options.listen = "no-port";
  EXPECT_EQ(ReachServer::Start(options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options.listen = "127.0.0.1:0";
  options.max_concurrent_runs = 0;
  EXPECT_EQ(ReachServer::Start(options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace aiotreach

namespace aiotreach {
namespace {

// Finished runs survive a restart on the same data directory; a run left
// "running" by a server that died is reported as interrupted.
TEST(ServerRestartTest, RunsPersistAcrossRestarts) {
  const std::string dir = std::string(std::getenv("TEST_TMPDIR")) + "/data";
  ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.threads = 1;
  options.data_dir = dir;
  std::string report;
  {
    absl::StatusOr<std::unique_ptr<ReachServer>> server =
        ReachServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    auto stub = v1::ReachService::NewStub(grpc::CreateChannel(
        (*server)->address(), grpc::InsecureChannelCredentials()));
    grpc::ClientContext context;
    v1::StartRunRequest start;
    *start.mutable_scenario() = SmallCity(2000);
    v1::StartRunResponse started;
    ASSERT_TRUE(stub->StartRun(&context, start, &started).ok());
    grpc::ClientContext watch_context;
    v1::WatchRunRequest watch;
    watch.set_id("run-1");
    auto reader = stub->WatchRun(&watch_context, watch);
    v1::WatchRunResponse message;
    while (reader->Read(&message))
      report = message.report().SerializeAsString();
    ASSERT_EQ(message.run().state(), v1::RUN_STATE_SUCCEEDED);
    (*server)->Shutdown(absl::Seconds(1));
  }
  // What a server killed during run-7 leaves behind.
  v1::RunInfo running;
  running.set_id("run-7");
  running.set_state(v1::RUN_STATE_RUNNING);
  ASSERT_TRUE(
      WriteFileAtomically(dir + "/runs/run-7.info", running.SerializeAsString())
          .ok());
  ASSERT_TRUE(WriteFileAtomically(dir + "/runs/run-7.scenario",
                                  SmallCity(10).SerializeAsString())
                  .ok());
  // And a temporary file of an interrupted write.
  ASSERT_TRUE(WriteFileAtomically(dir + "/runs/run-8.info.tmp", "x").ok());

  absl::StatusOr<std::unique_ptr<ReachServer>> server =
      ReachServer::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();
  auto stub = v1::ReachService::NewStub(grpc::CreateChannel(
      (*server)->address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext get_context;
  v1::GetRunRequest get;
  get.set_id("run-1");
  v1::GetRunResponse got;
  ASSERT_TRUE(stub->GetRun(&get_context, get, &got).ok());
  EXPECT_EQ(got.run().state(), v1::RUN_STATE_SUCCEEDED);
  EXPECT_EQ(got.report().SerializeAsString(), report);
  grpc::ClientContext interrupted_context;
  get.set_id("run-7");
  ASSERT_TRUE(stub->GetRun(&interrupted_context, get, &got).ok());
  EXPECT_EQ(got.run().state(), v1::RUN_STATE_INTERRUPTED);
  // New runs continue the numbering.
  EXPECT_EQ(StartKeptRun(stub.get(), SmallCity(100)), "run-8");
}

// Files damaged on disk: the run is logged and listed DAMAGED with the
// file at fault, never served as SUCCEEDED without its report; ids have
// one spelling.
TEST(ServerRestartTest, DamagedRecordsAreReportedDamaged) {
  const std::string dir = std::string(std::getenv("TEST_TMPDIR")) + "/damaged";
  const std::string runs = dir + "/runs/";
  ASSERT_TRUE(MakeDirectories(runs).ok());
  absl::StatusOr<v1::Report> report = RunScenario(SmallCity(100), {});
  ASSERT_TRUE(report.ok());
  const std::string bytes = report->SerializeAsString();
  v1::RunInfo done;
  done.set_state(v1::RUN_STATE_SUCCEEDED);
  done.set_report_bytes(static_cast<int64_t>(bytes.size()));
  const std::string scenario = SmallCity(100).SerializeAsString();
  for (const char* id : {"run-1", "run-2", "run-3"}) {
    done.set_id(id);
    ASSERT_TRUE(
        WriteFileAtomically(runs + id + ".info", done.SerializeAsString())
            .ok());
    ASSERT_TRUE(WriteFileAtomically(runs + id + ".scenario", scenario).ok());
  }
  ASSERT_TRUE(WriteFileAtomically(runs + "run-1.report", bytes).ok());
  // run-2's report cut short (at a field boundary it would still parse).
  ASSERT_TRUE(WriteFileAtomically(runs + "run-2.report",
                                  bytes.substr(0, bytes.size() / 2))
                  .ok());
  // A record of a server before report_bytes existed: taken as it is.
  v1::RunInfo legacy = done;
  legacy.set_id("run-5");
  legacy.clear_report_bytes();
  ASSERT_TRUE(
      WriteFileAtomically(runs + "run-5.info", legacy.SerializeAsString())
          .ok());
  ASSERT_TRUE(WriteFileAtomically(runs + "run-5.scenario", scenario).ok());
  ASSERT_TRUE(WriteFileAtomically(runs + "run-5.report", bytes).ok());
  // run-3 has no report at all; run-4's info is not a RunInfo.
  ASSERT_TRUE(
      WriteFileAtomically(runs + "run-4.info", "\xff\xff garbage").ok());
  ASSERT_TRUE(WriteFileAtomically(runs + "run-4.scenario", scenario).ok());

  ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.threads = 1;
  options.data_dir = dir;
  absl::StatusOr<std::unique_ptr<ReachServer>> server =
      ReachServer::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();
  auto stub = v1::ReachService::NewStub(grpc::CreateChannel(
      (*server)->address(), grpc::InsecureChannelCredentials()));
  EXPECT_EQ(GetRunInfo(stub.get(), "run-1").state(), v1::RUN_STATE_SUCCEEDED);
  for (const auto& [id, file] :
       {std::pair{"run-2", "run-2.report"}, std::pair{"run-3", "run-3.report"},
        std::pair{"run-4", "run-4.info"}}) {
    const v1::RunInfo info = GetRunInfo(stub.get(), id);
    EXPECT_EQ(info.state(), v1::RUN_STATE_DAMAGED) << id;
    EXPECT_NE(info.error().find(file), std::string::npos) << info.error();
  }
  grpc::StatusCode code;
  GetRunInfo(stub.get(), "run-01", &code);
  EXPECT_EQ(code, grpc::StatusCode::NOT_FOUND);
  GetRunInfo(stub.get(), "run-+1", &code);
  EXPECT_EQ(code, grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(GetRunInfo(stub.get(), "run-5").state(), v1::RUN_STATE_SUCCEEDED);
  EXPECT_EQ(StartKeptRun(stub.get(), SmallCity(100)), "run-6");
}

}  // namespace
}  // namespace aiotreach

namespace aiotreach {
namespace {

std::string Testdata(const std::string& name) {
  return "services/server/testdata/" + name;
}

// `bytes` sent as the request of `method` as they are, unparsed.
grpc::Status SendRawRequest(const std::shared_ptr<grpc::Channel>& channel,
                            const char* method, const std::string& bytes,
                            const std::string& token = "") {
  grpc::ClientContext context;
  if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
  grpc::Slice slice(bytes);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  return grpc::internal::BlockingUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
      channel.get(),
      grpc::internal::RpcMethod(method, grpc::internal::RpcMethod::NORMAL_RPC),
      &context, request, &response);
}

// A request that does not parse is INVALID_ARGUMENT naming the method (it
// was INTERNAL with an empty message), and UNAUTHENTICATED first when a
// token is required and missing.
TEST_F(ServerTest, UnparseableRequestIsInvalidArgument) {
  // Field 1 (scenario) as a length-delimited value running past the end;
  // then a string field holding invalid UTF-8.
  for (const std::string& bytes : {std::string("\x0a\xff\x01zz", 5),
                                   std::string("\x0a\x03\x0a\x01\xff", 5)}) {
    // Nothing reaches the log for it: anyone could fill it before auth.
    ::testing::internal::CaptureStderr();
    const grpc::Status status = SendRawRequest(
        channel_, "/aiotreach.v1.ReachService/RunScenario", bytes);
    EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_NE(
        status.error_message().find("request: not a valid request message for "
                                    "/aiotreach.v1.ReachService/RunScenario"),
        std::string::npos)
        << status.error_message();
  }
}

// With --auth_token_file, calls without the bearer token are refused;
// health stays open.
TEST(ServerAuthTest, TokenIsRequired) {
  ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.threads = 1;
  options.auth_token_file = Testdata("token.txt");
  absl::StatusOr<std::unique_ptr<ReachServer>> server =
      ReachServer::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();
  auto channel = grpc::CreateChannel((*server)->address(),
                                     grpc::InsecureChannelCredentials());
  auto stub = v1::ReachService::NewStub(channel);
  v1::ListEcosystemsResponse listed;
  {
    grpc::ClientContext context;
    const grpc::Status status = stub->ListEcosystems(&context, {}, &listed);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_NE(status.error_message().find("--auth_token_file"),
              std::string::npos);
  }
  {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer wrong-token-of-same-len");
    EXPECT_EQ(stub->ListEcosystems(&context, {}, &listed).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer s3cret-test-token");
    EXPECT_TRUE(stub->ListEcosystems(&context, {}, &listed).ok());
  }
  {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer s3cret-test-token");
    v1::RunScenarioRequest request;
    *request.mutable_scenario() = SmallCity(1000);
    v1::RunScenarioResponse response;
    EXPECT_TRUE(stub->RunScenario(&context, request, &response).ok());
  }
  // A request that does not parse: the token is checked first.
  const std::string garbage("\x0a\xff\x01zz", 5);
  EXPECT_EQ(
      SendRawRequest(channel, "/aiotreach.v1.ReachService/RunScenario", garbage)
          .error_code(),
      grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(SendRawRequest(channel, "/aiotreach.v1.ReachService/RunScenario",
                           garbage, "s3cret-test-token")
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  auto health = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  grpc::health::v1::HealthCheckResponse response;
  EXPECT_TRUE(health->Check(&context, {}, &response).ok());
}

// With --tls_cert/--tls_key a TLS client trusting the test certificate
// connects; a plaintext client does not.
TEST(ServerTlsTest, TlsClientConnects) {
  ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.threads = 1;
  options.tls_cert = Testdata("server.crt");
  options.tls_key = Testdata("server.key");
  absl::StatusOr<std::unique_ptr<ReachServer>> server =
      ReachServer::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();
  absl::StatusOr<std::string> cert = ReadFile(Testdata("server.crt"));
  ASSERT_TRUE(cert.ok());
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = *cert;
  auto stub = v1::ReachService::NewStub(
      grpc::CreateChannel((*server)->address(), grpc::SslCredentials(ssl)));
  grpc::ClientContext context;
  v1::ListEcosystemsResponse listed;
  const grpc::Status status = stub->ListEcosystems(&context, {}, &listed);
  EXPECT_TRUE(status.ok()) << status.error_message();

  auto plain = v1::ReachService::NewStub(grpc::CreateChannel(
      (*server)->address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext plain_context;
  plain_context.set_deadline(std::chrono::system_clock::now() +
                             std::chrono::seconds(2));
  EXPECT_FALSE(plain->ListEcosystems(&plain_context, {}, &listed).ok());
}

TEST(ServerTlsTest, BadCredentialFilesAreRefused) {
  ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.tls_cert = Testdata("server.crt");
  EXPECT_EQ(ReachServer::Start(options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options.tls_key = Testdata("missing.key");
  absl::Status missing = ReachServer::Start(options).status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(missing.message().find("--tls_key"), std::string::npos);
  options.tls_cert.clear();
  options.tls_key.clear();
  options.auth_token_file = Testdata("missing.txt");
  EXPECT_NE(
      ReachServer::Start(options).status().message().find("--auth_token_file"),
      std::string::npos);
}

}  // namespace
}  // namespace aiotreach
