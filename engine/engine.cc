#include "engine/engine.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/cluster.h"
#include "engine/day/shard_state.h"
#include "engine/day_simulator.h"
#include "engine/live/stream_simulator.h"
#include "engine/population.h"
#include "engine/presets.h"
#include "engine/privacy.h"
#include "engine/report_builder.h"
#include "engine/rng.h"
#include "engine/simulator.h"
#include "engine/status_macros.h"
#include "engine/validation.h"

namespace aiotreach {

namespace {

// An ecosystem source resolved: the compiled ecosystem and the people to
// draw. `population` is the caller's (0: the preset's); errors name
// "ecosystem..." and `population_field`.
// True if a run over `ranks` MPI ranks spreads its replicates over them
// (each replicate run whole by one rank): with at least as many
// replicates as ranks.
bool SpreadsReplicates(int ranks, int replicates) {
  return ranks > 1 && replicates >= ranks;
}

struct Resolved {
  std::shared_ptr<const Ecosystem> ecosystem;
  int64_t people = 0;
  int64_t platform_people = 0;  // the preset's people at scale 1; 0: a spec
};

absl::StatusOr<Resolved> Resolve(const v1::Ecosystem& eco, int64_t population,
                                 absl::string_view population_field) {
  Resolved r;
  int64_t default_people = 0;
  switch (eco.source_case()) {
    case v1::Ecosystem::kSpec: {
      AIOT_ASSIGN_OR_RETURN(r.ecosystem,
                            Ecosystem::Build(eco.spec(), "ecosystem.spec"));
      break;
    }
    case v1::Ecosystem::kPreset: {
      const absl::StatusOr<const PresetInfo*> preset =
          FindPreset(eco.preset().name());
      if (!preset.ok())
        return FieldError("ecosystem.preset.name", preset.status().message());
      const double scale = eco.preset().scale();
      if (scale != 0.0) {
        AIOT_RETURN_IF_ERROR(CheckPositive(scale, "ecosystem.preset.scale"));
        if (population != 0) {
          return FieldError(
              "ecosystem.preset.scale",
              absl::StrCat("set either ", population_field,
                           " or ecosystem.preset.scale, not both; got scale ",
                           FormatValue(scale), " and ", population_field, " ",
                           population));
        }
      }
      const double people =
          std::round((*preset)->population * (scale == 0.0 ? 1.0 : scale));
      if (people > static_cast<double>(kMaxPopulation)) {
        return FieldError(
            "ecosystem.preset.scale",
            absl::StrCat("gives ", FormatValue(people),
                         " people, more than the limit of ", kMaxPopulation));
      }
      default_people = std::max<int64_t>(1, static_cast<int64_t>(people));
      r.platform_people = (*preset)->population;
      AIOT_ASSIGN_OR_RETURN(
          r.ecosystem,
          Ecosystem::Build(
              (*preset)->spec,
              absl::StrCat("preset ", Quoted(eco.preset().name()))));
      break;
    }
    default:
      return FieldError(
          "ecosystem",
          "is required: set spec { ... } or preset { name: \"small-city\" }");
  }
  if (eco.source_case() == v1::Ecosystem::kSpec && population == 0) {
    return FieldError(population_field,
                      "is required with an inline ecosystem spec, got 0");
  }
  r.people = population != 0 ? population : default_people;
  AIOT_RETURN_IF_ERROR(
      CheckIntInRange(r.people, 1, kMaxPopulation, population_field));
  return r;
}

}  // namespace

absl::StatusOr<std::unique_ptr<const PreparedScenario>>
PreparedScenario::Prepare(const v1::Scenario& scenario) {
  std::unique_ptr<PreparedScenario> p(new PreparedScenario());
  p->scenario_ = scenario;
  const v1::Ecosystem& eco = scenario.ecosystem();
  AIOT_ASSIGN_OR_RETURN(Resolved resolved,
                        Resolve(eco, scenario.population(), "population"));
  p->ecosystem_ = std::move(resolved.ecosystem);
  p->people_ = resolved.people;
  p->population_seed_ =
      eco.population_seed() != 0 ? eco.population_seed() : scenario.seed();
  p->platform_people_ = resolved.platform_people;
  AIOT_RETURN_IF_ERROR(p->BuildCampaign());
  return std::unique_ptr<const PreparedScenario>(std::move(p));
}

absl::Status PreparedScenario::BuildCampaign() {
  double money_scale = 1.0;
  if (scenario_.platform_units()) {
    if (platform_people_ <= 0) {
      return FieldError("platform_units",
                        "needs a preset ecosystem: the platform is the preset "
                        "at scale 1, and an inline spec has no such size");
    }
    if (people_ > platform_people_) {
      return FieldError(
          "platform_units",
          absl::StrCat("the sample (", people_,
                       " people) is larger than the platform (",
                       platform_people_, " people, the preset at scale 1)"));
    }
    money_scale =
        static_cast<double>(people_) / static_cast<double>(platform_people_);
  }
  AIOT_ASSIGN_OR_RETURN(campaign_,
                        Campaign::Build(scenario_, *ecosystem_, money_scale));
  AIOT_ASSIGN_OR_RETURN(streams_,
                        CompileStreams(scenario_, *ecosystem_, *campaign_));
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<const PreparedScenario>>
PreparedScenario::PrepareOn(const v1::Scenario& scenario,
                            const StoredPopulation& stored) {
  if (scenario.has_ecosystem()) {
    return FieldError("ecosystem",
                      "must be unset when running on a stored ecosystem: "
                      "the stored one is used");
  }
  if (scenario.population() != 0 &&
      scenario.population() != stored.population().people()) {
    return FieldError("population",
                      absl::StrCat("must be 0 (or the stored ecosystem's ",
                                   stored.population().people(),
                                   ") when running on a stored ecosystem, got ",
                                   scenario.population()));
  }
  std::unique_ptr<PreparedScenario> p(new PreparedScenario());
  p->scenario_ = scenario;
  p->ecosystem_ = stored.ecosystem();
  p->people_ = stored.population().people();
  p->population_seed_ = stored.population().seed();
  p->platform_people_ = stored.platform_people();
  AIOT_RETURN_IF_ERROR(p->BuildCampaign());
  return std::unique_ptr<const PreparedScenario>(std::move(p));
}

bool PreparedScenario::day_loop() const {
  // Placements beside a stream run day by day whether or not they promote
  // it, so that adding a promotion to a scenario changes the stream only
  // (compare keeps its common random numbers).
  return campaign_->needs_day_loop() ||
         (!streams_.empty() && !campaign_->placements().empty());
}

int64_t PreparedScenario::EstimateRunBytes(int ranks) const {
  // Flight-at-once: shards and tallies of a few MiB, and a byte a
  // household. Day by day: the state kept per person for the flight, as
  // narrow as the scenario allows (day::KeptBytesPerPerson; about 15 bytes
  // for W2, docs/ENGINE.md).
  const int64_t base = int64_t{32} << 20;
  const int64_t households =
      static_cast<int64_t>(people_ / ecosystem_->mean_household_size()) + 1;
  // Replicates spread over the ranks run whole on one rank each; else
  // each rank holds its part of the people.
  const int split = SpreadsReplicates(ranks, campaign_->replicates())
                        ? 1
                        : std::max(1, ranks);
  // Live streams: a byte a person, a bit for the campaign's reach, and
  // the play's viewers, sessions and planned arrivals: about 10 bytes a
  // person in all for the launch stream at platform scale (3.9 GB for
  // 396.5 M people, docs/PERFORMANCE.md); 10 a person, streams played one
  // after another, each rank holding its cells' part (the reach bits
  // whole).
  const int64_t streams =
      streams_.empty() ? 0 : people_ / 8 + 10 * people_ / split;
  if (!day_loop()) return base + households + streams;
  const double kept = day::KeptBytesPerPerson(*campaign_, *ecosystem_);
  return base + households + streams +
         static_cast<int64_t>(kept * static_cast<double>(people_) / split);
}

absl::StatusOr<std::unique_ptr<const StoredPopulation>> StoredPopulation::Build(
    const v1::Ecosystem& source, int64_t population, int threads) {
  AIOT_ASSIGN_OR_RETURN(Resolved resolved,
                        Resolve(source, population, "population"));
  const uint64_t seed =
      source.population_seed() != 0 ? source.population_seed() : 1;
  std::unique_ptr<StoredPopulation> s(new StoredPopulation());
  s->source_ = source;
  s->ecosystem_ = resolved.ecosystem;
  s->platform_people_ = resolved.platform_people;
  AIOT_ASSIGN_OR_RETURN(
      s->population_,
      Population::Build(resolved.ecosystem, resolved.people, seed, threads));
  return std::unique_ptr<const StoredPopulation>(std::move(s));
}

namespace {

// Household sizes (a byte each), a prefix sum per 4,096 households, and the
// compiled ecosystem.
int64_t LayoutBytes(int64_t households) {
  return households + 8 * (households / 4096 + 1) + int64_t{64} * 1024;
}

}  // namespace

int64_t StoredPopulation::MemoryBytes() const {
  return LayoutBytes(population_->households());
}

absl::StatusOr<int64_t> StoredPopulation::EstimateBytes(
    const v1::Ecosystem& ecosystem, int64_t population) {
  AIOT_ASSIGN_OR_RETURN(Resolved resolved,
                        Resolve(ecosystem, population, "population"));
  return LayoutBytes(static_cast<int64_t>(
      resolved.people / resolved.ecosystem->mean_household_size() + 1));
}

absl::Status ValidateScenario(const v1::Scenario& scenario) {
  return PreparedScenario::Prepare(scenario).status();
}

namespace {

// The seed of replicate r: the scenario's own for r = 0, else drawn from it.
uint64_t ReplicateSeed(uint64_t seed, int r) {
  if (r == 0) return seed;
  Rng rng(seed, streams::kReplicateSeed, static_cast<uint32_t>(r));
  const uint64_t lo = rng.NextU32();
  return lo | uint64_t{rng.NextU32()} << 32;
}

absl::StatusOr<Tally> Simulate(const Population& population,
                               const Campaign& campaign, uint64_t seed,
                               bool day_loop, const RunOptions& options,
                               StreamFeed* feed) {
  if (day_loop) {
    DaySimulator sim(population, campaign, seed);
    sim.set_stream_feed(feed);
    return sim.Run(options);
  }
  Simulator sim(population, campaign, seed);
  sim.set_stream_feed(feed);
  return sim.Run(options);
}

// The feed the campaign run fills for the scenario's streams, or null.
std::unique_ptr<StreamFeed> MakeFeed(const PreparedScenario& prepared,
                                     const Population& population) {
  const std::vector<CompiledStream>& streams = prepared.streams();
  if (streams.empty()) return nullptr;
  std::vector<StreamFeed::Route> routes;
  for (const CompiledStream& s : streams) {
    for (size_t i = 0; i < s.promotions.size(); ++i) {
      routes.push_back(
          {s.promotions[i].placement, s.index, static_cast<int>(i), s.day});
    }
  }
  return std::make_unique<StreamFeed>(population.people(), std::move(routes),
                                      static_cast<int>(streams.size()));
}

// What every rank's part of the campaign handed the streams, on every
// rank: the reached bits or-ed, each stream's exposures in rank order (the
// stream sorts them by person and time before use).
void MergeFeed(const Cluster& cluster, StreamFeed* feed) {
  std::vector<uint64_t> words = feed->reached.Words();
  cluster.Or(words.data(), words.size());
  feed->reached.SetWords(words);
  for (std::vector<PromotionExposure>& list : feed->exposures) {
    const std::string mine(reinterpret_cast<const char*>(list.data()),
                           list.size() * sizeof(PromotionExposure));
    list.clear();
    for (const std::string& part : cluster.AllGather(mine)) {
      const size_t n = part.size() / sizeof(PromotionExposure);
      const size_t at = list.size();
      list.resize(at + n);
      std::memcpy(list.data() + at, part.data(), n * sizeof(PromotionExposure));
    }
  }
}

// Plays each stream after the campaign.
absl::StatusOr<std::vector<StreamOutcome>> PlayStreams(
    const PreparedScenario& prepared, const Population& population,
    uint64_t seed, const RunOptions& options, StreamFeed* feed) {
  std::vector<StreamOutcome> out;
  for (const CompiledStream& s : prepared.streams()) {
    StreamSimulator sim(population, s, prepared.campaign().target(), seed);
    AIOT_ASSIGN_OR_RETURN(
        StreamOutcome o,
        sim.Run(options, &feed->exposures[s.index], &feed->reached));
    feed->exposures[s.index] = {};
    out.push_back(std::move(o));
  }
  return out;
}

// Adds each stream's report, with its reach deduplicated against the
// campaign's.
void AddStreams(std::vector<StreamOutcome> outcomes, v1::Report* report) {
  for (StreamOutcome& o : outcomes) {
    v1::StreamAndCampaign* both = o.report.mutable_with_campaign();
    both->set_both(o.target_viewers_reached);
    both->set_stream_only(o.target_viewers - o.target_viewers_reached);
    both->set_campaign_only(report->reach_people() - o.target_viewers_reached);
    both->set_union_reach(both->stream_only() + report->reach_people());
    const int64_t universe = report->universe().people();
    both->set_union_reach_pct(
        universe > 0 ? 100.0 * both->union_reach() / universe : 0.0);
    *report->add_live_streams() = std::move(o.report);
  }
}

// Replicate r of the run (seed from ReplicateSeed), on `fixed` or on a
// population drawn into *drawn (kept while its seed is fixed). `alone`:
// this rank runs the replicate whole, without the cluster.
absl::StatusOr<v1::Report> RunReplicate(
    const PreparedScenario& prepared, const Population* fixed, uint64_t seed,
    int r, const RunOptions& options, bool alone,
    std::unique_ptr<const Population>* drawn) {
  const v1::Scenario& scenario = prepared.scenario();
  const Campaign& campaign = prepared.campaign();
  const int replicates = campaign.replicates();
  const bool fixed_seed = scenario.ecosystem().population_seed() != 0;
  const bool timed = prepared.day_loop() || options.day_by_day;
  if (fixed == nullptr && (*drawn == nullptr || !fixed_seed)) {
    AIOT_ASSIGN_OR_RETURN(
        *drawn,
        Population::Build(prepared.ecosystem(), prepared.people(),
                          fixed_seed ? prepared.population_seed() : seed,
                          options.threads));
  }
  const Population& population = fixed != nullptr ? *fixed : **drawn;
  RunOptions run = options;
  // A replicate run whole by one rank does not talk to the others.
  if (alone) run.cluster = nullptr;
  if (options.progress && replicates > 1) {
    run.progress = [&options, r, replicates](double f) {
      options.progress((r + f) / replicates);
    };
  }
  std::unique_ptr<StreamFeed> feed = MakeFeed(prepared, population);
  // A scenario of live streams only skips the campaign pass; its
  // universe comes from the streams' pass over the population.
  Tally tally(MakeTallyShape(population, campaign));
  if (!campaign.placements().empty()) {
    AIOT_ASSIGN_OR_RETURN(
        tally, Simulate(population, campaign, seed, timed, run, feed.get()));
  }
  std::vector<StreamOutcome> streams;
  if (feed != nullptr && run.cluster != nullptr &&
      !campaign.placements().empty()) {
    MergeFeed(*run.cluster, feed.get());
  }
  if (feed != nullptr) {
    AIOT_ASSIGN_OR_RETURN(
        streams, PlayStreams(prepared, population, seed, run, feed.get()));
  }
  if (campaign.placements().empty() && !streams.empty()) {
    tally.people() = streams[0].target_people;
    tally.households() = streams[0].target_households;
    tally.all_people() = population.people();
    tally.all_households() = population.households();
  }
  v1::Report report = BuildReport(scenario.name(), seed, *prepared.ecosystem(),
                                  campaign, tally, timed);
  AddStreams(std::move(streams), &report);
  ApplyPrivacy(scenario.privacy(), seed, &report);
  return report;
}

// After each rank ran replicates rank, rank + size, ...: gives every rank
// all of them, in replicate order.
void GatherReplicates(const Cluster& cluster,
                      std::vector<v1::Report>* reports) {
  const int n = static_cast<int>(reports->size());
  std::string mine;
  for (int r = cluster.rank(); r < n; r += cluster.size()) {
    const std::string bytes = (*reports)[r].SerializeAsString();
    const uint64_t size = bytes.size();
    mine.append(reinterpret_cast<const char*>(&size), sizeof(size));
    mine += bytes;
  }
  const std::vector<std::string> all = cluster.AllGather(mine);
  for (int k = 0; k < static_cast<int>(all.size()); ++k) {
    size_t at = 0;
    for (int r = k; r < n; r += cluster.size()) {
      uint64_t size = 0;
      std::memcpy(&size, all[k].data() + at, sizeof(size));
      at += sizeof(size);
      (*reports)[r].ParseFromArray(all[k].data() + at, static_cast<int>(size));
      at += size;
    }
  }
}

}  // namespace

absl::StatusOr<v1::Report> RunPrepared(const PreparedScenario& prepared,
                                       const StoredPopulation* stored,
                                       const RunOptions& options) {
  // The population every replicate uses, or null to draw one per replicate
  // (from the replicate's seed unless the scenario fixes population_seed).
  const Population* fixed = stored != nullptr ? &stored->population() : nullptr;
  const v1::Scenario& scenario = prepared.scenario();
  const Campaign& campaign = prepared.campaign();
  const int replicates = campaign.replicates();
  // Over ranks, replicates at least as many as the ranks are spread over
  // them, each run whole by one rank (no exchange within a replicate);
  // fewer each run over all ranks, its households split.
  const Cluster* cluster = options.cluster;
  const bool spread =
      cluster != nullptr && SpreadsReplicates(cluster->size(), replicates);
  const int rank = spread ? cluster->rank() : 0;
  const int step = spread ? cluster->size() : 1;
  std::unique_ptr<const Population> drawn;
  std::vector<v1::Report> reports(replicates);
  absl::Status mine = absl::OkStatus();
  for (int r = rank; r < replicates && mine.ok(); r += step) {
    const uint64_t seed = ReplicateSeed(scenario.seed(), r);
    absl::StatusOr<v1::Report> report =
        RunReplicate(prepared, fixed, seed, r, options, spread, &drawn);
    if (report.ok()) {
      if (options.simulated) {
        options.simulated(report->population().people() *
                          std::max(1, scenario.flight_days()));
      }
      reports[r] = *std::move(report);
    } else {
      mine = report.status();
    }
  }
  if (spread) {
    // Every rank stops alike on any rank's error, then has every
    // replicate's report, in replicate order.
    AIOT_RETURN_IF_ERROR(AgreeStatus(cluster, mine));
    GatherReplicates(*cluster, &reports);
  } else {
    AIOT_RETURN_IF_ERROR(mine);
  }
  v1::Report report = std::move(reports[0]);
  if (replicates > 1) {
    reports[0] = report;
    AddUncertainty(reports, &report);
  }
  return report;
}

absl::StatusOr<v1::Report> RunScenario(const v1::Scenario& scenario,
                                       const RunOptions& options) {
  AIOT_ASSIGN_OR_RETURN(std::unique_ptr<const PreparedScenario> prepared,
                        PreparedScenario::Prepare(scenario));
  return RunPrepared(*prepared, nullptr, options);
}

absl::StatusOr<v1::Report> RunScenario(const v1::Scenario& scenario,
                                       const StoredPopulation& population,
                                       const RunOptions& options) {
  AIOT_ASSIGN_OR_RETURN(std::unique_ptr<const PreparedScenario> prepared,
                        PreparedScenario::PrepareOn(scenario, population));
  return RunPrepared(*prepared, &population, options);
}

}  // namespace aiotreach
