// Status propagation helpers for the engine and its faces.
//
// Debian's Abseil (20220623) ships no public RETURN_IF_ERROR, so these are
// the project's one pair of macros. Each evaluates its argument once.
//
//   AIOT_RETURN_IF_ERROR(ValidateSpec(spec));
//   AIOT_ASSIGN_OR_RETURN(std::unique_ptr<Ecosystem> eco,
//   Ecosystem::Build(spec));
#ifndef AIOTREACH_ENGINE_STATUS_MACROS_H_
#define AIOTREACH_ENGINE_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define AIOT_RETURN_IF_ERROR(expr)               \
  do {                                           \
    const ::absl::Status aiot_status_ = (expr);  \
    if (!aiot_status_.ok()) return aiot_status_; \
  } while (false)

#define AIOT_STATUS_CONCAT_INNER_(a, b) a##b
#define AIOT_STATUS_CONCAT_(a, b) AIOT_STATUS_CONCAT_INNER_(a, b)

#define AIOT_ASSIGN_OR_RETURN(lhs, expr)                                     \
  AIOT_ASSIGN_OR_RETURN_IMPL_(AIOT_STATUS_CONCAT_(aiot_statusor_, __LINE__), \
                              lhs, expr)

#define AIOT_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr)   \
  auto statusor = (expr);                                  \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

#endif  // AIOTREACH_ENGINE_STATUS_MACROS_H_
