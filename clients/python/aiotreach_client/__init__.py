"""A small Python client for aiotreach's gRPC service.

    from aiotreach_client import Client, load_scenario, report_to_frames

    client = Client("127.0.0.1:50051")            # token=..., root_certificates=...
    report = client.run(load_scenario("sims/field/phone_tv.textproto"))
    print(report.reach_people, report.reach_pct)
    frames = report_to_frames(report)              # pandas DataFrames, if pandas is there
    print(frames["placements"])

The messages are the generated ones of proto/aiotreach/v1, carried in the
package as aiotreach_client._proto (made with Debian's protoc and
grpc_python_plugin) and importable as
`from aiotreach_client import scenario_pb2, report_pb2, ...`. Errors are
grpc.RpcError with the server's code and message, e.g. INVALID_ARGUMENT
"placements[1].share_of_voice: must be in [0, 1], got 1.5".
"""

import os

import grpc
from google.protobuf import json_format, text_format

try:
    from ._proto import ecosystem_pb2  # noqa: F401
    from ._proto import report_pb2
    from ._proto import scenario_pb2
    from ._proto import service_pb2
    from ._proto import service_pb2_grpc
    from ._proto import whatif_pb2
except ImportError as e:
    raise ImportError(
        "aiotreach_client: the generated protobuf modules are missing from "
        "%s (%s); run tools/python_client (or tools/setup) in the clone, or "
        "install with pip, which makes them" %
        (os.path.join(os.path.dirname(os.path.abspath(__file__)), "_proto"),
         e)) from e

__version__ = "0.2.0"

__all__ = ["Client", "Run", "RunFailed", "RUN_STATES", "run_state",
           "run_state_name", "parse_budget", "load_scenario", "report_to_frames", "comparison_to_frame",
           "sweep_to_frame", "optimization_to_frames", "calibration_to_frames",
           "scenario_pb2", "report_pb2", "service_pb2", "whatif_pb2",
           "ecosystem_pb2"]


def load_scenario(path_or_text):
    """A Scenario from a .textproto/.txtpb/.json file, or from text format."""
    text = path_or_text
    is_json = False
    if os.path.exists(path_or_text):
        with open(path_or_text, encoding="utf-8") as f:
            text = f.read()
        is_json = path_or_text.endswith(".json")
    scenario = scenario_pb2.Scenario()
    if is_json:
        json_format.Parse(text, scenario)
    else:
        text_format.Parse(text, scenario)
    if not scenario.name and os.path.exists(path_or_text):
        scenario.name = os.path.splitext(os.path.basename(path_or_text))[0]
    return scenario


def _as_scenario(scenario):
    if isinstance(scenario, scenario_pb2.Scenario):
        return scenario
    if isinstance(scenario, dict):
        return json_format.ParseDict(scenario, scenario_pb2.Scenario())
    return load_scenario(scenario)


def parse_budget(value):
    """Yuan from a number, or from a string as the CLI writes budgets:
    "500000", "500k", "0.5m". ValueError naming the value otherwise."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        amount = float(value)
    else:
        text = str(value).strip()
        scale = 1.0
        if text[-1:] in ("k", "K"):
            scale, text = 1e3, text[:-1]
        elif text[-1:] in ("m", "M"):
            scale, text = 1e6, text[:-1]
        try:
            amount = float(text) * scale
        except ValueError:
            amount = float("nan")
    if not amount > 0 or amount == float("inf"):
        raise ValueError("budget: want a positive amount such as 500000, "
                         "500k or 0.5m, got %r" % (value,))
    return amount


# Run states by name: "QUEUED", "RUNNING", "SUCCEEDED", "FAILED",
# "CANCELLED", "INTERRUPTED", "DAMAGED".
RUN_STATES = {v.name[len("RUN_STATE_"):]: v.number
              for v in service_pb2.RunState.DESCRIPTOR.values
              if v.number != 0}


def run_state(state):
    """A run state's number from its name ("RUNNING") or number."""
    if isinstance(state, str):
        key = state.upper()
        if key.startswith("RUN_STATE_"):
            key = key[len("RUN_STATE_"):]
        if key not in RUN_STATES:
            raise ValueError("state: want one of %s, got %r"
                             % (", ".join(RUN_STATES), state))
        return RUN_STATES[key]
    return int(state or 0)


def run_state_name(number):
    """"RUNNING" for RUN_STATE_RUNNING, and so on."""
    for name, n in RUN_STATES.items():
        if n == number:
            return name
    return "UNSPECIFIED"


class RunFailed(Exception):
    """Run.wait() on a run that did not succeed: .run is its RunInfo."""

    def __init__(self, run):
        super().__init__("%s ended %s%s" % (
            run.id, run_state_name(run.state),
            (": " + run.error) if run.error else ""))
        self.run = run


class Run:
    """A run kept by the server, as start_run, get_run, cancel_run and
    runs() return it: .run (the RunInfo; its fields also read as .id,
    .state, .fraction, ...), .state_name ("RUNNING"), .report (the Report
    once it succeeded, else None), and wait(), watch(), cancel(), refresh().
    """

    def __init__(self, client, info, report=None):
        self._client = client
        self.run = info
        self.report = report

    def __getattr__(self, name):
        return getattr(self.run, name)

    def __repr__(self):
        return "Run(%s, %s, %.0f%%)" % (self.run.id, self.state_name,
                                        100 * self.run.fraction)

    @property
    def state_name(self):
        return run_state_name(self.run.state)

    def refresh(self):
        """Reads the run again from the server; returns self."""
        got = self._client._call(self._client._stub.GetRun,
                                 service_pb2.GetRunRequest(id=self.run.id))
        self.run = got.run
        self.report = got.report if got.HasField("report") else None
        return self

    def watch(self):
        """Yields WatchRunResponse messages until the run ends, keeping
        .run and .report up to date."""
        for message in self._client.watch_run(self.run.id):
            self.run = message.run
            if message.HasField("report"):
                self.report = message.report
            yield message

    def wait(self):
        """Waits for the run's end and returns its Report; RunFailed if it
        failed, was cancelled or interrupted."""
        for _ in self.watch():
            pass
        if self.run.state != RUN_STATES["SUCCEEDED"] or self.report is None:
            raise RunFailed(self.run)
        return self.report

    def cancel(self):
        """Asks the server to stop the run; returns self."""
        self.run = self._client._call(
            self._client._stub.CancelRun,
            service_pb2.CancelRunRequest(id=self.run.id)).run
        return self


class Client:
    """A connection to `aiotreach serve`.

    address: "host:port". token: the server's --auth_token_file token, sent
    as "authorization: Bearer <token>". root_certificates: PEM bytes of the
    certificate to trust for a TLS server (None: plaintext). timeout:
    default seconds per call (None: no deadline).
    """

    def __init__(self, address="127.0.0.1:50051", token=None,
                 root_certificates=None, timeout=None):
        if root_certificates is not None:
            credentials = grpc.ssl_channel_credentials(root_certificates)
            self._channel = grpc.secure_channel(address, credentials)
        else:
            self._channel = grpc.insecure_channel(address)
        self._stub = service_pb2_grpc.ReachServiceStub(self._channel)
        self._metadata = (("authorization", "Bearer " + token),) if token else ()
        self._timeout = timeout

    def close(self):
        self._channel.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _call(self, method, request, timeout=None):
        return method(request, metadata=self._metadata,
                      timeout=timeout if timeout is not None else self._timeout)

    def health(self):
        """"SERVING" if the server answers the standard health check."""
        check = self._channel.unary_unary(
            "/grpc.health.v1.Health/Check",
            request_serializer=lambda _: b"",
            response_deserializer=lambda b: b)
        answer = check(None, timeout=self._timeout)
        # HealthCheckResponse: field 1 (status) as a varint; 1 = SERVING.
        return "SERVING" if answer == b"\x08\x01" else "NOT_SERVING"

    def run(self, scenario, ecosystem_id="", timeout=None):
        """Runs a scenario (a Scenario, a dict in proto3 JSON form, or a
        file path) and returns its Report."""
        request = service_pb2.RunScenarioRequest(
            scenario=_as_scenario(scenario), ecosystem_id=ecosystem_id)
        return self._call(self._stub.RunScenario, request, timeout).report

    def create_ecosystem(self, ecosystem, population=0, name=""):
        """Stores a population on the server; returns its EcosystemInfo."""
        if isinstance(ecosystem, dict):
            ecosystem = json_format.ParseDict(ecosystem, scenario_pb2.Ecosystem())
        request = service_pb2.CreateEcosystemRequest(
            name=name, ecosystem=ecosystem, population=population)
        return self._call(self._stub.CreateEcosystem, request).ecosystem

    def list_ecosystems(self):
        return list(self._call(self._stub.ListEcosystems,
                               service_pb2.ListEcosystemsRequest()).ecosystems)

    def delete_ecosystem(self, ecosystem_id):
        self._call(self._stub.DeleteEcosystem,
                   service_pb2.DeleteEcosystemRequest(id=ecosystem_id))

    def compare(self, base, variants, ecosystem_id="", timeout=None):
        """A Comparison of variants against base (common random numbers)."""
        request = service_pb2.CompareScenariosRequest(
            base=_as_scenario(base),
            variants=[_as_scenario(v) for v in variants],
            ecosystem_id=ecosystem_id)
        return self._call(self._stub.CompareScenarios, request,
                          timeout).comparison

    def sweep_budget(self, scenario, placement="", budgets=(), ecosystem_id="",
                     timeout=None, split=None, shares_of_voice=(), days=()):
        """A SweepCurve: the scenario with `placement`'s budget at each of
        `budgets`; or with split={"tv_boot": 0.4, "phone_splash": 0.6}, the
        total budget at each of `budgets` cut by those shares; or with
        shares_of_voice, `placement`'s share of voice at each; or with days,
        `placement` run the first k days of the flight for each k."""
        request = service_pb2.SweepBudgetRequest(
            scenario=_as_scenario(scenario), placement=placement,
            budgets=[parse_budget(b) for b in budgets],
            ecosystem_id=ecosystem_id,
            shares_of_voice=list(shares_of_voice), days=list(days))
        for name, share in (split or {}).items():
            request.split.add(placement=name, share=share)
        return self._call(self._stub.SweepBudget, request, timeout).curve

    def optimize(self, scenario, budget, objective="reach", step=0.0,
                 min_budgets=None, max_budgets=None, placements=(),
                 ecosystem_id="", timeout=None):
        """An Optimization: `budget` split over the scenario's budget-bought
        placements (docs/OPTIMIZER.md). min_budgets / max_budgets map a
        placement's name to yuan; objective is "reach", "reach_k:K",
        "households" or "conversions"."""
        options = whatif_pb2.OptimizeOptions(
            budget=parse_budget(budget), objective=objective,
            step=parse_budget(step) if step else 0.0,
            placements=list(placements))
        for bounds, field in ((min_budgets, options.min),
                              (max_budgets, options.max)):
            for name, yuan in (bounds or {}).items():
                field.add(placement=name,
                          budget=parse_budget(yuan) if yuan else 0.0)
        request = service_pb2.OptimizeBudgetRequest(
            scenario=_as_scenario(scenario), options=options,
            ecosystem_id=ecosystem_id)
        return self._call(self._stub.OptimizeBudget, request,
                          timeout).optimization

    def calibrate(self, scenario, observed, fit, max_iterations=0,
                  ecosystem_id="", timeout=None):
        """A Calibration: the parameters named in `fit` (paths such as
        "activity_shape" or
        "placements.tv_boot.opportunity.bernoulli.probability") fitted to
        `observed` figures (docs/CALIBRATION.md): a list of (figure, value)
        or (figure, value, standard_error) tuples, or a DataFrame with
        columns figure, value and optionally standard_error, as in the CSV
        `aiotreach calibrate --observed` reads."""
        options = whatif_pb2.CalibrateOptions(
            fit=list(fit), max_iterations=max_iterations)
        if hasattr(observed, "to_dict"):  # a DataFrame
            observed = [(r["figure"], r["value"], r.get("standard_error", 0.0))
                        for r in observed.to_dict("records")]
        for row in observed:
            figure, value = row[0], row[1]
            se = row[2] if len(row) > 2 and row[2] == row[2] else 0.0
            options.observed.add(figure=figure, value=float(value),
                                 standard_error=float(se))
        request = service_pb2.CalibrateRequest(
            scenario=_as_scenario(scenario), options=options,
            ecosystem_id=ecosystem_id)
        return self._call(self._stub.Calibrate, request, timeout).calibration

    def start_run(self, scenario, ecosystem_id="", ranks=0):
        """Starts a run kept by the server; returns a Run
        (start_run(s).wait() gives the Report run(s) gives).

        ranks >= 2 runs it as a job over that many MPI ranks (a server
        started with --launcher; docs/SERVICE.md)."""
        request = service_pb2.StartRunRequest(
            scenario=_as_scenario(scenario), ecosystem_id=ecosystem_id,
            ranks=ranks)
        return Run(self, self._call(self._stub.StartRun, request).run)

    def watch_run(self, run_id):
        """Yields WatchRunResponse messages until the run ends."""
        yield from self._stub.WatchRun(service_pb2.WatchRunRequest(id=run_id),
                                       metadata=self._metadata)

    def get_run(self, run_id):
        """The Run of that id (with its report if it succeeded)."""
        return Run(self, service_pb2.RunInfo(id=run_id)).refresh()

    def list_runs(self, page_size=0, page_token="", state=0):
        """One page of runs, newest first (a ListRunsResponse); state by
        name ("RUNNING") or number. runs() goes through every page."""
        return self._call(self._stub.ListRuns, service_pb2.ListRunsRequest(
            page_size=page_size, page_token=page_token,
            state=run_state(state)))

    def runs(self, state=0, page_size=0):
        """Every run kept by the server, newest first, as Run objects,
        fetched a page at a time."""
        token = ""
        while True:
            page = self.list_runs(page_size, token, state)
            for info in page.runs:
                yield Run(self, info)
            token = page.next_page_token
            if not token:
                return

    def cancel_run(self, run_id):
        """Asks the server to stop a run; returns its Run."""
        return Run(self, service_pb2.RunInfo(id=run_id)).cancel()


def comparison_to_frame(comparison):
    """A comparison as a pandas DataFrame: a row per variant and figure,
    columns as in compare_<base>.csv (variant, figure, base, variant_value,
    delta, relative_delta, base_lower, base_upper, variant_lower,
    variant_upper). Needs pandas."""
    import pandas as pd
    return pd.DataFrame([{
        "variant": v.name, "figure": d.figure, "base": d.base,
        "variant_value": d.variant, "delta": d.delta,
        "relative_delta": d.relative_delta, "base_lower": d.base_lower,
        "base_upper": d.base_upper, "variant_lower": d.variant_lower,
        "variant_upper": d.variant_upper}
        for v in comparison.variants for d in v.deltas])


def sweep_to_frame(curve):
    """A sweep as a pandas DataFrame: a row per point, columns as in
    <name>.sweep.csv (budget, reach_people, reach_pct, reach_3_plus,
    average_frequency, spend, impressions, under_delivery, share_of_voice,
    refused_by_cap, bought_nothing_more, days). Needs pandas."""
    import pandas as pd
    return pd.DataFrame([{
        "budget": p.budget, "reach_people": p.reach_people,
        "reach_pct": p.reach_pct,
        "reach_3_plus": p.reach_k_plus[2] if len(p.reach_k_plus) > 2 else 0,
        "average_frequency": p.average_frequency, "spend": p.spend,
        "impressions": p.impressions, "under_delivery": p.under_delivery,
        "share_of_voice": p.share_of_voice,
        "refused_by_cap": p.refused_by_cap,
        "bought_nothing_more": p.bought_nothing_more, "days": p.days}
        for p in curve.points])


def calibration_to_frames(calibration):
    """A calibration as pandas DataFrames: "parameters" (parameter,
    initial, value, standard_error, as in <name>.calibration.csv) and
    "residuals" (figure, observed, fitted, standard_error, residual, as in
    <name>.residuals.csv). Needs pandas."""
    import pandas as pd
    return {
        "parameters": pd.DataFrame([{
            "parameter": p.parameter, "initial": p.initial, "value": p.value,
            "standard_error": p.standard_error}
            for p in calibration.parameters]),
        "residuals": pd.DataFrame([{
            "figure": r.figure, "observed": r.observed, "fitted": r.fitted,
            "standard_error": r.standard_error, "residual": r.residual}
            for r in calibration.residuals]),
    }


def optimization_to_frames(optimization):
    """The optimizer's result as pandas DataFrames: "allocation" (a row per
    placement, columns as in <name>.optimize.csv) and "frontier" (a row per
    point: budget, objective, step, saturated, then a column of yuan per
    placement, as in <name>.optimize_frontier.csv). Needs pandas."""
    import pandas as pd
    allocation = pd.DataFrame([{
        "placement": r.placement, "budget": r.budget, "share": r.share,
        "served": r.served, "spend": r.spend,
        "under_delivery": r.under_delivery, "saturated": r.saturated,
        "marginal_cost": r.marginal_cost, "days": r.days} for r in optimization.allocation])
    frontier = []
    for f in optimization.frontier:
        row = {"budget": f.budget, "objective": f.objective,
               "step": f.placement, "saturated": f.saturated}
        row.update(zip(optimization.placements, f.allocation))
        frontier.append(row)
    return {"allocation": allocation, "frontier": pd.DataFrame(frontier)}


def report_to_frames(report):
    """The report's tables as pandas DataFrames: "headline", "frequency",
    "daily", "weekly", "placements", "device_types", "delivery", "audiences"
    (with report.audiences: a row per category, columns as in
    <name>.audiences.csv), and for live streams
    "streams" (a row per stream), "stream_minutes" (the per-minute curve of
    every stream, with a "stream" column) and "stream_channels" (arrivals by
    channel), and with platform units "platform" (a row per projected
    figure: value, standard_error, lower, upper); and "caps",
    "placement_overlap", "device_type_overlap", "cross_device_interactions",
    "retargeting", "uncertainty" (a row per figure with replicates) and
    "hourly" (impressions by hour of the day), each possibly empty. Needs
    pandas."""
    try:
        import pandas as pd
    except ImportError as e:
        raise ImportError("report_to_frames needs pandas "
                          "(Debian: apt install python3-pandas)") from e

    def rows(messages):
        return [json_format.MessageToDict(m, preserving_proto_field_name=True,
                                          including_default_value_fields=True)
                for m in messages]

    headline = {name: getattr(report, name) for name in (
        "impressions", "exposures", "reach_people", "reach_households",
        "reach_pct", "average_frequency", "grp", "spend",
        "cost_per_reached_person", "interactions", "conversions")}
    f = len(report.frequency_histogram)
    frequency = pd.DataFrame({
        "frequency": [str(i + 1) + ("+" if i + 1 == f else "") for i in range(f)],
        "people": list(report.frequency_histogram),
        "reach_k_plus": list(report.reach_k_plus),
    })
    frames = {
        "headline": pd.DataFrame([headline]),
        "frequency": frequency,
        "daily": pd.DataFrame(rows(report.daily)),
        "placements": pd.DataFrame(rows(report.placements)),
        "device_types": pd.DataFrame(rows(report.device_types)),
        "delivery": pd.DataFrame(rows(report.delivery)),
        "weekly": pd.DataFrame(rows(report.weekly)),
    }
    # Audiences as in <name>.audiences.csv: k+ reach as reach_<k>_plus.
    audiences = []
    for a in report.audiences:
        row = {"attribute": a.attribute, "category": a.category,
               "people": a.people, "reach_people": a.reach_people,
               "reach_pct": a.reach_pct, "exposures": a.exposures,
               "average_frequency": a.average_frequency, "grp": a.grp}
        for k, n in enumerate(a.reach_k_plus):
            row["reach_%d_plus" % (k + 1)] = n
        audiences.append(row)
    frames["audiences"] = pd.DataFrame(audiences)
    streams, minutes, channels = [], [], []
    for stream in report.live_streams:
        row = json_format.MessageToDict(stream, preserving_proto_field_name=True,
                                        including_default_value_fields=True)
        for nested in ("minutes", "channels", "devices", "share_generations",
                       "cascade_size_histogram", "cascade_depth_histogram"):
            row.pop(nested, None)
        row.update(row.pop("with_campaign", {}))
        streams.append(row)
        minutes += [dict(stream=stream.name, **m) for m in rows(stream.minutes)]
        channels += [dict(stream=stream.name, **c) for c in rows(stream.channels)]
    platform = []
    if report.HasField("platform"):
        p = report.platform
        for name in ("households", "target_people", "reach_people",
                     "reach_households", "impressions", "exposures", "spend",
                     "interactions", "conversions"):
            f = getattr(p, name)
            platform.append({"figure": name, "value": f.value,
                             "standard_error": f.standard_error,
                             "lower": f.lower, "upper": f.upper})
    frames["platform"] = pd.DataFrame(platform)
    # The report's other sections, a row per message, columns as the
    # message's fields (a cap's placements joined by ",").
    caps = rows(report.caps)
    for row in caps:
        row["placements"] = ",".join(row.get("placements", []))
    frames["caps"] = pd.DataFrame(caps)
    frames["placement_overlap"] = pd.DataFrame(rows(report.placement_overlap))
    frames["device_type_overlap"] = pd.DataFrame(
        rows(report.device_type_overlap))
    frames["cross_device_interactions"] = pd.DataFrame(
        rows(report.cross_device_interactions))
    frames["retargeting"] = pd.DataFrame(rows(report.retargeting))
    frames["uncertainty"] = pd.DataFrame(rows(report.uncertainty.figures))
    frames["hourly"] = pd.DataFrame({
        "hour": list(range(len(report.hourly_impressions))),
        "impressions": list(report.hourly_impressions)})
    frames["streams"] = pd.DataFrame(streams)
    frames["stream_minutes"] = pd.DataFrame(minutes)
    frames["stream_channels"] = pd.DataFrame(channels)
    for name in ("daily", "weekly", "placements", "device_types", "delivery",
                 "streams", "stream_minutes", "stream_channels", "caps",
                 "placement_overlap", "device_type_overlap",
                 "cross_device_interactions", "retargeting", "uncertainty"):
        frame = frames[name]
        for column in frame.columns:
            # proto3 JSON quotes 64-bit integers; make them numbers again.
            if frame[column].dtype == object:
                try:
                    frame[column] = pd.to_numeric(frame[column])
                except (ValueError, TypeError):
                    pass
    return frames

