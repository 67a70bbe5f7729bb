// The HTTP face of a real server (gRPC and HTTP on free loopback ports),
// called with cpp-httplib's client: the API in JSON against the same calls
// over gRPC, every kind of bad request, the token, TLS, watch streams and
// cancelling, the page's assets, and /metrics scraped and parsed.
#include "services/http/http_gateway.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <httplib.h>

#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "aiotreach/v1/service.grpc.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "services/http/static_files.h"
#include "services/server/server.h"
#include "services/server/testing.h"

namespace aiotreach {
namespace {

namespace pb = google::protobuf;

std::string Testdata(const std::string& name) {
  return "services/server/testdata/" + name;
}

std::string Json(const pb::Message& m) {
  pb::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string out;
  EXPECT_TRUE(pb::util::MessageToJsonString(m, &out, options).ok());
  return out;
}

template <typename M>
M FromJson(const std::string& json) {
  M m;
  const auto status = pb::util::JsonStringToMessage(json, &m);
  EXPECT_TRUE(status.ok()) << status.message() << " in " << json;
  return m;
}

// The "error" object of an error body, as strings.
struct ErrorBody {
  std::string code, message, field;
  int http_status = 0;
};
ErrorBody ErrorOf(const std::string& body) {
  ErrorBody e;
  std::smatch m;
  if (std::regex_search(body, m, std::regex(R"re("code": "([^"]*)")re")))
    e.code = m[1];
  if (std::regex_search(body, m,
                        std::regex(R"re("message": "((\\.|[^"\\])*)")re")))
    e.message = m[1];
  if (std::regex_search(body, m, std::regex(R"re("field": "([^"]*)")re")))
    e.field = m[1];
  if (std::regex_search(body, m, std::regex(R"re("http_status": (\d+))re")))
    e.http_status = std::stoi(m[1]);
  return e;
}

// Prometheus text: each sample line "name{labels} value" by its name with
// labels, checked against the format as it is read.
std::map<std::string, double> ParseMetrics(const std::string& text) {
  std::map<std::string, double> samples;
  const std::regex line(
      R"(^([a-z_]+)(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? (\S+)$)");
  for (absl::string_view l : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    if (l.substr(0, 7) == "# HELP " || l.substr(0, 7) == "# TYPE ") continue;
    std::smatch m;
    const std::string s(l);
    EXPECT_TRUE(std::regex_match(s, m, line)) << "not a sample line: " << s;
    if (m.empty()) continue;
    double v = 0;
    if (m[4] == "+Inf") {
      v = std::numeric_limits<double>::infinity();
    } else {
      EXPECT_TRUE(absl::SimpleAtod(m[4].str(), &v)) << s;
    }
    samples[m[1].str() + m[2].str()] = v;
  }
  return samples;
}

class HttpGatewayTest : public ::testing::Test {
 protected:
  void StartWith(ServerOptions options) {
    options.listen = "127.0.0.1:0";
    options.http_listen = "127.0.0.1:0";
    options.threads = 1;
    options.memory_budget_mb = 1024;
    absl::StatusOr<std::unique_ptr<ReachServer>> server =
        ReachServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    ASSERT_FALSE(server_->http_address().empty());
    const std::string& a = server_->http_address();
    port_ = std::stoi(a.substr(a.rfind(':') + 1));
    stub_ = v1::ReachService::NewStub(grpc::CreateChannel(
        server_->address(), grpc::InsecureChannelCredentials()));
  }
  void SetUp() override { StartWith(ServerOptions()); }

  httplib::Client Client() {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(std::chrono::minutes(5));
    return c;
  }
  httplib::Result Post(const std::string& method, const std::string& body,
                       const httplib::Headers& headers = {}) {
    return Client().Post(("/v1/" + method).c_str(), headers, body,
                         "application/json");
  }
  std::map<std::string, double> Scrape() {
    httplib::Result r = Client().Get("/metrics");
    EXPECT_TRUE(r);
    if (!r) return {};
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->get_header_value("Content-Type"),
              "text/plain; version=0.0.4; charset=utf-8");
    return ParseMetrics(r->body);
  }

  std::unique_ptr<ReachServer> server_;
  int port_ = 0;
  std::unique_ptr<v1::ReachService::Stub> stub_;
};

TEST_F(HttpGatewayTest, RunScenarioInJsonIsTheGrpcCall) {
  v1::RunScenarioRequest request;
  *request.mutable_scenario() = TestCity(20000);
  httplib::Result r = Post("RunScenario", Json(request));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
  // Zeros are printed, names are the .proto's.
  EXPECT_NE(r->body.find("\"frequency_histogram\""), std::string::npos);
  const auto over_http = FromJson<v1::RunScenarioResponse>(r->body);

  grpc::ClientContext context;
  v1::RunScenarioResponse over_grpc;
  ASSERT_TRUE(stub_->RunScenario(&context, request, &over_grpc).ok());
  EXPECT_GT(over_grpc.report().reach_people(), 0);
  EXPECT_EQ(over_http.SerializeAsString(), over_grpc.SerializeAsString());
}

TEST_F(HttpGatewayTest, HealthAndRoutes) {
  httplib::Result health = Client().Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_NE(health->body.find("SERVING"), std::string::npos);

  httplib::Result missing = Client().Get("/no/such/page");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(ErrorOf(missing->body).code, "NOT_FOUND");
  EXPECT_EQ(ErrorOf(missing->body).http_status, 404);

  httplib::Result get_api = Client().Get("/v1/RunScenario");
  ASSERT_TRUE(get_api);
  EXPECT_EQ(get_api->status, 405);
  EXPECT_EQ(get_api->get_header_value("Allow"), "POST");
  EXPECT_EQ(ErrorOf(get_api->body).code, "METHOD_NOT_ALLOWED");

  httplib::Result post_health = Client().Post("/healthz", "", "text/plain");
  ASSERT_TRUE(post_health);
  EXPECT_EQ(post_health->status, 405);

  httplib::Result no_method = Post("RunEverything", "{}");
  ASSERT_TRUE(no_method);
  EXPECT_EQ(no_method->status, 404);
  EXPECT_NE(ErrorOf(no_method->body).message.find("RunEverything"),
            std::string::npos);
}

TEST_F(HttpGatewayTest, BadBodiesNameTheProblem) {
  struct Case {
    std::string body;
    std::string in_message;  // a part of the error message
  };
  const std::vector<Case> cases = {
      {"{\"scenario\": ", "RunScenarioRequest"},        // malformed
      {"[1, 2]", "RunScenarioRequest"},                 // not an object
      {"{\"scenery\": {}}", "scenery"},                 // unknown field
      {"{\"scenario\": {\"seed\": \"abc\"}}", "seed"},  // wrong type
      {"{\"scenario\": {\"flight_days\": true}}", "flight_days"},
  };
  for (const Case& c : cases) {
    httplib::Result r = Post("RunScenario", c.body);
    ASSERT_TRUE(r) << c.body;
    EXPECT_EQ(r->status, 400) << c.body;
    const ErrorBody e = ErrorOf(r->body);
    EXPECT_EQ(e.code, "INVALID_ARGUMENT") << r->body;
    EXPECT_NE(e.message.find(c.in_message), std::string::npos) << r->body;
  }
  // A value of the wrong type: its path comes back as the field.
  httplib::Result typed = Post("RunScenario", cases[3].body);
  ASSERT_TRUE(typed);
  EXPECT_EQ(ErrorOf(typed->body).field, "scenario.seed") << typed->body;
  // A well-formed request the engine refuses: the field comes back apart.
  v1::RunScenarioRequest request;
  *request.mutable_scenario() = TestCity(1000);
  request.mutable_scenario()->set_flight_days(0);
  httplib::Result r = Post("RunScenario", Json(request));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  const ErrorBody e = ErrorOf(r->body);
  EXPECT_NE(e.field.find("flight_days"), std::string::npos) << r->body;
  EXPECT_NE(e.message.find(e.field), std::string::npos) << r->body;
  // Unknown runs: NOT_FOUND, 404.
  httplib::Result unknown = Post("GetRun", "{\"id\": \"run-999\"}");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  EXPECT_EQ(ErrorOf(unknown->body).code, "NOT_FOUND");
}

TEST_F(HttpGatewayTest, OversizedBodiesGet413) {
  server_.reset();
  ServerOptions options;
  options.max_message_mb = 1;
  StartWith(options);
  const std::string big =
      "{\"scenario\": {\"name\": \"" + std::string(2 << 20, 'x') + "\"}}";
  httplib::Result r = Post("RunScenario", big);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(ErrorOf(r->body).code, "PAYLOAD_TOO_LARGE");
  // The server goes on serving.
  httplib::Result health = Client().Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST_F(HttpGatewayTest, TheTokenGuardsTheApiAndMetrics) {
  server_.reset();
  ServerOptions options;
  options.auth_token_file = Testdata("token.txt");
  StartWith(options);
  std::string token = "Bearer ";
  {
    std::ifstream f(Testdata("token.txt"));
    std::string line;
    std::getline(f, line);
    token += line;
  }
  httplib::Result denied = Post("ListEcosystems", "{}");
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 401);
  EXPECT_EQ(ErrorOf(denied->body).code, "UNAUTHENTICATED");
  httplib::Result wrong =
      Post("ListEcosystems", "{}", {{"Authorization", "Bearer nope"}});
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  httplib::Result allowed =
      Post("ListEcosystems", "{}", {{"Authorization", token}});
  ASSERT_TRUE(allowed);
  EXPECT_EQ(allowed->status, 200) << allowed->body;

  httplib::Result metrics = Client().Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 401);
  httplib::Result metrics_ok =
      Client().Get("/metrics", {{"Authorization", token}});
  ASSERT_TRUE(metrics_ok);
  EXPECT_EQ(metrics_ok->status, 200);
  httplib::Result health = Client().Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);  // open, as gRPC health is
}

TEST_F(HttpGatewayTest, WatchStreamsLinesToTheReport) {
  v1::StartRunRequest start;
  *start.mutable_scenario() = TestCity(20000);
  httplib::Result started = Post("StartRun", Json(start));
  ASSERT_TRUE(started);
  ASSERT_EQ(started->status, 200) << started->body;
  const auto run = FromJson<v1::StartRunResponse>(started->body).run();
  ASSERT_FALSE(run.id().empty());

  httplib::Result watched =
      Post("WatchRun", absl::StrCat("{\"id\": \"", run.id(), "\"}"));
  ASSERT_TRUE(watched);
  ASSERT_EQ(watched->status, 200) << watched->body;
  EXPECT_EQ(watched->get_header_value("Content-Type"), "application/x-ndjson");
  std::vector<v1::WatchRunResponse> lines;
  for (absl::string_view l :
       absl::StrSplit(watched->body, '\n', absl::SkipEmpty())) {
    lines.push_back(FromJson<v1::WatchRunResponse>(std::string(l)));
  }
  ASSERT_FALSE(lines.empty());
  const v1::WatchRunResponse& last = lines.back();
  EXPECT_EQ(last.run().state(), v1::RUN_STATE_SUCCEEDED);
  EXPECT_GT(last.report().reach_people(), 0);
  for (size_t i = 1; i < lines.size(); ++i)
    EXPECT_GE(lines[i].run().fraction(), lines[i - 1].run().fraction());

  // The same report as a plain run of the scenario.
  grpc::ClientContext context;
  v1::RunScenarioRequest request;
  *request.mutable_scenario() = start.scenario();
  v1::RunScenarioResponse plain;
  ASSERT_TRUE(stub_->RunScenario(&context, request, &plain).ok());
  EXPECT_EQ(last.report().SerializeAsString(),
            plain.report().SerializeAsString());

  httplib::Result unknown = Post("WatchRun", "{\"id\": \"run-404\"}");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
}

TEST_F(HttpGatewayTest, CancelStopsARunAndMetricsCountIt) {
  // Long enough to be cancelled while it runs (tens of seconds alone).
  v1::StartRunRequest start;
  *start.mutable_scenario() = TestCity(50000000);
  start.mutable_scenario()->set_flight_days(60);
  httplib::Result started = Post("StartRun", Json(start));
  ASSERT_TRUE(started);
  ASSERT_EQ(started->status, 200) << started->body;
  const std::string id =
      FromJson<v1::StartRunResponse>(started->body).run().id();
  // Wait until it runs (never assume a speed).
  for (int i = 0; i < 6000; ++i) {
    const auto got = FromJson<v1::GetRunResponse>(
        Post("GetRun", absl::StrCat("{\"id\": \"", id, "\"}"))->body);
    if (got.run().state() == v1::RUN_STATE_RUNNING) break;
    absl::SleepFor(absl::Milliseconds(10));
  }
  httplib::Result cancelled =
      Post("CancelRun", absl::StrCat("{\"id\": \"", id, "\"}"));
  ASSERT_TRUE(cancelled);
  EXPECT_EQ(cancelled->status, 200) << cancelled->body;
  httplib::Result watched =
      Post("WatchRun", absl::StrCat("{\"id\": \"", id, "\"}"));
  ASSERT_TRUE(watched);
  const std::vector<std::string> lines =
      absl::StrSplit(watched->body, '\n', absl::SkipEmpty());
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(FromJson<v1::WatchRunResponse>(lines.back()).run().state(),
            v1::RUN_STATE_CANCELLED);
  // The runner counts the run's end once it has stopped.
  std::map<std::string, double> m;
  for (int i = 0; i < 6000; ++i) {
    m = Scrape();
    if (m["aiotreach_runs_cancelled_total"] >= 1) break;
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ(m["aiotreach_runs_started_total"], 1);
  EXPECT_EQ(m["aiotreach_runs_cancelled_total"], 1);
  EXPECT_EQ(m["aiotreach_runs_finished_total"], 0);
  EXPECT_EQ(m["aiotreach_kept_runs{state=\"RUN_STATE_CANCELLED\"}"], 1);
}

TEST_F(HttpGatewayTest, MetricsCountRunsCallsAndPersonDays) {
  const std::map<std::string, double> before = Scrape();
  EXPECT_EQ(before.at("aiotreach_runs_started_total"), 0);
  EXPECT_EQ(before.at("aiotreach_running_runs"), 0);
  EXPECT_EQ(before.at("aiotreach_memory_budget_bytes"), 1024.0 * (1 << 20));
  EXPECT_GT(before.at("aiotreach_resident_memory_bytes"), 0);

  v1::RunScenarioRequest request;
  *request.mutable_scenario() = TestCity(20000);
  request.mutable_scenario()->set_replicates(2);
  httplib::Result r = Post("RunScenario", Json(request));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  const auto report = FromJson<v1::RunScenarioResponse>(r->body).report();
  // A failed call over gRPC counts too, by its code.
  grpc::ClientContext context;
  v1::GetRunRequest get;
  get.set_id("run-77");
  v1::GetRunResponse got;
  EXPECT_EQ(stub_->GetRun(&context, get, &got).error_code(),
            grpc::StatusCode::NOT_FOUND);

  // httplib counts a request once its answer is written, so the client
  // may see the answer first: wait for the count (never assume a speed).
  const std::string http_ok =
      "aiotreach_http_requests_total{route=\"/v1/[A-Za-z]+\",status=\"200\"}";
  std::map<std::string, double> m = Scrape();
  for (int i = 0; i < 6000 && m.count(http_ok) == 0; ++i) {
    absl::SleepFor(absl::Milliseconds(10));
    m = Scrape();
  }
  EXPECT_EQ(m.at("aiotreach_runs_started_total"), 1);
  EXPECT_EQ(m.at("aiotreach_runs_finished_total"), 1);
  EXPECT_EQ(m.at("aiotreach_run_seconds_count"), 1);
  EXPECT_EQ(m.at("aiotreach_run_seconds_bucket{le=\"+Inf\"}"), 1);
  EXPECT_GT(m.at("aiotreach_run_seconds_sum"), 0);
  // People x flight days x replicates.
  EXPECT_EQ(m.at("aiotreach_person_days_simulated_total"),
            2.0 * report.population().people() * 7);
  EXPECT_EQ(m.at("aiotreach_rpcs_total{method=\"RunScenario\",code=\"OK\"}"),
            1);
  EXPECT_EQ(m.at("aiotreach_rpcs_total{method=\"GetRun\",code=\"NOT_FOUND\"}"),
            1);
  EXPECT_EQ(m.at("aiotreach_rpc_seconds_count{method=\"RunScenario\"}"), 1);
  EXPECT_EQ(m.at(http_ok), 1);
  // Buckets are cumulative: none holds more than the count.
  for (const auto& [name, value] : m) {
    if (name.rfind("aiotreach_run_seconds_bucket", 0) != 0) continue;
    EXPECT_LE(value, m.at("aiotreach_run_seconds_count")) << name;
  }
}

TEST_F(HttpGatewayTest, ServesThePageAndTheVendoredChartLibrary) {
  httplib::Result r = Client().Get("/assets/echarts.common.min.js");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"),
            "text/javascript; charset=utf-8");
  const StaticFile* file = FindStaticFile("echarts.common.min.js");
  ASSERT_NE(file, nullptr);
  EXPECT_EQ(r->body, file->content);
  EXPECT_GT(r->body.size(), 100000u);
  // The page: its HTML at / and its script and style under /assets.
  httplib::Result index = Client().Get("/");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->status, 200);
  EXPECT_EQ(index->get_header_value("Content-Type"),
            "text/html; charset=utf-8");
  EXPECT_NE(index->body.find("what-if planner"), std::string::npos);
  for (const char* asset : {"/assets/app.js", "/assets/style.css"}) {
    httplib::Result a = Client().Get(asset);
    ASSERT_TRUE(a) << asset;
    EXPECT_EQ(a->status, 200) << asset;
    EXPECT_NE(index->body.find(asset), std::string::npos) << asset;
  }
  httplib::Result missing = Client().Get("/assets/nothing.js");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  httplib::Result escape = Client().Get("/assets/..%2F..%2Fetc%2Fpasswd");
  ASSERT_TRUE(escape);
  EXPECT_EQ(escape->status, 404);
}

TEST(HttpGatewayTlsTest, HttpsWithTheServersCertificate) {
  ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.http_listen = "127.0.0.1:0";
  options.threads = 1;
  options.tls_cert = Testdata("server.crt");
  options.tls_key = Testdata("server.key");
  absl::StatusOr<std::unique_ptr<ReachServer>> server =
      ReachServer::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string& a = (*server)->http_address();
  const int port = std::stoi(a.substr(a.rfind(':') + 1));
  httplib::SSLClient tls("127.0.0.1", port);
  tls.set_ca_cert_path(Testdata("server.crt").c_str());
  tls.enable_server_certificate_verification(true);
  httplib::Result r = tls.Get("/healthz");
  ASSERT_TRUE(r) << httplib::to_string(r.error());
  EXPECT_EQ(r->status, 200);
  httplib::Client plain("127.0.0.1", port);
  plain.set_read_timeout(std::chrono::seconds(5));
  httplib::Result refused = plain.Get("/healthz");
  EXPECT_TRUE(!refused || refused->status != 200);
}

TEST(HttpGatewayOptionsTest, BadAddressesAreRefused) {
  ServerOptions options;
  options.listen = "127.0.0.1:0";
  for (const char* bad :
       {"nonsense", "127.0.0.1:http", "127.0.0.1:70000", ":80"}) {
    options.http_listen = bad;
    const absl::Status s = ReachServer::Start(options).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(s.message().find("--http_listen"), std::string::npos) << bad;
  }
}

TEST(HttpStatusTest, GrpcCodesMapAsGrpcGatewayDoes) {
  EXPECT_EQ(HttpStatusOf(0), 200);
  EXPECT_EQ(HttpStatusOf(static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT)),
            400);
  EXPECT_EQ(HttpStatusOf(static_cast<int>(grpc::StatusCode::UNAUTHENTICATED)),
            401);
  EXPECT_EQ(
      HttpStatusOf(static_cast<int>(grpc::StatusCode::RESOURCE_EXHAUSTED)),
      429);
  EXPECT_EQ(HttpStatusOf(static_cast<int>(grpc::StatusCode::DEADLINE_EXCEEDED)),
            504);
  EXPECT_EQ(HttpStatusOf(static_cast<int>(grpc::StatusCode::UNAVAILABLE)), 503);
  EXPECT_EQ(HttpStatusOf(static_cast<int>(grpc::StatusCode::INTERNAL)), 500);
}

}  // namespace
}  // namespace aiotreach
