#include "engine/live/stream_spec.h"

#include <algorithm>
#include <cmath>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "engine/distributions.h"
#include "engine/fast_math.h"
#include "engine/status_macros.h"
#include "engine/validation.h"

namespace aiotreach {

const char* ChannelName(Channel c) {
  switch (c) {
    case Channel::kNotification:
      return "notification";
    case Channel::kDiscovery:
      return "discovery";
    case Channel::kShare:
      return "share";
    case Channel::kPromotion:
      return "promotion";
    case Channel::kCoViewing:
      return "co_viewing";
  }
  return "unknown";
}

double TimeLaw::Mean() const {
  switch (kind) {
    case Kind::kFixed:
    case Kind::kExponential:
      return a;
    case Kind::kLogNormal:
      return std::exp(a + 0.5 * b * b);
    case Kind::kWeibull:
      return a * std::tgamma(1.0 + b);
  }
  return 0.0;
}

double TimeLaw::Sample(Rng& rng) const {
  switch (kind) {
    case Kind::kFixed:
      return a;
    case Kind::kExponential:
      return -a * std::log(rng.Uniform());
    case Kind::kLogNormal:
      return std::exp(a + b * SampleStandardNormal(rng));
    case Kind::kWeibull:
      return a * std::pow(-std::log(rng.Uniform()), b);
  }
  return 0.0;
}

double SessionLaw::Sample(Rng& rng) const {
  // Always one word for the bounce choice, so that the length's words sit
  // at the same place whether or not a stream has bounces.
  const double u = rng.Uniform();
  if (u < bounce_share) return bounce_minutes * rng.Uniform();
  return length.Sample(rng);
}

double CompiledStream::FanShare(int age_band, int city_tier) const {
  return fan_share[CategoryOf(fans_by, age_band, city_tier)];
}

const SessionLaw& CompiledStream::SessionOf(Channel c, int promotion) const {
  switch (c) {
    case Channel::kNotification:
      return notification_session;
    case Channel::kDiscovery:
      return discovery_session;
    case Channel::kShare:
      return share_session;
    case Channel::kPromotion:
      return promotions[promotion].session;
    case Channel::kCoViewing:
      return session;
  }
  return session;
}

int CompiledStream::minutes() const {
  return static_cast<int>(std::ceil(duration));
}

namespace {

absl::StatusOr<TimeLaw> CompileTime(const v1::TimeDistribution& d,
                                    absl::string_view path, bool required) {
  TimeLaw law;
  switch (d.kind_case()) {
    case v1::TimeDistribution::kFixedMinutes:
      AIOT_RETURN_IF_ERROR(CheckNonNegative(d.fixed_minutes(),
                                            FieldPath(path, "fixed_minutes")));
      law.kind = TimeLaw::Kind::kFixed;
      law.a = d.fixed_minutes();
      return law;
    case v1::TimeDistribution::kExponential:
      AIOT_RETURN_IF_ERROR(
          CheckPositive(d.exponential().mean_minutes(),
                        FieldPath(path, "exponential.mean_minutes")));
      law.kind = TimeLaw::Kind::kExponential;
      law.a = d.exponential().mean_minutes();
      return law;
    case v1::TimeDistribution::kLognormal: {
      const auto& l = d.lognormal();
      AIOT_RETURN_IF_ERROR(CheckPositive(
          l.median_minutes(), FieldPath(path, "lognormal.median_minutes")));
      const std::string spath = FieldPath(path, "lognormal.sigma");
      if (!(l.sigma() > 0.0 && l.sigma() <= kMaxLogNormalSigma)) {
        return FieldError(
            spath,
            absl::StrCat("must be in (0, ", FormatValue(kMaxLogNormalSigma),
                         "], got ", FormatValue(l.sigma())));
      }
      law.kind = TimeLaw::Kind::kLogNormal;
      law.a = std::log(l.median_minutes());
      law.b = l.sigma();
      return law;
    }
    case v1::TimeDistribution::kWeibull: {
      const auto& w = d.weibull();
      const std::string kpath = FieldPath(path, "weibull.shape");
      if (!(w.shape() >= kMinWeibullShape && w.shape() <= kMaxAmount)) {
        return FieldError(
            kpath,
            absl::StrCat("must be at least ", FormatValue(kMinWeibullShape),
                         ", got ", FormatValue(w.shape())));
      }
      AIOT_RETURN_IF_ERROR(CheckPositive(
          w.scale_minutes(), FieldPath(path, "weibull.scale_minutes")));
      law.kind = TimeLaw::Kind::kWeibull;
      law.a = w.scale_minutes();
      law.b = 1.0 / w.shape();
      return law;
    }
    default:
      if (required) {
        return FieldError(path,
                          "is required: set fixed_minutes, exponential, "
                          "lognormal or weibull");
      }
      return law;  // fixed 0
  }
}

absl::StatusOr<SessionLaw> CompileSession(const v1::SessionLength& s,
                                          absl::string_view path) {
  SessionLaw law;
  AIOT_ASSIGN_OR_RETURN(
      law.length, CompileTime(s.length(), FieldPath(path, "length"), true));
  AIOT_RETURN_IF_ERROR(
      CheckProbability(s.bounce_share(), FieldPath(path, "bounce_share")));
  law.bounce_share = s.bounce_share();
  if (s.bounce_share() > 0.0) {
    AIOT_RETURN_IF_ERROR(
        CheckPositive(s.bounce_minutes(), FieldPath(path, "bounce_minutes")));
  } else {
    AIOT_RETURN_IF_ERROR(CheckNonNegative(s.bounce_minutes(),
                                          FieldPath(path, "bounce_minutes")));
  }
  law.bounce_minutes = s.bounce_minutes();
  return law;
}

// A channel's session: its own if set, else the stream's.
absl::StatusOr<SessionLaw> ChannelSession(bool has, const v1::SessionLength& s,
                                          absl::string_view path,
                                          const SessionLaw& fallback) {
  if (!has) return fallback;
  return CompileSession(s, FieldPath(path, "session"));
}

absl::Status CompileWatchTypes(const v1::LiveStream& ls, const Ecosystem& eco,
                               absl::string_view path, CompiledStream* out) {
  std::vector<std::string> names(ls.watch_device_types().begin(),
                                 ls.watch_device_types().end());
  if (names.empty()) names.push_back("phone");
  if (names.size() > kMaxWatchDeviceTypes) {
    return FieldError(FieldPath(path, "watch_device_types"),
                      absl::StrCat("at most ", kMaxWatchDeviceTypes,
                                   " device types, got ", names.size()));
  }
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string tpath =
        ls.watch_device_types().empty()
            ? FieldPath(path, "watch_device_types")
            : FieldPath(path, "watch_device_types", static_cast<int>(i));
    const int t = eco.DeviceTypeIndex(names[i]);
    if (t < 0) {
      return FieldError(tpath,
                        absl::StrCat("unknown device type ", Quoted(names[i]),
                                     ls.watch_device_types().empty()
                                         ? " (the default; list the types "
                                           "with the app)"
                                         : ""));
    }
    const DeviceTypeInfo& info = eco.device_types()[t];
    if (!info.Ownable()) {
      return FieldError(tpath, absl::StrCat("no one owns a ", Quoted(names[i]),
                                            " (ownership probability 0)"));
    }
    uint32_t& mask = info.household_owned ? out->household_watch_types
                                          : out->person_watch_types;
    if ((mask >> t) & 1u) {
      return FieldError(
          tpath, absl::StrCat("duplicate device type ", Quoted(names[i])));
    }
    mask |= 1u << t;
    out->watch_types.push_back(t);
  }
  return absl::OkStatus();
}

absl::Status CompileCasting(const v1::LiveStream& ls, const Ecosystem& eco,
                            absl::string_view path, CompiledStream* out) {
  const std::string cpath = FieldPath(path, "casting");
  const v1::CastingChannel& c = ls.casting();
  AIOT_RETURN_IF_ERROR(CheckProbability(c.cast_probability(),
                                        FieldPath(cpath, "cast_probability")));
  for (int t : out->watch_types) {
    if (!eco.device_types()[t].household_owned) {
      out->cast_from_type = t;
      break;
    }
  }
  if (out->cast_from_type < 0) {
    return FieldError(cpath,
                      "needs a person-owned watch device type to cast from");
  }
  AIOT_ASSIGN_OR_RETURN(
      const CastRoute route,
      FindCastRoute(eco, out->cast_from_type, c.tv_device_type(), cpath));
  out->tv_type = route.tv_type;
  out->cast_link = route.link;
  out->casting = true;
  out->cast_probability = c.cast_probability();
  return absl::OkStatus();
}

absl::StatusOr<CompiledStream> CompileStream(const v1::LiveStream& ls,
                                             const Ecosystem& eco,
                                             const Campaign& campaign,
                                             absl::string_view path) {
  CompiledStream s;
  if (ls.name().empty())
    return FieldError(FieldPath(path, "name"), "must not be empty");
  AIOT_RETURN_IF_ERROR(CheckName(ls.name(), FieldPath(path, "name")));
  s.name = ls.name();
  AIOT_RETURN_IF_ERROR(CheckIntInRange(ls.day(), 1, campaign.flight_days(),
                                       FieldPath(path, "day")));
  s.day = ls.day() - 1;
  if (!(ls.start_minute() >= 0.0 && ls.start_minute() < kMinutesPerDay)) {
    return FieldError(FieldPath(path, "start_minute"),
                      absl::StrCat("must be in [0, 1440), got ",
                                   FormatValue(ls.start_minute())));
  }
  s.start_minute = ls.start_minute();
  if (!(ls.duration_minutes() > 0.0 &&
        ls.duration_minutes() <= kMinutesPerDay)) {
    return FieldError(FieldPath(path, "duration_minutes"),
                      absl::StrCat("must be in (0, 1440], got ",
                                   FormatValue(ls.duration_minutes())));
  }
  s.duration = ls.duration_minutes();
  AIOT_RETURN_IF_ERROR(CompileWatchTypes(ls, eco, path, &s));

  const std::string fpath = FieldPath(path, "fans");
  AIOT_RETURN_IF_ERROR(
      CheckProbability(ls.fans().share(), FieldPath(fpath, "share")));
  s.fan_share = {ls.fans().share()};
  if (ls.fans().by() != v1::ATTRIBUTE_UNSPECIFIED ||
      !ls.fans().share_by_category().empty()) {
    if (ls.fans().by() == v1::ATTRIBUTE_UNSPECIFIED) {
      return FieldError(FieldPath(fpath, "by"),
                        "is required with share_by_category: "
                        "ATTRIBUTE_AGE_BAND or ATTRIBUTE_CITY_TIER");
    }
    AIOT_ASSIGN_OR_RETURN(s.fan_share,
                          eco.ProbabilityByCategory(
                              ls.fans().by(), ls.fans().share_by_category(),
                              ls.fans().share(), fpath, "share_by_category"));
    s.fans_by = ls.fans().by();
  }

  if (!ls.has_session()) {
    return FieldError(
        FieldPath(path, "session"),
        "is required: the session length of viewers, e.g. "
        "session { length { exponential { mean_minutes: 10 } } }");
  }
  AIOT_ASSIGN_OR_RETURN(
      s.session, CompileSession(ls.session(), FieldPath(path, "session")));

  if (ls.has_notification()) {
    const std::string npath = FieldPath(path, "notification");
    const v1::NotificationChannel& n = ls.notification();
    AIOT_RETURN_IF_ERROR(CheckProbability(
        n.open_probability(), FieldPath(npath, "open_probability")));
    s.open_probability = n.open_probability();
    AIOT_ASSIGN_OR_RETURN(
        s.open_delay, CompileTime(n.delay(), FieldPath(npath, "delay"), false));
    if (n.reminder_minutes_size() > kMaxReminders) {
      return FieldError(FieldPath(npath, "reminder_minutes"),
                        absl::StrCat("at most ", kMaxReminders, ", got ",
                                     n.reminder_minutes_size()));
    }
    s.push_minutes = {0.0};
    for (int i = 0; i < n.reminder_minutes_size(); ++i) {
      const double r = n.reminder_minutes(i);
      if (!(r >= 0.0 && r < s.duration)) {
        return FieldError(
            FieldPath(npath, "reminder_minutes", i),
            absl::StrCat("must be in [0, duration_minutes = ",
                         FormatValue(s.duration), "), got ", FormatValue(r)));
      }
      s.push_minutes.push_back(r);
    }
    AIOT_ASSIGN_OR_RETURN(
        s.notification_session,
        ChannelSession(n.has_session(), n.session(), npath, s.session));
    s.notification = true;
  }

  if (ls.has_discovery()) {
    const std::string dpath = FieldPath(path, "discovery");
    const v1::DiscoveryChannel& d = ls.discovery();
    AIOT_RETURN_IF_ERROR(CheckNonNegative(
        d.encounters_per_hour(), FieldPath(dpath, "encounters_per_hour")));
    AIOT_RETURN_IF_ERROR(
        CheckNonNegative(d.amplification(), FieldPath(dpath, "amplification")));
    AIOT_RETURN_IF_ERROR(
        CheckNonNegative(d.like_weight(), FieldPath(dpath, "like_weight")));
    if (d.amplification() > 0.0) {
      AIOT_RETURN_IF_ERROR(CheckPositive(
          d.reference_viewers(), FieldPath(dpath, "reference_viewers")));
      s.reference_viewers = d.reference_viewers();
    }
    const std::string mpath = FieldPath(dpath, "max_multiplier");
    AIOT_RETURN_IF_ERROR(CheckNonNegative(d.max_multiplier(), mpath));
    if (d.max_multiplier() != 0.0 && d.max_multiplier() < 1.0) {
      return FieldError(mpath,
                        absl::StrCat("must be 0 (meaning 1000) or at least 1, "
                                     "got ",
                                     FormatValue(d.max_multiplier())));
    }
    s.encounters_per_minute = d.encounters_per_hour() / 60.0;
    s.amplification = d.amplification();
    s.like_weight = d.like_weight();
    if (d.max_multiplier() != 0.0) s.max_multiplier = d.max_multiplier();
    AIOT_ASSIGN_OR_RETURN(
        s.discovery_session,
        ChannelSession(d.has_session(), d.session(), dpath, s.session));
    s.discovery = true;
  }

  if (ls.has_shares()) {
    const std::string spath = FieldPath(path, "shares");
    const v1::ShareChannel& sh = ls.shares();
    AIOT_RETURN_IF_ERROR(CheckProbability(
        sh.share_probability(), FieldPath(spath, "share_probability")));
    AIOT_RETURN_IF_ERROR(CheckProbability(sh.click_through(),
                                          FieldPath(spath, "click_through")));
    AIOT_ASSIGN_OR_RETURN(
        s.click_delay,
        CompileTime(sh.click_delay(), FieldPath(spath, "click_delay"), false));
    AIOT_RETURN_IF_ERROR(CheckIntInRange(sh.max_generations(), 0, 1000000,
                                         FieldPath(spath, "max_generations")));
    if (sh.share_probability() > 0.0 && eco.mean_social_contacts() <= 0.0) {
      return FieldError(
          FieldPath(spath, "share_probability"),
          absl::StrCat("is ", FormatValue(sh.share_probability()),
                       " but the ecosystem has no social contacts to share "
                       "with (social_contacts.mean_contacts_per_person is 0)"));
    }
    s.share_probability = sh.share_probability();
    s.click_through = sh.click_through();
    s.max_generations = sh.max_generations();
    AIOT_ASSIGN_OR_RETURN(
        s.share_session,
        ChannelSession(sh.has_session(), sh.session(), spath, s.session));
    s.shares = true;
  }

  for (int i = 0; i < ls.promotions_size(); ++i) {
    const std::string ppath = FieldPath(path, "promotions", i);
    const v1::PromotionChannel& p = ls.promotions(i);
    CompiledStream::Promotion promo;
    promo.placement = -1;
    const auto& placements = campaign.placements();
    for (size_t j = 0; j < placements.size(); ++j) {
      if (placements[j].name == p.placement())
        promo.placement = static_cast<int>(j);
    }
    if (promo.placement < 0) {
      return FieldError(
          FieldPath(ppath, "placement"),
          absl::StrCat("no placement called ", Quoted(p.placement()),
                       " in the scenario"));
    }
    for (const CompiledStream::Promotion& other : s.promotions) {
      if (other.placement == promo.placement) {
        return FieldError(FieldPath(ppath, "placement"),
                          absl::StrCat("promotes this stream twice: ",
                                       Quoted(p.placement())));
      }
    }
    AIOT_RETURN_IF_ERROR(CheckProbability(
        p.join_probability(), FieldPath(ppath, "join_probability")));
    promo.join_probability = p.join_probability();
    AIOT_ASSIGN_OR_RETURN(
        promo.session,
        ChannelSession(p.has_session(), p.session(), ppath, s.session));
    s.promotions.push_back(std::move(promo));
  }

  if (ls.has_casting()) AIOT_RETURN_IF_ERROR(CompileCasting(ls, eco, path, &s));
  AIOT_RETURN_IF_ERROR(
      CheckProbability(ls.tv_co_viewing_probability(),
                       FieldPath(path, "tv_co_viewing_probability")));
  s.co_viewing = ls.tv_co_viewing_probability();

  const std::string epath = FieldPath(path, "engagement");
  const v1::StreamEngagement& e = ls.engagement();
  AIOT_RETURN_IF_ERROR(CheckNonNegative(e.likes_per_minute(),
                                        FieldPath(epath, "likes_per_minute")));
  AIOT_RETURN_IF_ERROR(CheckProbability(
      e.follow_probability(), FieldPath(epath, "follow_probability")));
  if (e.follow_probability() > 0.0) {
    AIOT_RETURN_IF_ERROR(
        CheckPositive(e.follow_minutes(), FieldPath(epath, "follow_minutes")));
    s.follow_minutes = e.follow_minutes();
  }
  s.likes_per_minute = e.likes_per_minute();
  s.follow_probability = e.follow_probability();
  return s;
}

}  // namespace

absl::StatusOr<std::vector<CompiledStream>> CompileStreams(
    const v1::Scenario& scenario, const Ecosystem& ecosystem,
    const Campaign& campaign) {
  std::vector<CompiledStream> out;
  if (scenario.live_streams_size() > kMaxLiveStreams) {
    return FieldError(
        "live_streams",
        absl::StrCat("at most ", kMaxLiveStreams, " streams, got ",
                     scenario.live_streams_size()));
  }
  absl::flat_hash_set<std::string> names;
  for (int i = 0; i < scenario.live_streams_size(); ++i) {
    const std::string path = IndexPath("live_streams", i);
    AIOT_ASSIGN_OR_RETURN(
        CompiledStream s,
        CompileStream(scenario.live_streams(i), ecosystem, campaign, path));
    if (!names.insert(s.name).second) {
      return FieldError(FieldPath(path, "name"),
                        absl::StrCat("duplicate stream name ", Quoted(s.name)));
    }
    s.index = i;
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace aiotreach
