#include "services/server/reach_service.h"

#include <chrono>
#include <vector>

#include "services/server/grpc_status.h"

namespace aiotreach {
namespace {

// The call's cancellation and deadline, for the engine.
CallControl ControlOf(grpc::ServerContext* context) {
  CallControl call;
  call.cancelled = [context] { return context->IsCancelled(); };
  call.deadline = context->deadline();
  return call;
}

}  // namespace

grpc::Status ReachServiceImpl::Authorize(
    const grpc::ServerContext* context) const {
  return auth_->Allows(context->client_metadata()) ? grpc::Status::OK
                                                   : TokenCheck::Denied();
}

grpc::Status ReachServiceImpl::CreateEcosystem(
    grpc::ServerContext* context, const v1::CreateEcosystemRequest* request,
    v1::CreateEcosystemResponse* response) {
  if (grpc::Status denied = Authorize(context); !denied.ok()) return denied;
  absl::StatusOr<v1::EcosystemInfo> info = store_->Create(*request, threads_);
  if (info.ok()) *response->mutable_ecosystem() = *std::move(info);
  return ToGrpcStatus(info.status());
}

grpc::Status ReachServiceImpl::GetEcosystem(
    grpc::ServerContext* context, const v1::GetEcosystemRequest* request,
    v1::GetEcosystemResponse* response) {
  if (grpc::Status denied = Authorize(context); !denied.ok()) return denied;
  absl::StatusOr<EcosystemStore::Entry> entry = store_->Get(request->id());
  if (entry.ok()) *response->mutable_ecosystem() = entry->info;
  return ToGrpcStatus(entry.status());
}

grpc::Status ReachServiceImpl::ListEcosystems(
    grpc::ServerContext* context, const v1::ListEcosystemsRequest*,
    v1::ListEcosystemsResponse* response) {
  if (grpc::Status denied = Authorize(context); !denied.ok()) return denied;
  for (v1::EcosystemInfo& info : store_->List())
    *response->add_ecosystems() = std::move(info);
  return grpc::Status::OK;
}

grpc::Status ReachServiceImpl::DeleteEcosystem(
    grpc::ServerContext* context, const v1::DeleteEcosystemRequest* request,
    v1::DeleteEcosystemResponse*) {
  if (grpc::Status denied = Authorize(context); !denied.ok()) return denied;
  return ToGrpcStatus(store_->Delete(request->id()));
}

grpc::Status ReachServiceImpl::RunScenario(
    grpc::ServerContext* context, const v1::RunScenarioRequest* request,
    v1::RunScenarioResponse* response) {
  if (grpc::Status denied = Authorize(context); !denied.ok()) return denied;
  absl::StatusOr<v1::Report> report = runner_->Run(
      request->scenario(), request->ecosystem_id(), ControlOf(context));
  if (report.ok()) *response->mutable_report() = *std::move(report);
  return ToGrpcStatus(report.status());
}

grpc::Status ReachServiceImpl::CompareScenarios(
    grpc::ServerContext* context, const v1::CompareScenariosRequest* request,
    v1::CompareScenariosResponse* response) {
  if (grpc::Status denied = Authorize(context); !denied.ok()) return denied;
  const std::vector<v1::Scenario> variants(request->variants().begin(),
                                           request->variants().end());
  absl::StatusOr<v1::Comparison> comparison = runner_->Compare(
      request->base(), variants, request->ecosystem_id(), ControlOf(context));
  if (comparison.ok()) *response->mutable_comparison() = *std::move(comparison);
  return ToGrpcStatus(comparison.status());
}

grpc::Status ReachServiceImpl::SweepBudget(
    grpc::ServerContext* context, const v1::SweepBudgetRequest* request,
    v1::SweepBudgetResponse* response) {
  if (grpc::Status denied = Authorize(context); !denied.ok()) return denied;
  v1::SweepSpec spec;
  spec.set_placement(request->placement());
  *spec.mutable_split() = request->split();
  *spec.mutable_budgets() = request->budgets();
  *spec.mutable_shares_of_voice() = request->shares_of_voice();
  *spec.mutable_days() = request->days();
  absl::StatusOr<v1::SweepCurve> curve = runner_->Sweep(
      request->scenario(), spec, request->ecosystem_id(), ControlOf(context));
  if (curve.ok()) *response->mutable_curve() = *std::move(curve);
  return ToGrpcStatus(curve.status());
}

grpc::Status ReachServiceImpl::OptimizeBudget(
    grpc::ServerContext* context, const v1::OptimizeBudgetRequest* request,
    v1::OptimizeBudgetResponse* response) {
  if (grpc::Status denied = Authorize(context); !denied.ok()) return denied;
  absl::StatusOr<v1::Optimization> o =
      runner_->Optimize(request->scenario(), request->options(),
                        request->ecosystem_id(), ControlOf(context));
  if (o.ok()) *response->mutable_optimization() = *std::move(o);
  return ToGrpcStatus(o.status());
}

grpc::Status ReachServiceImpl::Calibrate(grpc::ServerContext* context,
                                         const v1::CalibrateRequest* request,
                                         v1::CalibrateResponse* response) {
  if (grpc::Status denied = Authorize(context); !denied.ok()) return denied;
  absl::StatusOr<v1::Calibration> c =
      runner_->Calibrate(request->scenario(), request->options(),
                         request->ecosystem_id(), ControlOf(context));
  if (c.ok()) *response->mutable_calibration() = *std::move(c);
  return ToGrpcStatus(c.status());
}

grpc::Status ReachServiceImpl::StartRun(grpc::ServerContext* context,
                                        const v1::StartRunRequest* request,
                                        v1::StartRunResponse* response) {
  if (grpc::Status denied = Authorize(context); !denied.ok()) return denied;
  absl::StatusOr<v1::RunInfo> run = runs_->Start(
      request->scenario(), request->ecosystem_id(), request->ranks());
  if (run.ok()) *response->mutable_run() = *std::move(run);
  return ToGrpcStatus(run.status());
}

grpc::Status ReachServiceImpl::WatchRun(
    grpc::ServerContext* context, const v1::WatchRunRequest* request,
    grpc::ServerWriter<v1::WatchRunResponse>* writer) {
  if (grpc::Status denied = Authorize(context); !denied.ok()) return denied;
  return ToGrpcStatus(runs_->Watch(
      request->id(),
      [writer](const v1::RunInfo& run, const v1::Report* report) {
        v1::WatchRunResponse message;
        *message.mutable_run() = run;
        if (report != nullptr) *message.mutable_report() = *report;
        return writer->Write(message);
      },
      [context] { return context->IsCancelled(); }));
}

grpc::Status ReachServiceImpl::GetRun(grpc::ServerContext* context,
                                      const v1::GetRunRequest* request,
                                      v1::GetRunResponse* response) {
  if (grpc::Status denied = Authorize(context); !denied.ok()) return denied;
  absl::StatusOr<v1::GetRunResponse> run = runs_->Get(request->id());
  if (run.ok()) *response = *std::move(run);
  return ToGrpcStatus(run.status());
}

grpc::Status ReachServiceImpl::ListRuns(grpc::ServerContext* context,
                                        const v1::ListRunsRequest* request,
                                        v1::ListRunsResponse* response) {
  if (grpc::Status denied = Authorize(context); !denied.ok()) return denied;
  absl::StatusOr<v1::ListRunsResponse> runs = runs_->List(*request);
  if (runs.ok()) *response = *std::move(runs);
  return ToGrpcStatus(runs.status());
}

grpc::Status ReachServiceImpl::CancelRun(grpc::ServerContext* context,
                                         const v1::CancelRunRequest* request,
                                         v1::CancelRunResponse* response) {
  if (grpc::Status denied = Authorize(context); !denied.ok()) return denied;
  absl::StatusOr<v1::RunInfo> run = runs_->Cancel(request->id());
  if (run.ok()) *response->mutable_run() = *std::move(run);
  return ToGrpcStatus(run.status());
}

}  // namespace aiotreach
