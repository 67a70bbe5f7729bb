// Fuzz target: the service's request handling without a network. The first
// byte picks an RPC, the rest is its request message as binary protobuf
// (what gRPC would hand the handler); the handler runs on a server's
// parts (Runner, EcosystemStore, RunRegistry) built once. Every answer must
// be a status the RPC documents; crashes and sanitizer reports are bugs.
//
// Sizes are clamped before the call (at most 2,000 people, 28 days, rates
// of 5 a day, 2 replicates, 3 variants or budgets) so that each input runs
// in milliseconds: the fuzzer explores fields and their validation, not
// long simulations. WatchRun (a stream) is left out.
#include <grpcpp/server_context.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <memory>

#include "aiotreach/v1/service.pb.h"
#include "services/server/ecosystem_store.h"
#include "services/server/reach_service.h"
#include "services/server/run_registry.h"
#include "services/server/runner.h"

namespace aiotreach {
namespace {

constexpr int64_t kMaxPeople = 2000;

void Clamp(v1::Scenario* s) {
  if (s->population() <= 0 || s->population() > kMaxPeople)
    s->set_population(kMaxPeople);
  s->set_flight_days(std::min(s->flight_days(), 28));
  s->set_replicates(std::min(s->replicates(), 2));
  for (v1::Placement& p : *s->mutable_placements()) {
    if (p.opportunity().has_poisson()) {
      auto* poisson = p.mutable_opportunity()->mutable_poisson();
      poisson->set_rate(std::min(poisson->rate(), 5.0));
    }
  }
}

struct Harness {
  Harness()
      : auth(""),
        store(int64_t{64} << 20),
        runner(Options(), &store),
        runs(&runner, ""),
        service(&runner, &store, &runs, 1, &auth) {}
  static RunnerOptions Options() {
    RunnerOptions o;
    o.threads = 1;
    o.max_concurrent_runs = 1;
    o.max_queued_runs = 8;
    o.memory_budget_bytes = int64_t{64} << 20;
    return o;
  }
  TokenCheck auth;
  EcosystemStore store;
  Runner runner;
  RunRegistry runs;
  ReachServiceImpl service;
};

template <typename Request, typename Response, typename Handler>
grpc::Status Call(const uint8_t* data, size_t size, Handler handler,
                  void (*clamp)(Request*) = nullptr) {
  Request request;
  if (!request.ParseFromArray(data, static_cast<int>(size)))
    return grpc::Status::OK;
  if (clamp != nullptr) clamp(&request);
  Response response;
  grpc::ServerContext context;
  return handler(&context, &request, &response);
}

}  // namespace
}  // namespace aiotreach

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace aiotreach;  // NOLINT
  static Harness* h = new Harness();
  if (size < 1) return 0;
  ReachServiceImpl& s = h->service;
  const uint8_t* body = data + 1;
  const size_t n = size - 1;
  grpc::Status status;
  switch (data[0] % 11) {
    case 0:
      status = Call<v1::CreateEcosystemRequest, v1::CreateEcosystemResponse>(
          body, n,
          [&](auto* c, auto* q, auto* r) { return s.CreateEcosystem(c, q, r); },
          [](v1::CreateEcosystemRequest* q) {
            if (q->population() <= 0 || q->population() > kMaxPeople)
              q->set_population(kMaxPeople);
          });
      break;
    case 1:
      status = Call<v1::GetEcosystemRequest, v1::GetEcosystemResponse>(
          body, n,
          [&](auto* c, auto* q, auto* r) { return s.GetEcosystem(c, q, r); });
      break;
    case 2:
      status = Call<v1::ListEcosystemsRequest, v1::ListEcosystemsResponse>(
          body, n,
          [&](auto* c, auto* q, auto* r) { return s.ListEcosystems(c, q, r); });
      break;
    case 3:
      status = Call<v1::DeleteEcosystemRequest, v1::DeleteEcosystemResponse>(
          body, n, [&](auto* c, auto* q, auto* r) {
            return s.DeleteEcosystem(c, q, r);
          });
      break;
    case 4:
      status = Call<v1::RunScenarioRequest, v1::RunScenarioResponse>(
          body, n,
          [&](auto* c, auto* q, auto* r) { return s.RunScenario(c, q, r); },
          [](v1::RunScenarioRequest* q) { Clamp(q->mutable_scenario()); });
      break;
    case 5:
      status = Call<v1::StartRunRequest, v1::StartRunResponse>(
          body, n,
          [&](auto* c, auto* q, auto* r) { return s.StartRun(c, q, r); },
          [](v1::StartRunRequest* q) { Clamp(q->mutable_scenario()); });
      break;
    case 6:
      status = Call<v1::GetRunRequest, v1::GetRunResponse>(
          body, n,
          [&](auto* c, auto* q, auto* r) { return s.GetRun(c, q, r); });
      break;
    case 7:
      status = Call<v1::ListRunsRequest, v1::ListRunsResponse>(
          body, n,
          [&](auto* c, auto* q, auto* r) { return s.ListRuns(c, q, r); });
      break;
    case 8:
      status = Call<v1::CancelRunRequest, v1::CancelRunResponse>(
          body, n,
          [&](auto* c, auto* q, auto* r) { return s.CancelRun(c, q, r); });
      break;
    case 9:
      status = Call<v1::CompareScenariosRequest, v1::CompareScenariosResponse>(
          body, n,
          [&](auto* c, auto* q, auto* r) {
            return s.CompareScenarios(c, q, r);
          },
          [](v1::CompareScenariosRequest* q) {
            Clamp(q->mutable_base());
            while (q->variants_size() > 3) q->mutable_variants()->RemoveLast();
            for (v1::Scenario& v : *q->mutable_variants()) Clamp(&v);
          });
      break;
    default:
      status = Call<v1::SweepBudgetRequest, v1::SweepBudgetResponse>(
          body, n,
          [&](auto* c, auto* q, auto* r) { return s.SweepBudget(c, q, r); },
          [](v1::SweepBudgetRequest* q) {
            Clamp(q->mutable_scenario());
            while (q->budgets_size() > 3) q->mutable_budgets()->RemoveLast();
          });
  }
  if (status.error_code() == grpc::StatusCode::INTERNAL ||
      status.error_code() == grpc::StatusCode::UNKNOWN) {
    std::cerr << "unexpected status " << status.error_code() << ": "
              << status.error_message() << "\n";
    std::abort();
  }
  return 0;
}
