// Calibration (engine/calibrate.h) and the report figures it matches
// (engine/figures.h). The statistical checks: a one-point reach fit agrees
// with its closed form, and parameters are recovered from figures the
// engine produced at known values. Each names its tolerance.
#include "engine/calibrate.h"

#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/figures.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "tests/scenario_testing.h"

namespace aiotreach {
namespace {

using ::testing::HasSubstr;

v1::Scenario Parse(const std::string& text) {
  v1::Scenario s;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &s)) << text;
  return s;
}

// Households of 1 to 3 people, phones for all, TVs in some homes.
v1::Scenario Homes(uint64_t seed, double tv_probability, double boot,
                   double splash_rate) {
  return Parse(absl::StrCat(
      R"pb(
        name: "homes"
        population: 20000
        flight_days: 7
        ecosystem { spec { household_size_weights: [ 0.3, 0.4, 0.3 ]
                           device_types {
                             name: "phone"
                             owner: OWNER_KIND_PERSON
                             ownership_probability: 1
                             screen: true
                           }
                           device_types { name: "tv" owner: OWNER_KIND_HOUSEHOLD
                                          ownership_probability:)pb",
      tv_probability, R"pb(
          screen: true
        }
                  }
    }
    placements {
      name: "tv_boot" device_type: "tv"
      opportunity { bernoulli { probability: )pb",
      boot, R"pb(}
                 }
      share_of_voice: 0.5
      audience { kind: AUDIENCE_KIND_ONE_MEMBER }
    }
    placements {
      name: "phone_splash" device_type: "phone"
      opportunity { poisson { rate: )pb",
      splash_rate, R"pb(}
                        }
      share_of_voice: 0.2
    }
    seed: )pb",
      seed));
}

TEST(FiguresTest, NamesReachEveryKindOfRow) {
  v1::Scenario s = Homes(1, 0.6, 0.4, 0.5);
  s.mutable_report()->set_audiences(true);
  s.mutable_report()->set_breakdown_frequency(true);
  const v1::Report r = RunScenario(s, RunOptions{}).value();
  EXPECT_EQ(FigureValue(r, "placements[tv_boot].reach_k_plus[2]").value(),
            r.placements(0).reach_k_plus(1));
  EXPECT_EQ(FigureValue(r, "reach_pct").value(), r.reach_pct());
  EXPECT_EQ(FigureValue(r, "reach_2_plus").value(), r.reach_k_plus(1));
  EXPECT_EQ(FigureValue(r, "reach_k_plus[2]").value(), r.reach_k_plus(1));
  EXPECT_EQ(FigureValue(r, "placements[tv_boot].reach_people").value(),
            r.placements(0).reach_people());
  EXPECT_EQ(FigureValue(r, "device_types[tv].viewers_per_impression").value(),
            r.device_types(1).viewers_per_impression());
  EXPECT_EQ(FigureValue(r, "placement_overlap[tv_boot,phone_splash].reach_both")
                .value(),
            r.placement_overlap(0).reach_both());
  EXPECT_EQ(FigureValue(r, "daily[3].cumulative_reach_people").value(),
            r.daily(2).cumulative_reach_people());
  EXPECT_EQ(FigureValue(r, "weekly[1].reach_people").value(),
            r.weekly(0).reach_people());
  EXPECT_EQ(FigureValue(r, "audiences[household_size=2].people").value(),
            r.audiences(1).people());
  EXPECT_EQ(FigureValue(r, "universe.people").value(), r.universe().people());
  EXPECT_THAT(
      std::string(
          FigureValue(r, "placements[tvboot].reach_pct").status().message()),
      HasSubstr("no row 'tvboot' in placements (rows: tv_boot, "
                "phone_splash)"));
  EXPECT_THAT(std::string(FigureValue(r, "reach").status().message()),
              HasSubstr("'reach' is not a field of Report"));
  EXPECT_THAT(
      std::string(FigureValue(r, "daily[99].exposures").status().message()),
      HasSubstr("no row '99' in daily"));
}

TEST(CalibrateTest, ParametersByPath) {
  v1::Scenario s = Homes(1, 0.6, 0.4, 0.5);
  EXPECT_EQ(GetParameter(s,
                         "placements.tv_boot.opportunity.bernoulli."
                         "probability",
                         "fit[0]")
                .value(),
            0.4);
  EXPECT_EQ(
      GetParameter(s, "placements[phone_splash].share_of_voice", "f").value(),
      0.2);
  EXPECT_EQ(GetParameter(s,
                         "ecosystem.spec.device_types.tv."
                         "ownership_probability",
                         "f")
                .value(),
            0.6);
  ASSERT_TRUE(
      SetParameter(&s, "placements.1.opportunity.poisson.rate", 2.5, "f").ok());
  EXPECT_EQ(s.placements(1).opportunity().poisson().rate(), 2.5);
  EXPECT_THAT(
      std::string(GetParameter(s, "placements.tvboot.share_of_voice", "fit[1]")
                      .status()
                      .message()),
      HasSubstr("fit[1]: 'placements.tvboot.share_of_voice': no "
                "'tvboot' in placements (tv_boot, phone_splash)"));
  EXPECT_THAT(
      std::string(GetParameter(s, "placements.tv_boot.opportunity.poisson.rate",
                               "fit[0]")
                      .status()
                      .message()),
      HasSubstr("'poisson' is not set (the scenario sets bernoulli)"));
  EXPECT_THAT(std::string(GetParameter(s, "placements.tv_boot.name", "fit[0]")
                              .status()
                              .message()),
              HasSubstr("'name' is not a real number"));
}

// One Bernoulli(p) a day for 7 days on one phone a person reaches 1 - (1 -
// p)^7 of people. Given that reach for p = 0.2 exactly, the fit of p must
// find 0.2 within 5 of its standard errors (the observed figure carries the
// binomial error of 20,000 people; the fit's own runs add as much).
TEST(CalibrateTest, OnePointReachFitAgreesWithItsClosedForm) {
  v1::Scenario s = Parse(absl::StrCat(testing::kOnePhonePerPerson, R"pb(
    name: "one"
    seed: 5
    population: 20000
    flight_days: 7
    placements {
      name: "splash"
      device_type: "phone"
      opportunity { bernoulli { probability: 0.1 } }
      share_of_voice: 1
    })pb"));
  const double reach = 1.0 - std::pow(0.8, 7);
  v1::CalibrateOptions o;
  o.add_fit("placements.splash.opportunity.bernoulli.probability");
  v1::ObservedFigure* f = o.add_observed();
  f->set_figure("reach_pct");
  f->set_value(100 * reach);
  f->set_standard_error(100 * std::sqrt(reach * (1 - reach) / 20000));
  const v1::Calibration c = Calibrate(s, o, RunOptions{}).value();
  ASSERT_EQ(c.parameters_size(), 1);
  const v1::FittedParameter& p = c.parameters(0);
  EXPECT_EQ(p.initial(), 0.1);
  EXPECT_GT(p.standard_error(), 0);
  EXPECT_NEAR(p.value(), 0.2, 5 * std::sqrt(2.0) * p.standard_error());
  EXPECT_EQ(c.degrees_of_freedom(), 0);
  EXPECT_EQ(
      c.calibrated().placements(0).opportunity().bernoulli().probability(),
      p.value());
  EXPECT_NEAR(c.residuals(0).fitted(), c.report().reach_pct(), 1e-9);
}

// Figures the engine produced at known values (another seed) are fitted
// back: each parameter within k = 4 standard errors of its true value,
// where the error of (fitted - true) is sqrt(2) times the fit's (the
// observed run and the fit's runs have the same sampling noise). The
// observed errors are the figures' standard deviations over 8 seeds.
TEST(CalibrateTest, RecoversKnownParameters) {
  const double tv = 0.55, boot = 0.35, rate = 1.5;
  const std::vector<std::string> figures = {
      "placements[tv_boot].reach_pct", "placements[phone_splash].reach_pct",
      "placements[phone_splash].average_frequency", "device_types[tv].devices",
      "placements[tv_boot].average_frequency"};
  std::vector<std::vector<double>> runs(figures.size());
  for (uint64_t seed = 100; seed < 108; ++seed) {
    const v1::Report r = RunScenario(Homes(seed, tv, boot, rate), {}).value();
    for (size_t i = 0; i < figures.size(); ++i)
      runs[i].push_back(FigureValue(r, figures[i]).value());
  }
  v1::CalibrateOptions o;
  o.add_fit("ecosystem.spec.device_types.tv.ownership_probability");
  o.add_fit("placements.tv_boot.opportunity.bernoulli.probability");
  o.add_fit("placements.phone_splash.opportunity.poisson.rate");
  for (size_t i = 0; i < figures.size(); ++i) {
    double mean = 0, var = 0;
    for (double v : runs[i]) mean += v / runs[i].size();
    for (double v : runs[i])
      var += (v - mean) * (v - mean) / (runs[i].size() - 1);
    v1::ObservedFigure* f = o.add_observed();
    f->set_figure(figures[i]);
    f->set_value(runs[i][0]);  // one field observation: seed 100
    f->set_standard_error(std::sqrt(var));
  }
  const v1::Calibration c =
      Calibrate(Homes(7, 0.3, 0.2, 0.8), o, RunOptions{}).value();
  const double truth[] = {tv, boot, rate};
  double chi2 = 0;
  for (const v1::CalibrationResidual& r : c.residuals())
    chi2 += r.residual() * r.residual();
  EXPECT_NEAR(c.chi_square(), chi2, 1e-9);
  EXPECT_EQ(c.degrees_of_freedom(), 2);
  for (int j = 0; j < 3; ++j) {
    const v1::FittedParameter& p = c.parameters(j);
    SCOPED_TRACE(p.parameter());
    EXPECT_GT(p.standard_error(), 0);
    EXPECT_NEAR(p.value(), truth[j], 4 * std::sqrt(2.0) * p.standard_error());
  }
  EXPECT_EQ(
      c.calibrated().ecosystem().spec().device_types(1).ownership_probability(),
      c.parameters(0).value());
}

TEST(CalibrateTest, BadRequestsNameTheField) {
  const v1::Scenario s = Homes(1, 0.6, 0.4, 0.5);
  auto error = [&](const v1::CalibrateOptions& o) {
    return std::string(Calibrate(s, o, RunOptions{}).status().message());
  };
  v1::CalibrateOptions o;
  EXPECT_THAT(error(o), HasSubstr("fit: name at least one parameter"));
  o.add_fit("placements.tv_boot.share_of_voice");
  EXPECT_THAT(error(o), HasSubstr("observed: needs at least as many figures "
                                  "as parameters (1), got 0"));
  v1::ObservedFigure* f = o.add_observed();
  f->set_figure("placements[tv].reach_pct");
  f->set_value(10);
  EXPECT_THAT(error(o), HasSubstr("observed[0].figure: no figure "
                                  "'placements[tv].reach_pct'"));
  f->set_figure("placements[phone_splash].reach_pct");
  EXPECT_THAT(error(o), HasSubstr("fit[0]: 'placements.tv_boot.share_of_voice' "
                                  "moves none of the observed figures"));
  o.add_fit("placements.tv_boot.share_of_voice");
  o.add_observed()->CopyFrom(*f);
  EXPECT_THAT(error(o), HasSubstr("fit[1]: 'placements.tv_boot.share_of_voice' "
                                  "is named twice"));
  v1::CalibrateOptions negative;
  negative.add_fit("placements.tv_boot.share_of_voice");
  v1::ObservedFigure* g = negative.add_observed();
  g->set_figure("reach_pct");
  g->set_value(3);
  g->set_standard_error(-1);
  EXPECT_THAT(error(negative),
              HasSubstr("observed[0].standard_error: must be finite and >= 0, "
                        "got -1"));
}

TEST(CalibrateTest, ChiSquareSurvivalMatchesTables) {
  EXPECT_NEAR(ChiSquareSurvival(3.841458820694124, 1), 0.05, 1e-9);
  EXPECT_NEAR(ChiSquareSurvival(18.307038053275146, 10), 0.05, 1e-9);
  EXPECT_NEAR(ChiSquareSurvival(2.0, 2), std::exp(-1.0), 1e-12);
  EXPECT_EQ(ChiSquareSurvival(5.0, 0), 1.0);
}

}  // namespace
}  // namespace aiotreach
