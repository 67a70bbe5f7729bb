// aiotreach.v1.ReachService over the engine: each RPC converts its request,
// calls the Runner or the EcosystemStore, and maps the status with
// ToGrpcStatus. No simulation logic lives here.
//
// Thread-safe: gRPC calls the handlers from many threads.
#ifndef AIOTREACH_SERVICES_SERVER_REACH_SERVICE_H_
#define AIOTREACH_SERVICES_SERVER_REACH_SERVICE_H_

#include "aiotreach/v1/service.grpc.pb.h"
#include "services/server/auth.h"
#include "services/server/ecosystem_store.h"
#include "services/server/run_registry.h"
#include "services/server/runner.h"

namespace aiotreach {

class ReachServiceImpl final : public v1::ReachService::Service {
 public:
  // `runner`, `store`, `runs` and `auth` must outlive the service;
  // `threads` builds stored populations. Every call must pass `auth`.
  ReachServiceImpl(Runner* runner, EcosystemStore* store, RunRegistry* runs,
                   int threads, const TokenCheck* auth)
      : runner_(runner),
        store_(store),
        runs_(runs),
        threads_(threads),
        auth_(auth) {}

  grpc::Status CreateEcosystem(grpc::ServerContext* context,
                               const v1::CreateEcosystemRequest* request,
                               v1::CreateEcosystemResponse* response) override;
  grpc::Status GetEcosystem(grpc::ServerContext* context,
                            const v1::GetEcosystemRequest* request,
                            v1::GetEcosystemResponse* response) override;
  grpc::Status ListEcosystems(grpc::ServerContext* context,
                              const v1::ListEcosystemsRequest* request,
                              v1::ListEcosystemsResponse* response) override;
  grpc::Status DeleteEcosystem(grpc::ServerContext* context,
                               const v1::DeleteEcosystemRequest* request,
                               v1::DeleteEcosystemResponse* response) override;
  grpc::Status RunScenario(grpc::ServerContext* context,
                           const v1::RunScenarioRequest* request,
                           v1::RunScenarioResponse* response) override;
  grpc::Status CompareScenarios(
      grpc::ServerContext* context, const v1::CompareScenariosRequest* request,
      v1::CompareScenariosResponse* response) override;
  grpc::Status SweepBudget(grpc::ServerContext* context,
                           const v1::SweepBudgetRequest* request,
                           v1::SweepBudgetResponse* response) override;
  grpc::Status OptimizeBudget(grpc::ServerContext* context,
                              const v1::OptimizeBudgetRequest* request,
                              v1::OptimizeBudgetResponse* response) override;
  grpc::Status Calibrate(grpc::ServerContext* context,
                         const v1::CalibrateRequest* request,
                         v1::CalibrateResponse* response) override;
  grpc::Status StartRun(grpc::ServerContext* context,
                        const v1::StartRunRequest* request,
                        v1::StartRunResponse* response) override;
  grpc::Status WatchRun(
      grpc::ServerContext* context, const v1::WatchRunRequest* request,
      grpc::ServerWriter<v1::WatchRunResponse>* writer) override;
  grpc::Status GetRun(grpc::ServerContext* context,
                      const v1::GetRunRequest* request,
                      v1::GetRunResponse* response) override;
  grpc::Status ListRuns(grpc::ServerContext* context,
                        const v1::ListRunsRequest* request,
                        v1::ListRunsResponse* response) override;
  grpc::Status CancelRun(grpc::ServerContext* context,
                         const v1::CancelRunRequest* request,
                         v1::CancelRunResponse* response) override;

 private:
  // OK, or UNAUTHENTICATED when a token is set and the call lacks it.
  // OK, or UNAUTHENTICATED: the first line of every handler.
  grpc::Status Authorize(const grpc::ServerContext* context) const;

  Runner* runner_;
  EcosystemStore* store_;
  RunRegistry* runs_;
  int threads_;
  const TokenCheck* auth_;
};

}  // namespace aiotreach

#endif  // AIOTREACH_SERVICES_SERVER_REACH_SERVICE_H_
