#include "engine/calibrate.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "eigen3/Eigen/Dense"
#include "engine/figures.h"
#include "engine/presets.h"
#include "engine/status_macros.h"
#include "engine/validation.h"
#include "engine/what_if.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace aiotreach {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// A derivative's step: this share of the value (kMinStep at 0). Large
// enough that many people change outcome between the two runs, so the
// difference of two common-random-number runs is smooth.
constexpr double kRelativeStep = 0.05;
constexpr double kMinStep = 1e-3;

// A field of a message, reached from the scenario.
struct Target {
  Message* message = nullptr;
  const FieldDescriptor* field = nullptr;
};

std::string Expand(const std::string& path) {
  return path == "activity_shape" ? "ecosystem.spec.activity_shape" : path;
}

// Walks `path` from `root`: message fields by name, repeated ones by the
// name of an element (or its index) in brackets or as the next part.
absl::StatusOr<Target> Resolve(Message* root, const std::string& path,
                               const std::string& field) {
  const std::string full = Expand(path);
  const std::vector<absl::string_view> parts = SplitFieldPath(full);
  auto error = [&](const std::string& why) {
    return FieldError(field, absl::StrCat(Quoted(path), ": ", why));
  };
  Message* m = root;
  for (size_t i = 0; i < parts.size(); ++i) {
    absl::StatusOr<FieldPathPart> parsed = ParseFieldPathPart(parts[i]);
    if (!parsed.ok()) return error(std::string(parsed.status().message()));
    const std::string& part = parsed->field;
    std::string key = parsed->key;
    const bool keyed = parsed->keyed;
    absl::StatusOr<const FieldDescriptor*> found =
        FieldOf(*m->GetDescriptor(), part);
    if (!found.ok()) return error(std::string(found.status().message()));
    const FieldDescriptor* f = *found;
    const google::protobuf::Reflection* r = m->GetReflection();
    const bool last = i + 1 == parts.size();
    if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
      if (!last || keyed || f->is_repeated())
        return error(absl::StrCat(Quoted(part), " is not a message"));
      if (f->cpp_type() != FieldDescriptor::CPPTYPE_DOUBLE &&
          f->cpp_type() != FieldDescriptor::CPPTYPE_FLOAT) {
        return error(absl::StrCat(Quoted(part),
                                  " is not a real number: only those are "
                                  "fitted"));
      }
      return Target{m, f};
    }
    if (last) return error("ends at a message, not a number");
    if (!f->is_repeated()) {
      if (keyed) return error(absl::StrCat(Quoted(part), " is not a list"));
      if (f->containing_oneof() != nullptr && !r->HasField(*m, f)) {
        const FieldDescriptor* set =
            r->GetOneofFieldDescriptor(*m, f->containing_oneof());
        return error(absl::StrCat(
            Quoted(part), " is not set (the scenario sets ",
            set != nullptr ? set->name() : std::string("none of its kind"),
            ")"));
      }
      m = r->MutableMessage(m, f);
      continue;
    }
    // A list: the element by name (or index), in brackets or next.
    if (!keyed) {
      if (i + 1 >= parts.size())
        return error(absl::StrCat(Quoted(part), " needs an element's name"));
      key = std::string(parts[++i]);
    }
    Message* element = nullptr;
    std::vector<std::string> names;
    for (int j = 0; j < r->FieldSize(*m, f); ++j) {
      Message* e = r->MutableRepeatedMessage(m, f, j);
      const FieldDescriptor* name = e->GetDescriptor()->FindFieldByName("name");
      names.push_back(name != nullptr ? e->GetReflection()->GetString(*e, name)
                                      : absl::StrCat(j));
      if (names.back() == key && element == nullptr) element = e;
    }
    int index = -1;
    if (element == nullptr && absl::SimpleAtoi(key, &index) && index >= 0 &&
        index < r->FieldSize(*m, f)) {
      element = r->MutableRepeatedMessage(m, f, index);
    }
    if (element == nullptr) {
      return error(absl::StrCat("no ", Quoted(key), " in ", part, " (",
                                absl::StrJoin(names, ", "), ")"));
    }
    if (i + 1 == parts.size()) return error("ends at a message, not a number");
    m = element;
  }
  return error("an empty path");
}

// Inlines a preset ecosystem as its spec, so that ecosystem parameters can
// be fitted and written back.
absl::Status InlinePreset(v1::Scenario* s) {
  if (!s->ecosystem().has_preset()) return absl::OkStatus();
  if (s->platform_units()) {
    return FieldError("fit",
                      "ecosystem parameters of a preset cannot be fitted in "
                      "platform units (the platform is the preset as it is)");
  }
  AIOT_ASSIGN_OR_RETURN(const PresetInfo* preset,
                        FindPreset(s->ecosystem().preset().name()));
  if (s->population() == 0) {
    const double scale = s->ecosystem().preset().scale();
    s->set_population(static_cast<int64_t>(
        std::llround(preset->population * (scale == 0.0 ? 1.0 : scale))));
  }
  *s->mutable_ecosystem()->mutable_spec() = preset->spec;
  return absl::OkStatus();
}

double ValueAt(const Target& t) {
  const google::protobuf::Reflection* r = t.message->GetReflection();
  return t.field->cpp_type() == FieldDescriptor::CPPTYPE_DOUBLE
             ? r->GetDouble(*t.message, t.field)
             : r->GetFloat(*t.message, t.field);
}

void SetAt(const Target& t, double v) {
  const google::protobuf::Reflection* r = t.message->GetReflection();
  if (t.field->cpp_type() == FieldDescriptor::CPPTYPE_DOUBLE) {
    r->SetDouble(t.message, t.field, v);
  } else {
    r->SetFloat(t.message, t.field, static_cast<float>(v));
  }
}

// Regularised upper incomplete gamma Q(a, x) (Numerical Recipes 6.2: the
// series below a + 1, the continued fraction above).
double GammaQ(double a, double x) {
  if (x <= 0.0) return 1.0;
  const double log_front = a * std::log(x) - x - std::lgamma(a);
  if (x < a + 1.0) {
    double term = 1.0 / a, sum = term;
    for (int n = 1; n < 1000 && term > sum * 1e-16; ++n) {
      term *= x / (a + n);
      sum += term;
    }
    return std::max(0.0, 1.0 - sum * std::exp(log_front));
  }
  const double tiny = 1e-300;
  double b = x + 1.0 - a, c = 1.0 / tiny, d = 1.0 / b, h = d;
  for (int i = 1; i < 1000; ++i) {
    const double an = -i * (i - a);
    b += 2.0;
    d = an * d + b;
    if (std::fabs(d) < tiny) d = tiny;
    c = b + an / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1.0 / d;
    const double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1.0) < 1e-16) break;
  }
  return std::exp(log_front) * h;
}

// The problem: parameters, figures and their weights, and runs.
class Fit {
 public:
  Fit(v1::Scenario base, std::vector<std::string> params,
      const v1::CalibrateOptions& options, const RunOptions& run,
      const StoredPopulation* stored)
      : base_(std::move(base)),
        params_(std::move(params)),
        options_(options),
        run_(run),
        stored_(stored) {}

  int evaluations() const { return evaluations_; }

  // The scenario at parameters x.
  absl::StatusOr<v1::Scenario> At(const Eigen::VectorXd& x) const {
    v1::Scenario s = base_;
    for (size_t j = 0; j < params_.size(); ++j) {
      AIOT_RETURN_IF_ERROR(
          SetParameter(&s, params_[j], x[j], FieldPath("", "fit", j)));
    }
    return s;
  }

  // Runs each point; a point the scenario rejects (a probability past 1,
  // say) comes back as its error.
  std::vector<absl::StatusOr<v1::Report>> Run(
      const std::vector<Eigen::VectorXd>& points) {
    std::vector<v1::Scenario> scenarios;
    std::vector<int> which;
    std::vector<absl::StatusOr<v1::Report>> out(points.size(),
                                                absl::UnknownError(""));
    for (size_t i = 0; i < points.size(); ++i) {
      absl::StatusOr<v1::Scenario> s = At(points[i]);
      if (!s.ok()) {
        out[i] = s.status();
        continue;
      }
      scenarios.push_back(*std::move(s));
      which.push_back(static_cast<int>(i));
    }
    std::vector<absl::StatusOr<v1::Report>> reports =
        RunScenarios(scenarios, run_, stored_, [&] {
          ++evaluations_;
          if (run_.progress)
            run_.progress(std::min(0.99, evaluations_ / 200.0));
        });
    for (size_t k = 0; k < which.size(); ++k)
      out[which[k]] = std::move(reports[k]);
    return out;
  }

  // Weighted residuals (figure - observed) / se of a report.
  absl::StatusOr<Eigen::VectorXd> Residuals(const v1::Report& r) const {
    const int m = options_.observed_size();
    Eigen::VectorXd out(m);
    for (int i = 0; i < m; ++i) {
      const v1::ObservedFigure& o = options_.observed(i);
      absl::StatusOr<double> v = FigureValue(r, o.figure());
      if (!v.ok()) {
        return FieldError(FieldPath("", "observed", i) + ".figure",
                          v.status().message());
      }
      out[i] = (*v - o.value()) / Se(o);
    }
    return out;
  }

  static double Se(const v1::ObservedFigure& o) {
    return o.standard_error() > 0.0
               ? o.standard_error()
               : std::max(1e-6, 0.01 * std::fabs(o.value()));
  }

 private:
  const v1::Scenario base_;
  const std::vector<std::string> params_;
  const v1::CalibrateOptions& options_;
  const RunOptions& run_;
  const StoredPopulation* stored_;
  int evaluations_ = 0;
};

}  // namespace

absl::StatusOr<double> GetParameter(const v1::Scenario& scenario,
                                    const std::string& path,
                                    const std::string& field) {
  v1::Scenario copy = scenario;
  AIOT_ASSIGN_OR_RETURN(const Target t, Resolve(&copy, path, field));
  return ValueAt(t);
}

absl::Status SetParameter(v1::Scenario* scenario, const std::string& path,
                          double value, const std::string& field) {
  AIOT_ASSIGN_OR_RETURN(const Target t, Resolve(scenario, path, field));
  SetAt(t, value);
  return absl::OkStatus();
}

double ChiSquareSurvival(double x, int dof) {
  return dof <= 0 ? 1.0 : GammaQ(dof / 2.0, x / 2.0);
}

absl::StatusOr<v1::Calibration> Calibrate(const v1::Scenario& scenario,
                                          const v1::CalibrateOptions& options,
                                          const RunOptions& run,
                                          const StoredPopulation* stored) {
  const int k = options.fit_size();
  const int m = options.observed_size();
  if (k == 0) return FieldError("fit", "name at least one parameter to fit");
  if (k > kMaxFitParameters) {
    return FieldError("fit", absl::StrCat("at most ", kMaxFitParameters,
                                          " parameters, got ", k));
  }
  if (m > kMaxObservedFigures) {
    return FieldError("observed", absl::StrCat("at most ", kMaxObservedFigures,
                                               " figures, got ", m));
  }
  if (m < k) {
    return FieldError("observed",
                      absl::StrCat("needs at least as many figures as "
                                   "parameters (",
                                   k, "), got ", m));
  }
  AIOT_RETURN_IF_ERROR(
      CheckIntInRange(options.max_iterations(), 0, 1000, "max_iterations"));
  const int max_iterations = options.max_iterations() == 0
                                 ? kDefaultCalibrationIterations
                                 : options.max_iterations();
  for (int i = 0; i < m; ++i) {
    const v1::ObservedFigure& o = options.observed(i);
    const std::string path = FieldPath("", "observed", i);
    if (!std::isfinite(o.value())) {
      return FieldError(path + ".value", absl::StrCat("must be finite, got ",
                                                      FormatValue(o.value())));
    }
    AIOT_RETURN_IF_ERROR(
        CheckNonNegative(o.standard_error(), path + ".standard_error"));
  }
  v1::Scenario base = scenario;
  std::vector<std::string> params;
  Eigen::VectorXd x(k);
  for (int j = 0; j < k; ++j) {
    const std::string field = FieldPath("", "fit", j);
    const std::string path = Expand(options.fit(j));
    if (std::find(params.begin(), params.end(), path) != params.end()) {
      return FieldError(
          field, absl::StrCat(Quoted(options.fit(j)), " is named twice"));
    }
    if (absl::StartsWith(path, "ecosystem.spec"))
      AIOT_RETURN_IF_ERROR(InlinePreset(&base));
    AIOT_ASSIGN_OR_RETURN(x[j], GetParameter(base, path, field));
    params.push_back(path);
  }

  Fit fit(base, params, options, run, stored);
  std::vector<absl::StatusOr<v1::Report>> first = fit.Run({x});
  AIOT_RETURN_IF_ERROR(first[0].status());
  AIOT_ASSIGN_OR_RETURN(Eigen::VectorXd r, fit.Residuals(*first[0]));
  v1::Report report = *std::move(first[0]);
  double chi2 = r.squaredNorm();
  double lambda = 1e-3;
  Eigen::MatrixXd jacobian(m, k);
  Eigen::MatrixXd normal(k, k);
  bool converged = false;
  int iterations = 0;
  for (; iterations < max_iterations && !converged; ++iterations) {
    // Central differences (one-sided where a side is not a valid
    // scenario), all 2k runs at once.
    std::vector<Eigen::VectorXd> points;
    std::vector<double> steps(k);
    for (int j = 0; j < k; ++j) {
      steps[j] = std::max(kMinStep, kRelativeStep * std::fabs(x[j]));
      Eigen::VectorXd up = x, down = x;
      up[j] += steps[j];
      down[j] -= steps[j];
      points.push_back(up);
      points.push_back(down);
    }
    std::vector<absl::StatusOr<v1::Report>> runs = fit.Run(points);
    for (int j = 0; j < k; ++j) {
      const absl::StatusOr<v1::Report>& up = runs[2 * j];
      const absl::StatusOr<v1::Report>& down = runs[2 * j + 1];
      if (!up.ok() && !down.ok()) return up.status();
      Eigen::VectorXd hi = r, lo = r;
      double width = 0.0;
      if (up.ok()) {
        AIOT_ASSIGN_OR_RETURN(hi, fit.Residuals(*up));
        width += steps[j];
      }
      if (down.ok()) {
        AIOT_ASSIGN_OR_RETURN(lo, fit.Residuals(*down));
        width += steps[j];
      }
      jacobian.col(j) = (hi - lo) / width;
    }
    normal = jacobian.transpose() * jacobian;
    for (int j = 0; j < k; ++j) {
      if (normal(j, j) == 0.0) {
        return FieldError(
            FieldPath("", "fit", j),
            absl::StrCat(Quoted(options.fit(j)),
                         " moves none of the observed figures "
                         "(a step of ",
                         FormatValue(steps[j]), " changed none of them)"));
      }
    }
    const Eigen::VectorXd gradient = jacobian.transpose() * r;
    // Damped steps until one lowers chi-square (Marquardt's scaling by the
    // diagonal), at most 10 tries.
    bool moved = false;
    for (int attempt = 0; attempt < 10 && !moved; ++attempt) {
      Eigen::MatrixXd damped = normal;
      for (int j = 0; j < k; ++j)
        damped(j, j) += lambda * std::max(normal(j, j), 1e-12);
      const Eigen::VectorXd delta = damped.ldlt().solve(-gradient);
      const Eigen::VectorXd trial = x + delta;
      std::vector<absl::StatusOr<v1::Report>> t = fit.Run({trial});
      double trial_chi2 = INFINITY;
      Eigen::VectorXd trial_r;
      if (t[0].ok()) {
        AIOT_ASSIGN_OR_RETURN(trial_r, fit.Residuals(*t[0]));
        trial_chi2 = trial_r.squaredNorm();
      }
      if (trial_chi2 < chi2) {
        // Converged when the step is small against the parameters' errors.
        const Eigen::MatrixXd cov =
            normal.ldlt().solve(Eigen::MatrixXd::Identity(k, k));
        converged = true;
        for (int j = 0; j < k; ++j) {
          const double se = std::sqrt(std::max(cov(j, j), 0.0));
          converged = converged && std::fabs(delta[j]) <= 1e-3 * se;
        }
        converged = converged || chi2 - trial_chi2 < 1e-6 * (1.0 + chi2);
        x = trial;
        r = trial_r;
        chi2 = trial_chi2;
        report = *std::move(t[0]);
        lambda = std::max(lambda / 10.0, 1e-9);
        moved = true;
      } else {
        lambda *= 10.0;
      }
    }
    if (!moved) {
      converged = true;  // no step lowers chi-square: a minimum
      ++iterations;
      break;
    }
  }

  v1::Calibration out;
  const Eigen::MatrixXd cov =
      normal.ldlt().solve(Eigen::MatrixXd::Identity(k, k));
  for (int j = 0; j < k; ++j) {
    v1::FittedParameter* p = out.add_parameters();
    p->set_parameter(options.fit(j));
    AIOT_ASSIGN_OR_RETURN(const double initial,
                          GetParameter(base, params[j], "fit"));
    p->set_initial(initial);
    p->set_value(x[j]);
    p->set_standard_error(std::sqrt(std::max(cov(j, j), 0.0)));
  }
  for (int i = 0; i < m; ++i) {
    const v1::ObservedFigure& o = options.observed(i);
    v1::CalibrationResidual* row = out.add_residuals();
    row->set_figure(o.figure());
    row->set_observed(o.value());
    row->set_standard_error(Fit::Se(o));
    row->set_residual(r[i]);
    row->set_fitted(o.value() + r[i] * Fit::Se(o));
  }
  out.set_chi_square(chi2);
  out.set_degrees_of_freedom(m - k);
  out.set_p_value(ChiSquareSurvival(chi2, m - k));
  out.set_iterations(iterations);
  out.set_evaluations(fit.evaluations());
  out.set_converged(converged);
  AIOT_ASSIGN_OR_RETURN(*out.mutable_calibrated(), fit.At(x));
  *out.mutable_report() = std::move(report);
  return out;
}

}  // namespace aiotreach
